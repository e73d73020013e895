package dev.tollgate.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tollgate.testing.FuzzInput;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.MappingMatch;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * {@code skip-paths} as an operator may write it, against any request path: the patterns parse or
 * the message names the bad one and the rule; a path matches exactly as the servlet url-pattern
 * rules say (an extension only for a request mapped by extension, or served through {@code /} by
 * the container's own default servlet: the patterns bound to a context where it is there).
 * Lines of the input: the patterns, then request paths. Inputs: {@code PathPatternsFuzzTestInputs/}.
 */
class PathPatternsFuzzTest {

    private static final List<String> SOME_PATHS = List.of("/", "/health", "/api/users/42", "/static/site.css", "");

    @FuzzTest
    void shouldMatchAPathAsTheServletRulesSay(byte[] input) {
        List<String> lines = FuzzInput.lines(FuzzInput.utf8(input));
        String text = lines.get(0);
        List<String> tokens = Arrays.stream(text.split("[,\\s]+")).filter(t -> !t.isEmpty()).toList();
        PathPatterns patterns;
        try {
            patterns = PathPatterns.parse(text);
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            assertTrue(tokens.stream().anyMatch(t -> message.startsWith("url-pattern [" + t + "] must be")), () -> tokens + ": " + message);
            assertTrue(tokens.stream().anyMatch(t -> kind(t) == null), () -> tokens + " are all valid: " + message);
            return;
        }
        assertTrue(tokens.stream().allMatch(t -> kind(t) != null), () -> tokens + " parsed, but not all are url-patterns");
        assertEquals(tokens.isEmpty(), patterns.isEmpty(), () -> tokens.toString());
        List<String> paths = new ArrayList<>(SOME_PATHS);
        paths.addAll(lines.subList(1, lines.size()));
        for (String path : paths) {
            boolean byPath = tokens.stream().anyMatch(t -> !"extension".equals(kind(t)) && matches(t, path));
            boolean byExtension = tokens.stream().anyMatch(t -> "extension".equals(kind(t)) && matches(t, path));
            assertEquals(byPath || byExtension, patterns.matches(path), () -> tokens + " [" + path + "]");
            PathPatterns bound = patterns.bindTo(WITH_CONTAINER_DEFAULT);
            for (MappingMatch match : new MappingMatch[] {null, MappingMatch.CONTEXT_ROOT, MappingMatch.DEFAULT, MappingMatch.EXACT,
                    MappingMatch.EXTENSION, MappingMatch.PATH}) {
                for (String servlet : new String[] {"default", "front"}) {
                    HttpServletRequest request = mappedBy(match, servlet);
                    boolean unbound = byPath || byExtension && match == MappingMatch.EXTENSION;
                    assertEquals(unbound, patterns.matches(request, path), () -> tokens + " [" + path + "] mapped by " + match);
                    boolean containers = match == MappingMatch.DEFAULT && servlet.equals("default");
                    assertEquals(unbound || byExtension && containers, bound.matches(request, path),
                            () -> tokens + " [" + path + "] mapped by " + match + " to " + servlet + ", bound");
                }
            }
        }
    }

    /** The servlet specification's kinds of url-pattern, or {@code null} for none of them. */
    private static String kind(String pattern) {
        if (pattern.equals("/*")) {
            return "all";
        }
        if (pattern.matches("\\*\\.[^*]+")) {
            return "extension";
        }
        if (pattern.matches("/[^*]*/\\*")) {
            return "prefix";
        }
        return pattern.matches("/[^*]*") ? "exact" : null;
    }

    private static boolean matches(String pattern, String path) {
        String kind = kind(pattern);
        return switch (kind) {
            case "all" -> true;
            case "extension" -> path.endsWith(pattern.substring(1));
            case "prefix" -> {
                String prefix = pattern.substring(0, pattern.length() - 2);
                yield path.equals(prefix) || path.startsWith(prefix + "/");
            }
            default -> path.equals(pattern);
        };
    }

    /** A context whose servlet on {@code /} is the container's own default servlet, named {@code default}. */
    private static final ServletContext WITH_CONTAINER_DEFAULT = withContainerDefault();

    private static ServletContext withContainerDefault() {
        ClassLoader loader = PathPatternsFuzzTest.class.getClassLoader();
        ServletRegistration registration = (ServletRegistration) Proxy.newProxyInstance(loader,
                new Class<?>[] {ServletRegistration.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "getName" -> "default";
                    case "getClassName" -> "org.apache.catalina.servlets.DefaultServlet";
                    case "getMappings" -> List.of("/");
                    default -> throw new UnsupportedOperationException(m.getName());
                });
        return (ServletContext) Proxy.newProxyInstance(loader, new Class<?>[] {ServletContext.class}, (proxy, m, args) -> {
            if (m.getName().equals("getServletRegistrations")) {
                return Map.of("default", registration);
            }
            throw new UnsupportedOperationException(m.getName());
        });
    }

    private static HttpServletRequest mappedBy(MappingMatch match, String servlet) {
        HttpServletMapping mapping = match == null ? null : (HttpServletMapping) Proxy.newProxyInstance(
                PathPatternsFuzzTest.class.getClassLoader(), new Class<?>[] {HttpServletMapping.class}, (proxy, m, args) ->
                        m.getName().equals("getMappingMatch") ? match : m.getName().equals("getServletName") ? servlet : "");
        return (HttpServletRequest) Proxy.newProxyInstance(PathPatternsFuzzTest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, m, args) -> {
                    if (m.getName().equals("getHttpServletMapping")) {
                        return mapping;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
    }
}
