package dev.tollgate.error;

import dev.tollgate.ClientIdentity;
import dev.tollgate.RequestIds;
import dev.tollgate.internal.InitParams;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Turns everything that goes wrong below it into one JSON error body, in the application's error
 * format (see {@link ErrorRenderer}):
 * <ul>
 *   <li>{@link ApiException}: its status, message and field errors.</li>
 *   <li>Other exceptions: the nearest mapping of {@code exception-mappings}, following
 *       {@code ServletException} root causes and cause chains up to {@code max-cause-depth};
 *       Jackson's parse and mapping exceptions are 400 "Malformed JSON" when their parser read the
 *       request body (the input stream or reader this filter hands down); anything else is 500
 *       "Internal server error". A 5xx body never carries the exception's message, class or stack;
 *       the stack is logged once at ERROR with the request id.</li>
 *   <li>{@code sendError(sc)} and {@code sendError(sc, msg)} below the filter: recorded by a
 *       response wrapper (never passed to the container, which would drop the body on Tomcat) and
 *       rendered with that status.</li>
 *   <li>Async requests: an error or a timeout of the {@code AsyncContext} is rendered the same way;
 *       a timeout is 503 {@code request_timeout}. An exception thrown after {@code startAsync} in
 *       the request's own thread is rendered and the async cycle completed at once. A
 *       {@code sendError} on the filter's response (the one {@code startAsync(req, resp)} passes on)
 *       from the application's own thread is rendered when it is called; the application then
 *       calls {@code complete()} as usual. After {@code startAsync()} the response is the
 *       container's own, whose {@code sendError} goes through the error page.</li>
 *   <li>An ERROR dispatch (when the filter is mapped for ERROR): rendered from the container's
 *       {@code jakarta.servlet.error.*} attributes, like {@link ErrorPageServlet} does.</li>
 * </ul>
 * A committed response is never written to: the exception is logged and rethrown. Failures are
 * told apart by where they came from, never by their message: one raised by reading the request
 * body (or the container's bad-request type) is 400 "Bad request", logged at DEBUG without a
 * stack; one raised by writing this response (or the container's client-abort type) means the
 * client went away: no body, DEBUG. A "Connection reset" from the application's own database or
 * HTTP client is a 500 like any other. HEAD gets the headers without the body.
 *
 * <p>A 405 carries {@code Allow}. {@code HttpServlet}'s own {@code doPut}, {@code doPost},
 * ... refuse with a bare {@code sendError(405)}; the rendered 405 then names what the container's
 * {@code doOptions} answers for the servlet the request went to (its {@code doXxx} methods, GET
 * with HEAD, then OPTIONS, and TRACE where the container lists it: Jetty does, Tomcat only when
 * its connector allows TRACE). An {@code Allow} that the application or container set is kept as
 * it is. For a servlet that is not an {@code HttpServlet}, or one that serves everything from its
 * own {@code service()}, the methods cannot be known: no {@code Allow} is invented (DEBUG log).
 * See {@link ErrorRenderer}.
 *
 * <p>Log lines: every line this filter (and its async listener) writes about a request carries
 * the request's client id in the MDC under {@value ClientIdentity#MDC_KEY}, from the request's
 * {@link ClientIdentity} (whoever set it), although a key filter mapped below this one has taken
 * its own MDC entry out by the time the chain returns. The MDC is put back as it was afterwards.
 *
 * <p>Init-params:
 * <ul>
 *   <li>{@code exception-mappings} (default: none besides Jackson's): entries
 *       {@code <exception class>=<status>[:<public message>]}, separated by commas or newlines,
 *       e.g. {@code java.util.NoSuchElementException=404, com.acme.QuotaException=402:Quota used up}.</li>
 *   <li>{@code max-cause-depth} (default {@code 10}, 1 to 100): how many causes are followed.</li>
 *   <li>{@code send-error-message} (default {@code false}): show the message of a 4xx
 *       {@code sendError(sc, msg)} instead of the status's generic one (containers put paths in
 *       theirs; 5xx messages are never shown).</li>
 * </ul>
 * In code: {@code ErrorRenderingFilter.builder().exceptionMappings("java.util.NoSuchElementException=404").build()},
 * one builder method per init-param, with the same defaults, each value checked by the rule of its
 * init-param ({@link IllegalArgumentException}); {@code init} then reads no init-params. Register
 * it with {@code ServletContext.addFilter(name, filter)}. The error format and the other
 * {@code tollgate.*} context-params are the whole application's, shared by every filter: they stay
 * context-params.
 *
 * <pre>{@code
 * <filter>
 *   <filter-name>errors</filter-name>
 *   <filter-class>dev.tollgate.error.ErrorRenderingFilter</filter-class>
 * </filter>
 * <filter-mapping>
 *   <filter-name>errors</filter-name>
 *   <url-pattern>/*</url-pattern>
 *   <dispatcher>REQUEST</dispatcher><dispatcher>ASYNC</dispatcher>
 * </filter-mapping>
 * }</pre>
 * Map it right after the request id filter and before the key and rate-limit filters, so that it
 * sees every exception from them and the application.
 *
 * <p>Metrics: the MBean {@code dev.tollgate:type=ErrorRenderingFilter,context=<path>,name=<filter name>}
 * and, with micrometer-core present, the {@code tollgate.errors.*} meters: requests, error bodies
 * by status class and code, client aborts (docs/metrics.md).
 */
public final class ErrorRenderingFilter implements Filter {

    private static final Logger LOG = LoggerFactory.getLogger(ErrorRenderingFilter.class);
    static final String NAME = "ErrorRenderingFilter";
    static final String SEND_ERROR_MESSAGE_PARAM = "send-error-message";
    static final boolean DEFAULT_SEND_ERROR_MESSAGE = false;
    static final Set<String> PARAMS = params();
    static final ApiError TIMEOUT = ApiError.of(503, ErrorCodes.REQUEST_TIMEOUT, "Request timed out");

    private Builder configured;
    private Map<Class<?>, ApiError> mappings = Map.of();
    private int maxCauseDepth = ExceptionMapper.DEFAULT_DEPTH;
    private boolean sendErrorMessage = DEFAULT_SEND_ERROR_MESSAGE;
    private ErrorRenderer renderer;
    private ExceptionMapper mapper;
    private final ErrorMetrics metrics = new ErrorMetrics();

    /** A filter configured by its init-params. */
    public ErrorRenderingFilter() {
    }

    private ErrorRenderingFilter(Builder configured) {
        this.configured = configured;
        apply(configured);
    }

    /** A filter configured in code. */
    public static Builder builder() {
        return new Builder(null);
    }

    private static Set<String> params() {
        Set<String> known = new HashSet<>(ExceptionMapper.PARAMS);
        known.add(SEND_ERROR_MESSAGE_PARAM);
        return Set.copyOf(known);
    }

    @Override
    public void init(FilterConfig config) throws ServletException {
        ClassLoader loader = config.getServletContext().getClassLoader();
        if (configured == null) {
            apply(fromParams(InitParams.of(config, NAME, PARAMS), loader));
        }
        mapper = ExceptionMapper.create(mappings, maxCauseDepth, loader);
        renderer = ErrorRenderer.forContext(config.getServletContext());
        metrics.register(config.getServletContext(), config.getFilterName());
    }

    /**
     * The init-params as a builder: each value goes through the builder's own check; the classes
     * of {@code exception-mappings} are looked up in the application's class loader.
     */
    private static Builder fromParams(InitParams params, ClassLoader loader) throws ServletException {
        Builder b = new Builder(loader);
        params.ifPresent(ExceptionMapper.MAPPINGS_PARAM, b::exceptionMappings);
        b.maxCauseDepth(params.integer(ExceptionMapper.DEPTH_PARAM, ExceptionMapper.DEFAULT_DEPTH, ExceptionMapper.MIN_DEPTH,
                ExceptionMapper.MAX_DEPTH));
        b.sendErrorMessage(params.bool(SEND_ERROR_MESSAGE_PARAM, DEFAULT_SEND_ERROR_MESSAGE));
        return b;
    }

    /** The checked values; the mapper is made in {@code init}, with Jackson from the application's class loader. */
    private void apply(Builder b) {
        mappings = b.mappings;
        maxCauseDepth = b.maxCauseDepth;
        sendErrorMessage = b.sendErrorMessage;
    }

    @Override
    public void destroy() {
        metrics.unregister();
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        metrics.request();
        if (!(request instanceof HttpServletRequest req) || !(response instanceof HttpServletResponse resp)) {
            chain.doFilter(request, response);
            return;
        }
        if (req.getDispatcherType() == DispatcherType.ERROR) {
            ApiError rendered = renderErrorDispatch(renderer, mapper, req, resp);
            if (rendered != null) {
                metrics.rendered(resp.getStatus(), rendered.code());
            }
            return;
        }
        BodyStreams.Request body = new BodyStreams.Request(req);
        ErrorCapturingResponse wrapped = new ErrorCapturingResponse(resp);
        try {
            chain.doFilter(body, wrapped);
        } catch (Throwable thrown) {
            String previousClient = putClient(req);
            try {
                handle(req, resp, thrown, body, wrapped);
            } finally {
                restoreMdc(ClientIdentity.MDC_KEY, previousClient);
            }
            if (req.isAsyncStarted()) {
                // Thrown after startAsync: nobody will complete the cycle; without this it hangs until the timeout.
                req.getAsyncContext().complete();
            }
            return;
        }
        if (req.isAsyncStarted()
                && wrapped.renderLaterErrors((status, message) -> renderSendError(req, resp, status, message))) {
            req.getAsyncContext().addListener(new Listener(wrapped), req, resp);
        } else if (wrapped.hasError()) {
            renderSendError(req, resp, wrapped.errorStatus(), wrapped.errorMessage());
            if (req.isAsyncStarted()) {
                if (wrapped.errorSentByThisThread()) {
                    req.getAsyncContext().complete();
                } else {
                    // The application's own thread sent it and completes the cycle itself.
                    req.getAsyncContext().addListener(new Listener(wrapped), req, resp);
                }
            }
        }
    }

    private void handle(HttpServletRequest req, HttpServletResponse resp, Throwable thrown, BodyStreams.Request body,
            BodyStreams.Response out) throws IOException, ServletException {
        if (thrown instanceof VirtualMachineError && !(thrown instanceof StackOverflowError)) {
            throw (VirtualMachineError) thrown;
        }
        ExceptionMapper.ClientFault fault = mapper.clientFault(thrown, body, out);
        if (fault == ExceptionMapper.ClientFault.GONE) {
            metrics.clientAbort();
            LOG.debug("Client went away during {} {} (request_id={})", req.getMethod(), req.getRequestURI(),
                    RequestIds.get(req));
            return;
        }
        if (fault == ExceptionMapper.ClientFault.BAD_REQUEST) {
            renderBadRequest(req, resp, thrown);
            return;
        }
        ApiError error = mapper.map(thrown, body::isBody);
        if (resp.isCommitted()) {
            LOG.error("Exception after the response was committed; nothing rendered: {} {} (request_id={})",
                    req.getMethod(), req.getRequestURI(), RequestIds.get(req), thrown);
            rethrow(thrown);
        }
        String requestId = RequestIds.ensure(req, resp);
        if (error.status() >= 500) {
            LOG.error("Request failed: {} {} (request_id={})", req.getMethod(), req.getRequestURI(), requestId, thrown);
        } else if (LOG.isDebugEnabled()) {
            LOG.debug("Request answered {} for {}: {} {} (request_id={})", error.status(), thrown.getClass().getName(),
                    req.getMethod(), req.getRequestURI(), requestId);
        }
        if (renderer.render(req, resp, error)) {
            metrics.rendered(resp.getStatus(), error.code());
        }
    }

    /**
     * The request could not be read: the client's fault, logged at DEBUG without a stack. Tomcat
     * has then already answered 400 itself (its response reads as committed though nothing was
     * sent), and shows the error page; otherwise the 400 is rendered here.
     */
    private void renderBadRequest(HttpServletRequest req, HttpServletResponse resp, Throwable thrown) {
        LOG.debug("Request unreadable ({}): {} {} (request_id={})", thrown.getClass().getName(), req.getMethod(),
                req.getRequestURI(), RequestIds.get(req));
        try {
            ApiError error = ApiError.of(400);
            if (renderer.render(req, resp, error)) {
                metrics.rendered(resp.getStatus(), error.code());
            }
        } catch (IOException e) {
            metrics.clientAbort();
            LOG.debug("Client went away during {} {} (request_id={})", req.getMethod(), req.getRequestURI(),
                    RequestIds.get(req));
        }
    }

    private void renderSendError(HttpServletRequest req, HttpServletResponse resp, int status, String message)
            throws IOException {
        if (status < 400 || status > 599) {
            resp.sendError(status, message);
            return;
        }
        boolean showMessage = sendErrorMessage && status < 500 && message != null && !message.isBlank();
        ApiError error = ApiError.builder(status).message(showMessage ? message : null).build();
        String previousClient = putClient(req);
        try {
            if (renderer.render(req, resp, error)) {
                metrics.rendered(resp.getStatus(), error.code());
            } else {
                LOG.warn("sendError({}) after the response was committed; nothing rendered (request_id={})",
                        status, RequestIds.get(req));
            }
        } finally {
            restoreMdc(ClientIdentity.MDC_KEY, previousClient);
        }
    }

    /**
     * Renders the error of an ERROR dispatch from the container's error attributes; returns it, or
     * {@code null} when the response was committed and nothing was rendered.
     */
    static ApiError renderErrorDispatch(ErrorRenderer renderer, ExceptionMapper mapper, HttpServletRequest req,
            HttpServletResponse resp) throws IOException {
        ApiError error = mapper.fromErrorAttributes(req);
        String previousClient = putClient(req);
        try {
            if (!renderer.render(req, resp, error)) {
                LOG.warn("Error page for status {} reached with a committed response (request_id={})",
                        error.status(), RequestIds.get(req));
                return null;
            }
        } finally {
            restoreMdc(ClientIdentity.MDC_KEY, previousClient);
        }
        return error;
    }

    private static void rethrow(Throwable thrown) throws IOException, ServletException {
        if (thrown instanceof IOException io) {
            throw io;
        }
        if (thrown instanceof ServletException se) {
            throw se;
        }
        if (thrown instanceof RuntimeException re) {
            throw re;
        }
        if (thrown instanceof Error err) {
            throw err;
        }
        throw new ServletException(thrown);
    }

    /** Renders async timeouts and errors; the application must not have completed the context. */
    private final class Listener implements AsyncListener {

        private final ErrorCapturingResponse wrapped;

        Listener(ErrorCapturingResponse wrapped) {
            this.wrapped = wrapped;
        }

        @Override
        public void onTimeout(AsyncEvent event) throws IOException {
            if (wrapped.hasError()) {
                // Its sendError was rendered when it was called; the application just never completed.
                event.getAsyncContext().complete();
                return;
            }
            answer(event, TIMEOUT, null);
        }

        @Override
        public void onError(AsyncEvent event) throws IOException {
            Throwable thrown = event.getThrowable();
            answer(event, thrown == null ? ApiError.of(500) : mapper.map(thrown), thrown);
        }

        private void answer(AsyncEvent event, ApiError error, Throwable thrown) throws IOException {
            HttpServletRequest req = (HttpServletRequest) event.getSuppliedRequest();
            HttpServletResponse resp = (HttpServletResponse) event.getSuppliedResponse();
            String requestId = RequestIds.get(req);
            String previous = MDC.get(RequestIds.MDC_KEY);
            if (requestId != null) {
                MDC.put(RequestIds.MDC_KEY, requestId);
            }
            String previousClient = putClient(req);
            try {
                if (thrown != null && error.status() >= 500 && !ExceptionMapper.isClientAbort(thrown)) {
                    LOG.error("Async request failed: {} {} (request_id={})", req.getMethod(), req.getRequestURI(),
                            requestId, thrown);
                } else if (thrown == null) {
                    LOG.warn("Async request timed out: {} {} (request_id={})", req.getMethod(), req.getRequestURI(),
                            requestId);
                }
                if (thrown == null || !ExceptionMapper.isClientAbort(thrown)) {
                    if (renderer.render(req, resp, error)) {
                        metrics.rendered(resp.getStatus(), error.code());
                    }
                } else {
                    metrics.clientAbort();
                }
            } finally {
                restoreMdc(RequestIds.MDC_KEY, previous);
                restoreMdc(ClientIdentity.MDC_KEY, previousClient);
                event.getAsyncContext().complete();
            }
        }

        @Override
        public void onComplete(AsyncEvent event) {
            wrapped.cycleCompleted();
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // A new async cycle is registered again by the dispatch that starts it.
        }
    }

    /**
     * Puts the client id of the request's {@link ClientIdentity}, if it has one, in the MDC for the
     * filter's own log lines, and returns the value it replaced: a key filter below has taken its
     * entry out by the time the chain returns. {@link #restoreMdc} puts the old value back.
     */
    private static String putClient(ServletRequest req) {
        String previous = MDC.get(ClientIdentity.MDC_KEY);
        ClientIdentity identity = ClientIdentity.of(req);
        if (identity != null) {
            MDC.put(ClientIdentity.MDC_KEY, identity.clientId());
        }
        return previous;
    }

    private static void restoreMdc(String key, String previous) {
        if (previous == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, previous);
        }
    }

    /**
     * Configures an {@link ErrorRenderingFilter} in code; the defaults are those of the
     * init-params, and each value is checked by the rule of its init-param
     * ({@link IllegalArgumentException}).
     */
    public static final class Builder {
        /** Where the classes of the mappings are looked up; {@code null}: the caller's context class loader. */
        private final ClassLoader loader;
        private Map<Class<?>, ApiError> mappings = Map.of();
        private int maxCauseDepth = ExceptionMapper.DEFAULT_DEPTH;
        private boolean sendErrorMessage = DEFAULT_SEND_ERROR_MESSAGE;

        Builder(ClassLoader loader) {
            this.loader = loader;
        }

        /**
         * {@code exception-mappings} (default: none besides Jackson's): entries
         * {@code <exception class>=<status>[:<public message>]}, separated by commas or newlines,
         * e.g. {@code java.util.NoSuchElementException=404, com.acme.QuotaException=402:Quota used up};
         * replaces the mappings given before. Each class is looked up now, in the calling thread's
         * context class loader (or, without one, Tollgate's): call it where the application's
         * classes are visible, as in a {@code ServletContextListener}.
         */
        public Builder exceptionMappings(String mappings) {
            ClassLoader lookup = loader != null ? loader : Thread.currentThread().getContextClassLoader();
            this.mappings = ExceptionMapper.parseMappings(Objects.requireNonNull(mappings, "mappings"), lookup);
            return this;
        }

        /** {@code max-cause-depth} (default {@code 10}): how many causes are followed, 1 to 100. */
        public Builder maxCauseDepth(int depth) {
            this.maxCauseDepth = ExceptionMapper.checkDepth(depth);
            return this;
        }

        /**
         * {@code send-error-message} (default {@code false}): show the message of a 4xx
         * {@code sendError(sc, msg)} instead of the status's generic one (5xx messages are never
         * shown).
         */
        public Builder sendErrorMessage(boolean show) {
            this.sendErrorMessage = show;
            return this;
        }

        public ErrorRenderingFilter build() {
            return new ErrorRenderingFilter(this);
        }
    }
}
