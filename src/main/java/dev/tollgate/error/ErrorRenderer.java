package dev.tollgate.error;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import dev.tollgate.RequestIds;
import dev.tollgate.internal.InitParams;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes an {@link ApiError} as the response, in the application's one {@link ErrorFormat}. There
 * is one renderer per {@code ServletContext}, built from Tollgate's context-params the first time
 * any Tollgate filter or servlet starts, and shared by all of them, so a 401 from the key filter
 * and a 500 from a servlet look alike.
 *
 * <p>Rendering resets the response (dropping a half-written body and the writer/stream choice) and
 * puts back every header that was set before, with all its values: security headers, CORS,
 * cookies, {@code X-Request-ID} and the rest; then sets the error's own {@link ApiError#headers()},
 * each replacing a header of that name. Only
 * the headers that described the abandoned body are dropped: {@code Content-Type},
 * {@code Content-Length}, {@code Content-Encoding}, {@code Content-Disposition},
 * {@code Content-Range}, {@code ETag}, {@code Last-Modified} and {@code Transfer-Encoding}.
 * A committed response is never written to.
 *
 * <p>A 405 carries {@code Allow}: one that was set (by the application, the container or
 * the error's own headers) is kept as it is; without one, it is what the container's
 * {@code HttpServlet.doOptions} answers for the servlet the request went to (the {@code doXxx}
 * methods its class declares, GET with HEAD, then OPTIONS and, where the container lists it,
 * TRACE), worked out once per servlet class. For a servlet that is not an {@code HttpServlet}, or
 * one that serves everything from its own {@code service()}, the methods cannot be known and no
 * {@code Allow} is invented (logged at DEBUG).
 */
public final class ErrorRenderer {

    /** Context-param naming the error format. */
    public static final String FORMAT_PARAM = "tollgate.error-format";

    static final String CONTEXT_ATTRIBUTE = ErrorRenderer.class.getName();
    /** The headers that described the body an error replaces; every other header is kept. */
    private static final Set<String> BODY_HEADERS = Set.of("content-type", "content-length", "content-encoding",
            "content-disposition", "content-range", "etag", "last-modified", "transfer-encoding");
    private static final Object LOCK = new Object();
    /**
     * Jackson's default buffer pool lives in a ThreadLocal of each thread that renders; on a
     * container's threads those buffers (Jackson's classes, loaded with this web application) would
     * keep its class loader alive after a redeploy. A pool of the factory's own has no such tie.
     */
    private static final JsonFactory JSON = JsonFactory.builder().recyclerPool(JsonRecyclerPools.newConcurrentDequePool()).build();

    private final ErrorFormat format;
    private final Clock clock;
    private final AllowedMethods allowedMethods = new AllowedMethods();

    private ErrorRenderer(ErrorFormat format, Clock clock) {
        this.format = Objects.requireNonNull(format, "format");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A renderer for code that sets Tollgate up without {@code web.xml}. */
    public static ErrorRenderer of(ErrorFormat format) {
        return new ErrorRenderer(format, Clock.systemUTC());
    }

    /** A renderer with an explicit clock for the errors' timestamps. */
    public static ErrorRenderer of(ErrorFormat format, Clock clock) {
        return new ErrorRenderer(format, clock);
    }

    /** The default (IGNY8) format. */
    public static ErrorFormat defaultFormat() {
        return new SuccessFlagFormat(JSON);
    }

    /**
     * A built-in format by name: {@code igny8}, {@code problem}, {@code netpulse}, {@code netilion}
     * or {@code ozforensics} (the problem format without type base or help URL).
     */
    public static ErrorFormat builtInFormat(String name) {
        if (!ErrorFormats.BUILT_IN.contains(name)) {
            throw new IllegalArgumentException("format [" + name + "] must be one of " + ErrorFormats.BUILT_IN);
        }
        return ErrorFormats.byName(name, ErrorRenderer.class.getClassLoader(), JSON, null, null);
    }

    /**
     * The renderer of {@code context}, built from its context-params on first use. A bad
     * {@code tollgate.error-format} fails the caller's startup.
     */
    public static ErrorRenderer forContext(ServletContext context) throws ServletException {
        synchronized (LOCK) {
            Object existing = context.getAttribute(CONTEXT_ATTRIBUTE);
            if (existing instanceof ErrorRenderer renderer) {
                return renderer;
            }
            InitParams params = InitParams.ofContext(context, "tollgate.", ErrorFormats.CONTEXT_PARAMS);
            ErrorFormat format = ErrorFormats.fromContext(params, context.getClassLoader(), JSON);
            ErrorRenderer renderer = new ErrorRenderer(format, Clock.systemUTC());
            context.setAttribute(CONTEXT_ATTRIBUTE, renderer);
            return renderer;
        }
    }

    /** Installs {@code renderer} as the one of {@code context}, for setups in code. */
    public static void install(ServletContext context, ErrorRenderer renderer) {
        synchronized (LOCK) {
            context.setAttribute(CONTEXT_ATTRIBUTE, renderer);
        }
    }

    public ErrorFormat format() {
        return format;
    }

    /**
     * Answers the request with {@code error}: its status (as the format chooses), the body, the
     * request id. Returns {@code false}, writing nothing, when the response is already committed.
     */
    public boolean render(HttpServletRequest request, HttpServletResponse response, ApiError error) throws IOException {
        if (response.isCommitted()) {
            return false;
        }
        Map<String, List<String>> kept = keptHeaders(response);
        response.reset();
        restore(response, kept);
        String requestId = RequestIds.ensure(request, response);
        ApiError full = error.toBuilder()
                .requestId(requestId)
                .method(request.getMethod())
                .path(requestedPath(request))
                .timestamp(clock.instant())
                .build();
        Body rendered = body(format, full);
        byte[] body = rendered.bytes();
        response.setStatus(rendered.status());
        response.setContentType(format.contentType());
        response.setHeader("Cache-Control", "no-store");
        setHeaders(response, error);
        if (rendered.status() == 405 && !response.containsHeader("Allow")) {
            String allow = allowedMethods.of(request, response);
            if (allow != null) {
                response.setHeader("Allow", allow);
            }
        }
        response.setContentLength(body.length);
        if (!"HEAD".equals(request.getMethod())) {
            response.getOutputStream().write(body);
        }
        return true;
    }

    /**
     * The path the client asked for: on an ERROR dispatch the request URI is the error page's own,
     * and the original one is in {@code RequestDispatcher.ERROR_REQUEST_URI}.
     */
    private static String requestedPath(HttpServletRequest request) {
        if (request.getDispatcherType() == DispatcherType.ERROR
                && request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI) instanceof String original) {
            return original;
        }
        return request.getRequestURI();
    }

    /** A status and the body written for it. */
    record Body(int status, byte[] bytes) {
    }

    /** The status {@code format} answers {@code error} with, and the body it writes for that status. */
    static Body body(ErrorFormat format, ApiError error) {
        int status = format.status(error);
        ApiError withStatus = status == error.status() ? error : rebuildWithStatus(error, status);
        return new Body(status, format.write(withStatus));
    }

    private static ApiError rebuildWithStatus(ApiError error, int status) {
        ApiError.Builder b = ApiError.builder(status)
                .code(error.code())
                .message(error.message())
                .fieldErrors(error.fieldErrors())
                .requestId(error.requestId())
                .method(error.method())
                .path(error.path())
                .timestamp(error.timestamp());
        error.headers().forEach((name, values) -> values.forEach(value -> b.header(name, value)));
        return b.build();
    }

    /** The error's own headers, each replacing a header of the same name. */
    private static void setHeaders(HttpServletResponse response, ApiError error) {
        for (Map.Entry<String, List<String>> header : error.headers().entrySet()) {
            List<String> values = header.getValue();
            response.setHeader(header.getKey(), values.get(0));
            for (int i = 1; i < values.size(); i++) {
                response.addHeader(header.getKey(), values.get(i));
            }
        }
    }

    /** Every header but the body's, by name as first set, with all its values in order. */
    private static Map<String, List<String>> keptHeaders(HttpServletResponse response) {
        Collection<String> names = response.getHeaderNames();
        Map<String, List<String>> kept = new LinkedHashMap<>();
        // Tomcat lists a name once per value; take each name's values once.
        Set<String> seen = new HashSet<>();
        for (String name : names) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!BODY_HEADERS.contains(lower) && seen.add(lower)) {
                kept.put(name, new ArrayList<>(response.getHeaders(name)));
            }
        }
        return kept;
    }

    /**
     * Adds back the kept values that {@code reset()} dropped. A container may put some back itself
     * (Jetty keeps {@code Connection: close} and the session cookie); those are not doubled.
     */
    private static void restore(HttpServletResponse response, Map<String, List<String>> kept) {
        for (Map.Entry<String, List<String>> header : kept.entrySet()) {
            List<String> present = new ArrayList<>(response.getHeaders(header.getKey()));
            for (String value : header.getValue()) {
                if (!present.remove(value)) {
                    response.addHeader(header.getKey(), value);
                }
            }
        }
    }
}
