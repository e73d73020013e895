package dev.tollgate.config;

import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.MappingMatch;
import java.util.ArrayList;
import java.util.List;

/**
 * A set of servlet url-patterns (exact {@code /health}, prefix {@code /public/*}, extension
 * {@code *.css}, or {@code /*} for everything), matched against a request's path within the
 * application. Parsed once; matching allocates nothing.
 *
 * <p>An extension pattern matches a request only when the container maps it to its servlet by
 * extension or to the default servlet ({@link HttpServletRequest#getHttpServletMapping()}): it is
 * meant for static files, so {@code *.css} never lets {@code /api/users/42.css} through when a
 * {@code /api/*} (or exact) servlet mapping serves it.
 */
public final class PathPatterns {

    /** Matches nothing. */
    public static final PathPatterns NONE = new PathPatterns(List.of(), List.of(), List.of(), false);

    private final List<String> exact;
    private final List<String> prefixes;
    private final List<String> extensions;
    private final boolean all;

    private PathPatterns(List<String> exact, List<String> prefixes, List<String> extensions, boolean all) {
        this.exact = exact;
        this.prefixes = prefixes;
        this.extensions = extensions;
        this.all = all;
    }

    /** Parses comma- or whitespace-separated url-patterns; a bad one names itself and the rule. */
    public static PathPatterns parse(String text) {
        List<String> exact = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        List<String> extensions = new ArrayList<>();
        boolean all = false;
        for (String pattern : text.split("[,\\s]+")) {
            if (pattern.isEmpty()) {
                continue;
            }
            if (pattern.equals("/*")) {
                all = true;
            } else if (pattern.startsWith("*.") && pattern.length() > 2 && pattern.indexOf('*', 1) < 0) {
                extensions.add(pattern.substring(1));
            } else if (pattern.startsWith("/") && pattern.endsWith("/*") && pattern.indexOf('*') == pattern.length() - 1) {
                prefixes.add(pattern.substring(0, pattern.length() - 2));
            } else if (pattern.startsWith("/") && pattern.indexOf('*') < 0) {
                exact.add(pattern);
            } else {
                throw new IllegalArgumentException("url-pattern [" + pattern
                        + "] must be an exact path (/health), a prefix (/public/*) or an extension (*.css)");
            }
        }
        if (!all && exact.isEmpty() && prefixes.isEmpty() && extensions.isEmpty()) {
            return NONE;
        }
        return new PathPatterns(List.copyOf(exact), List.copyOf(prefixes), List.copyOf(extensions), all);
    }

    /** The path of {@code request} within the application, decoded and normalised by the container. */
    public static String pathOf(HttpServletRequest request) {
        String servletPath = request.getServletPath();
        String pathInfo = request.getPathInfo();
        // A servlet mapped to /* has an empty servlet path: its path info is the path, no new string.
        String path = pathInfo == null ? servletPath : servletPath == null || servletPath.isEmpty() ? pathInfo : servletPath + pathInfo;
        return path == null || path.isEmpty() ? "/" : path;
    }

    /**
     * Whether {@code request}, whose path within the application is {@code path} (see
     * {@link #pathOf(HttpServletRequest)}), matches one of the patterns; an extension pattern only
     * when the request is mapped by extension or to the default servlet.
     */
    public boolean matches(HttpServletRequest request, String path) {
        if (matchesPath(path)) {
            return true;
        }
        if (!matchesExtension(path)) {
            return false;
        }
        HttpServletMapping mapping = request.getHttpServletMapping();
        MappingMatch match = mapping == null ? null : mapping.getMappingMatch();
        return match == MappingMatch.EXTENSION || match == MappingMatch.DEFAULT;
    }

    /**
     * Whether {@code path} matches one of the patterns, extensions included whatever serves the
     * path; requests use {@link #matches(HttpServletRequest, String)}.
     */
    public boolean matches(String path) {
        return matchesPath(path) || matchesExtension(path);
    }

    private boolean matchesPath(String path) {
        if (all) {
            return true;
        }
        for (int i = 0; i < exact.size(); i++) {
            if (exact.get(i).equals(path)) {
                return true;
            }
        }
        for (int i = 0; i < prefixes.size(); i++) {
            String prefix = prefixes.get(i);
            if (path.startsWith(prefix) && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/')) {
                return true;
            }
        }
        return false;
    }

    private boolean matchesExtension(String path) {
        for (int i = 0; i < extensions.size(); i++) {
            if (path.endsWith(extensions.get(i))) {
                return true;
            }
        }
        return false;
    }

    public boolean isEmpty() {
        return this == NONE;
    }
}
