package dev.tollgate.internal;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.MappingMatch;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A set of servlet url-patterns (exact {@code /health}, prefix {@code /public/*}, extension
 * {@code *.css}, or {@code /*} for everything), matched against a request's path within the
 * application. Parsed once; matching allocates nothing.
 *
 * <p>An extension pattern is meant for static files. It matches a request only when the container
 * maps it to its servlet by extension, or when the container's own default servlet (Tomcat's or
 * Jetty's {@code DefaultServlet}, found by {@link #bindTo(ServletContext)}) serves it through the
 * default mapping {@code /} ({@link HttpServletRequest#getHttpServletMapping()}). So {@code *.css}
 * never lets {@code /api/users/42.css} through when a {@code /api/*} (or exact) servlet mapping
 * serves it, nor {@code /files/secret.css} when the application's own front controller is mapped
 * to {@code /}.
 */
public final class PathPatterns {

    /** Matches nothing. */
    public static final PathPatterns NONE = new PathPatterns(List.of(), List.of(), List.of(), false, null);

    /**
     * The class names of the containers' own default servlets, which serve the application's
     * static files: Tomcat's, Jetty 9 to 11's, and Jetty 12's per EE level. Names, since no
     * container is on the class path (and the javax jar renames only the servlet API). A subclass
     * does not count: it is application code (or Tomcat's WebDAV servlet) and may serve anything.
     */
    static final Set<String> CONTAINER_DEFAULT_SERVLETS = Set.of(
            "org.apache.catalina.servlets.DefaultServlet",
            "org.eclipse.jetty.servlet.DefaultServlet",
            "org.eclipse.jetty.ee8.servlet.DefaultServlet",
            "org.eclipse.jetty.ee9.servlet.DefaultServlet",
            "org.eclipse.jetty.ee10.servlet.DefaultServlet",
            "org.eclipse.jetty.ee10.servlet.ResourceServlet",
            "org.eclipse.jetty.ee11.servlet.DefaultServlet",
            "org.eclipse.jetty.ee11.servlet.ResourceServlet");

    private static final Logger LOG = LoggerFactory.getLogger(PathPatterns.class);

    private final List<String> exact;
    private final List<String> prefixes;
    private final List<String> extensions;
    private final boolean all;
    /** The name of the container's default servlet on {@code /}, whose files extension patterns skip; null: none. */
    private final String defaultServlet;

    private PathPatterns(List<String> exact, List<String> prefixes, List<String> extensions, boolean all,
            String defaultServlet) {
        this.exact = exact;
        this.prefixes = prefixes;
        this.extensions = extensions;
        this.all = all;
        this.defaultServlet = defaultServlet;
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
        return new PathPatterns(List.copyOf(exact), List.copyOf(prefixes), List.copyOf(extensions), all, null);
    }

    /**
     * These patterns in {@code context}: an extension pattern also matches what the container's
     * own default servlet serves through {@code /}, if that is the servlet on {@code /}. Called
     * once, from a filter's {@code init}. Unbound, or when the registrations cannot be read, an
     * extension pattern matches extension mappings only.
     */
    public PathPatterns bindTo(ServletContext context) {
        if (extensions.isEmpty()) {
            return this;
        }
        return new PathPatterns(exact, prefixes, extensions, all, containerDefaultServlet(context));
    }

    /**
     * The name of the servlet that {@code context} maps to {@code /} when it is the container's own
     * default servlet (by its class name); null when it is the application's or unknown.
     */
    static String containerDefaultServlet(ServletContext context) {
        try {
            for (ServletRegistration registration : context.getServletRegistrations().values()) {
                Collection<String> mappings = registration.getMappings();
                String className = registration.getClassName();
                if (mappings != null && mappings.contains("/") && className != null
                        && CONTAINER_DEFAULT_SERVLETS.contains(className)) {
                    return registration.getName();
                }
            }
            return null;
        } catch (RuntimeException e) {
            // Fail closed: without the registrations, nothing served through / is taken for a static file.
            LOG.warn("Cannot read the servlet registrations ({}): an extension skip-path skips extension mappings only",
                    e.toString());
            return null;
        }
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
     * when the request is mapped by extension, or through {@code /} to the container's own default
     * servlet (see {@link #bindTo(ServletContext)}).
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
        if (match == MappingMatch.EXTENSION) {
            return true;
        }
        // Through /: only the container's default servlet, never a front controller of the application's.
        return match == MappingMatch.DEFAULT && defaultServlet != null && defaultServlet.equals(mapping.getServletName());
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
