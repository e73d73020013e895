package dev.tollgate.error;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.lang.reflect.Method;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code Allow} header of a 405 that was sent without one (RFC 9110 says a 405 must carry it;
 * {@code HttpServlet}'s own {@code doPut}, {@code doPost}, ... call a bare {@code sendError(405)},
 * and neither Tomcat nor Jetty adds it): what the container's {@code HttpServlet.doOptions} answers
 * for the servlet the request went to. That is the {@code doXxx} methods its class (up to
 * {@code HttpServlet}) declares, {@code doGet} giving GET and HEAD ({@code doPatch} only where
 * {@code HttpServlet} dispatches PATCH, Servlet 6.1), then what the container's own
 * {@code doOptions} adds for every servlet: OPTIONS, and TRACE where it lists TRACE (the Servlet
 * API's {@code HttpServlet}, on Jetty, always does; Tomcat's only when its connector allows TRACE,
 * which it does not by default). That last part is asked of the container itself, through a servlet
 * that declares nothing, handed the container's own request.
 *
 * <p>The servlet is the one the request is mapped to ({@code getHttpServletMapping()}), or on an
 * ERROR dispatch the one the container names ({@code jakarta.servlet.error.servlet_name}); its
 * class comes from its {@code ServletRegistration} and is loaded with the context's class loader.
 * Nothing can be known of a servlet that is not an {@code HttpServlet}, nor of one that declares no
 * {@code doXxx} but its own {@code service()}: then no value is given (and none invented). Each
 * class is looked at once; the answer is remembered by class name in a small bounded map.
 */
final class AllowedMethods {

    private static final Logger LOG = LoggerFactory.getLogger(AllowedMethods.class);
    /** The servlet classes remembered: an application has a fixed few; the bound guards against the unforeseen. */
    static final int MAX_CLASSES = 64;
    /** Remembered for a class whose methods cannot be known. */
    private static final String UNKNOWN = "";
    /** Whether the container's {@code HttpServlet} dispatches PATCH to {@code doPatch} (Servlet 6.1 and later). */
    private static final boolean DISPATCHES_PATCH = declaresDoPatch();

    private final ConcurrentMap<String, String> byClass = new ConcurrentHashMap<>();

    /**
     * The {@code Allow} value for a 405 answer to {@code request}, or {@code null} when the methods
     * of its servlet cannot be known. {@code response} is only handed to the container's
     * {@code doOptions}, whose {@code Allow} is caught before it reaches it.
     */
    String of(HttpServletRequest request, HttpServletResponse response) {
        String servletName = servletName(request);
        ServletContext context = request.getServletContext();
        ServletRegistration registration = servletName == null || context == null ? null
                : context.getServletRegistration(servletName);
        String className = registration == null ? null : registration.getClassName();
        if (className == null) {
            LOG.debug("405 for {} {}: no servlet class known (servlet [{}]), so no Allow", request.getMethod(),
                    request.getRequestURI(), servletName);
            return null;
        }
        String allow = byClass.get(className);
        if (allow == null) {
            allow = compute(className, context.getClassLoader(), request, response);
            if (byClass.size() < MAX_CLASSES) {
                byClass.putIfAbsent(className, allow);
            }
        }
        if (allow.isEmpty()) {
            LOG.debug("405 for {} {}: the methods of servlet [{}] ({}) cannot be known, so no Allow",
                    request.getMethod(), request.getRequestURI(), servletName, className);
            return null;
        }
        return allow;
    }

    /** The servlet the request went to; on an ERROR dispatch the mapping is the error page's own. */
    private static String servletName(HttpServletRequest request) {
        if (request.getDispatcherType() == DispatcherType.ERROR) {
            return request.getAttribute(RequestDispatcher.ERROR_SERVLET_NAME) instanceof String name ? name : null;
        }
        HttpServletMapping mapping = request.getHttpServletMapping();
        return mapping == null ? null : mapping.getServletName();
    }

    private static String compute(String className, ClassLoader loader, HttpServletRequest request,
            HttpServletResponse response) {
        Class<?> type;
        try {
            type = Class.forName(className, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            LOG.debug("Servlet class [{}] not loadable for an Allow header: {}", className, e.toString());
            return UNKNOWN;
        }
        if (!HttpServlet.class.isAssignableFrom(type)) {
            return UNKNOWN;
        }
        boolean get = false;
        boolean post = false;
        boolean put = false;
        boolean delete = false;
        boolean patch = false;
        boolean service = false;
        try {
            // As HttpServlet.doOptions: the methods declared below HttpServlet, by name.
            for (Class<?> c = type; c != HttpServlet.class; c = c.getSuperclass()) {
                for (Method method : c.getDeclaredMethods()) {
                    switch (method.getName()) {
                        case "doGet" -> get = true;
                        case "doPost" -> post = true;
                        case "doPut" -> put = true;
                        case "doDelete" -> delete = true;
                        case "doPatch" -> patch = DISPATCHES_PATCH;
                        case "service" -> service = true;
                        default -> {
                            // not a method that decides what is served
                        }
                    }
                }
            }
        } catch (LinkageError e) {
            LOG.debug("Methods of servlet class [{}] not readable for an Allow header: {}", className, e.toString());
            return UNKNOWN;
        }
        if (service && !(get || post || put || delete || patch)) {
            // It serves what its own service() does.
            return UNKNOWN;
        }
        StringJoiner allow = new StringJoiner(", ");
        if (get) {
            allow.add("GET").add("HEAD");
        }
        if (patch) {
            allow.add("PATCH");
        }
        if (post) {
            allow.add("POST");
        }
        if (put) {
            allow.add("PUT");
        }
        if (delete) {
            allow.add("DELETE");
        }
        return allow.add(containerMethods(request, response)).toString();
    }

    /**
     * What the container's own {@code doOptions} answers for a servlet that declares nothing:
     * {@code TRACE, OPTIONS} (the Servlet API's {@code HttpServlet}), {@code OPTIONS} (Tomcat's,
     * TRACE off) or {@code OPTIONS, TRACE} (Tomcat's, TRACE on). It is handed the container's own
     * request: Tomcat reads its connector's TRACE setting from that, and lists TRACE for any other.
     */
    private static String containerMethods(HttpServletRequest request, HttpServletResponse response) {
        ServletRequest own = request;
        while (own instanceof ServletRequestWrapper wrapper) {
            own = wrapper.getRequest();
        }
        AllowCapture capture = new AllowCapture(response);
        try {
            new NothingDeclared().options(own instanceof HttpServletRequest http ? http : request, capture);
        } catch (ServletException | IOException | RuntimeException e) {
            // An Allow header is not worth failing the error answer for.
            LOG.debug("The container's doOptions failed; Allow names OPTIONS only: {}", e.toString());
            return "OPTIONS";
        }
        return capture.allow == null || capture.allow.isBlank() ? "OPTIONS" : capture.allow;
    }

    private static boolean declaresDoPatch() {
        try {
            HttpServlet.class.getDeclaredMethod("doPatch", HttpServletRequest.class, HttpServletResponse.class);
            return true;
        } catch (NoSuchMethodException e) {
            return false;
        }
    }

    /** A servlet that declares no {@code doXxx}: its {@code doOptions} says what the container adds to all. */
    private static final class NothingDeclared extends HttpServlet {
        private static final long serialVersionUID = 1L;

        void options(HttpServletRequest request, HttpServletResponse response) throws ServletException, IOException {
            doOptions(request, response);
        }
    }

    /** Keeps the {@code Allow} that {@code doOptions} sets instead of passing it on. */
    private static final class AllowCapture extends HttpServletResponseWrapper {
        String allow;

        AllowCapture(HttpServletResponse response) {
            super(response);
        }

        @Override
        public void setHeader(String name, String value) {
            if ("Allow".equalsIgnoreCase(name)) {
                allow = value;
            } else {
                super.setHeader(name, value);
            }
        }

        @Override
        public void addHeader(String name, String value) {
            if ("Allow".equalsIgnoreCase(name)) {
                allow = allow == null ? value : allow + ", " + value;
            } else {
                super.addHeader(name, value);
            }
        }
    }
}
