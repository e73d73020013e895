package dev.tollgate.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.MappingMatch;
import java.lang.reflect.Proxy;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PathPatternsTest {

    private final PathPatterns patterns = PathPatterns.parse("/health, /public/*, *.css");

    private static HttpServletRequest mappedBy(MappingMatch match) {
        return mappedBy(match, "s");
    }

    private static HttpServletRequest mappedBy(MappingMatch match, String servletName) {
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
                return servletName;
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
    void shouldSkipAnExtensionOnlyForExtensionMappingsUntilBoundToAContext() {
        assertTrue(patterns.matches(mappedBy(MappingMatch.EXTENSION), "/static/site.css"));
        assertFalse(patterns.matches(mappedBy(MappingMatch.DEFAULT), "/static/site.css"),
                "unbound, nothing says the servlet on / is the container's");
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

    /** A registration named {@code name} of {@code className}, mapped to {@code mappings}. */
    private static ServletRegistration servlet(String name, String className, String... mappings) {
        return (ServletRegistration) Proxy.newProxyInstance(PathPatternsTest.class.getClassLoader(),
                new Class<?>[] {ServletRegistration.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "getName" -> name;
                    case "getClassName" -> className;
                    case "getMappings" -> Set.of(mappings);
                    default -> throw new UnsupportedOperationException(m.getName());
                });
    }

    /** A context with {@code servlets}, or whose registrations cannot be read when there are none. */
    private static ServletContext contextWith(ServletRegistration... servlets) {
        Map<String, ServletRegistration> registrations = new LinkedHashMap<>();
        for (ServletRegistration servlet : servlets) {
            registrations.put(servlet.getName(), servlet);
        }
        return (ServletContext) Proxy.newProxyInstance(PathPatternsTest.class.getClassLoader(),
                new Class<?>[] {ServletContext.class}, (proxy, m, args) -> {
                    if (m.getName().equals("getServletRegistrations") && servlets.length > 0) {
                        return registrations;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
    }

    @Test
    void shouldSkipAnExtensionServedThroughTheDefaultMappingByTheContainersDefaultServletOnly() {
        PathPatterns bound = patterns.bindTo(contextWith(
                servlet("api", "com.acme.ApiServlet", "/api/*"),
                servlet("default", "org.apache.catalina.servlets.DefaultServlet", "/")));
        assertTrue(bound.matches(mappedBy(MappingMatch.DEFAULT, "default"), "/static/site.css"));
        assertTrue(bound.matches(mappedBy(MappingMatch.EXTENSION, "static"), "/static/site.css"));
        assertFalse(bound.matches(mappedBy(MappingMatch.DEFAULT, "front"), "/files/secret.css"),
                "another servlet through /, whatever the registrations say");
        assertFalse(bound.matches(mappedBy(MappingMatch.PATH, "default"), "/api/users/42.css"));
        assertFalse(bound.matches(mappedBy(MappingMatch.DEFAULT, "default"), "/static/page.html"));
    }

    @Test
    void shouldTakeOnlyTheContainersOwnDefaultServletsOnTheDefaultMapping() {
        for (String className : PathPatterns.CONTAINER_DEFAULT_SERVLETS) {
            assertEquals("default", PathPatterns.containerDefaultServlet(contextWith(servlet("default", className, "/"))), className);
        }
        assertEquals("default", PathPatterns.containerDefaultServlet(contextWith(
                servlet("front", "com.acme.FrontController"),
                servlet("default", "org.eclipse.jetty.ee10.servlet.DefaultServlet", "/"))));
        assertNull(PathPatterns.containerDefaultServlet(contextWith(
                servlet("default", "org.eclipse.jetty.ee10.servlet.DefaultServlet"),
                servlet("front", "org.springframework.web.servlet.DispatcherServlet", "/"))),
                "the container's default servlet, overridden: the application's front controller is on /");
        assertNull(PathPatterns.containerDefaultServlet(contextWith(servlet("default", "com.acme.FrontController", "/"))),
                "a servlet of the application's named default");
        assertNull(PathPatterns.containerDefaultServlet(contextWith(servlet("webdav", "org.apache.catalina.servlets.WebdavServlet", "/"))),
                "a subclass of a default servlet may serve anything");
        assertNull(PathPatterns.containerDefaultServlet(contextWith(servlet("files", "org.apache.catalina.servlets.DefaultServlet", "/files/*"))),
                "not on /");
        assertNull(PathPatterns.containerDefaultServlet(contextWith(servlet("default", null, "/"))), "no class name");
    }

    @Test
    void shouldSkipNothingThroughTheDefaultMappingWhenTheRegistrationsCannotBeRead() {
        PathPatterns bound = patterns.bindTo(contextWith());
        assertFalse(bound.matches(mappedBy(MappingMatch.DEFAULT, "default"), "/static/site.css"));
        assertTrue(bound.matches(mappedBy(MappingMatch.EXTENSION, "static"), "/static/site.css"));
        assertTrue(bound.matches(mappedBy(MappingMatch.PATH, "api"), "/health"));
    }

    @Test
    void shouldNotReadTheRegistrationsWithoutExtensionPatterns() {
        PathPatterns paths = PathPatterns.parse("/health, /public/*");
        assertSame(paths, paths.bindTo(contextWith()));
        assertSame(PathPatterns.NONE, PathPatterns.NONE.bindTo(contextWith()));
    }
}
