package dev.tollgate.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.MappingMatch;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;

class PathPatternsTest {

    private final PathPatterns patterns = PathPatterns.parse("/health, /public/*, *.css");

    private static HttpServletRequest mappedBy(MappingMatch match) {
        HttpServletMapping mapping = new HttpServletMapping() {
            @Override
            public String getMatchValue() {
                return "";
            }

            @Override
            public String getPattern() {
                return "";
            }

            @Override
            public String getServletName() {
                return "s";
            }

            @Override
            public MappingMatch getMappingMatch() {
                return match;
            }
        };
        return (HttpServletRequest) Proxy.newProxyInstance(PathPatternsTest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, m, args) -> {
                    if (m.getName().equals("getHttpServletMapping")) {
                        return mapping;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
    }

    @Test
    void shouldSkipAnExtensionOnlyForExtensionAndDefaultMappings() {
        assertTrue(patterns.matches(mappedBy(MappingMatch.EXTENSION), "/static/site.css"));
        assertTrue(patterns.matches(mappedBy(MappingMatch.DEFAULT), "/static/site.css"));
        assertFalse(patterns.matches(mappedBy(MappingMatch.PATH), "/api/users/42.css"));
        assertFalse(patterns.matches(mappedBy(MappingMatch.EXACT), "/exact/theme.css"));
        assertFalse(patterns.matches(mappedBy(null), "/api/users/42.css"), "an unknown mapping is not skipped");
    }

    @Test
    void shouldMatchExactAndPrefixPatternsWhateverTheMapping() {
        assertTrue(patterns.matches(mappedBy(MappingMatch.PATH), "/health"));
        assertTrue(patterns.matches(mappedBy(MappingMatch.PATH), "/public/a.css"));
        assertFalse(patterns.matches(mappedBy(MappingMatch.PATH), "/healthz"));
    }
}
