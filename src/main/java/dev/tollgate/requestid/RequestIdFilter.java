package dev.tollgate.requestid;

import dev.tollgate.RequestIds;
import dev.tollgate.internal.InitParams;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Enumeration;
import java.util.Set;
import org.slf4j.MDC;

/**
 * Gives every request an id: the incoming {@code X-Request-ID} when it is safe (at most
 * {@code max-length} characters of {@code [A-Za-z0-9._:-]}), a new random UUID otherwise. The id
 * goes on the response header {@code X-Request-ID}, the request attribute
 * {@value RequestIds#ATTRIBUTE} and the slf4j MDC under {@code request_id}; the MDC is restored
 * when the chain returns or throws. On ASYNC and ERROR dispatches the id already on the request is
 * reused, so one request keeps one id.
 *
 * <p>Init-params:
 * <ul>
 *   <li>{@code accept-incoming} (default {@code true}): take a safe incoming id; {@code false}
 *       always makes a new one.</li>
 *   <li>{@code max-length} (default {@code 128}, 1 to 1024): longest incoming id accepted.</li>
 *   <li>{@code trace-id-as-request-id} (default {@code false}): when no safe {@code X-Request-ID}
 *       is taken, a valid W3C {@code traceparent}'s trace id becomes the request id.</li>
 * </ul>
 * In code: {@code RequestIdFilter.builder().maxLength(64).traceIdAsRequestId(true).build()}, one
 * builder method per init-param, with the same defaults, each value checked by the rule of its
 * init-param ({@link IllegalArgumentException}); {@code init} then reads no init-params. Register
 * it with {@code ServletContext.addFilter(name, filter)}.
 *
 * <p>W3C trace context: the trace id of a valid {@code traceparent} (exactly one header, strictly
 * checked) is put in the MDC under {@value #TRACE_MDC_KEY} for the request, unless that key is
 * already set (an OpenTelemetry agent's): then it is left, and not removed afterwards. An invalid
 * {@code traceparent} is ignored, never echoed.
 *
 * <pre>{@code
 * <filter>
 *   <filter-name>request-id</filter-name>
 *   <filter-class>dev.tollgate.requestid.RequestIdFilter</filter-class>
 * </filter>
 * <filter-mapping>
 *   <filter-name>request-id</filter-name>
 *   <url-pattern>/*</url-pattern>
 *   <dispatcher>REQUEST</dispatcher><dispatcher>ASYNC</dispatcher><dispatcher>ERROR</dispatcher>
 * </filter-mapping>
 * }</pre>
 * Map it first, so every later filter, the application and the error body see the id.
 *
 * <p>Metrics: the MBean {@code dev.tollgate:type=RequestIdFilter,context=<path>,name=<filter name>}
 * and, with micrometer-core present, the {@code tollgate.requestid.requests} meter: ids taken,
 * made and reused (docs/metrics.md).
 */
public final class RequestIdFilter implements Filter {

    /** The MDC key of the W3C trace id of a request with a valid {@code traceparent}. */
    public static final String TRACE_MDC_KEY = "trace_id";

    static final String NAME = "RequestIdFilter";
    static final String ACCEPT_INCOMING = "accept-incoming";
    static final String MAX_LENGTH = "max-length";
    static final String TRACE_ID_AS_REQUEST_ID = "trace-id-as-request-id";
    static final Set<String> PARAMS = Set.of(ACCEPT_INCOMING, MAX_LENGTH, TRACE_ID_AS_REQUEST_ID);
    static final boolean DEFAULT_ACCEPT_INCOMING = true;
    static final boolean DEFAULT_TRACE_ID_AS_REQUEST_ID = false;
    static final String TRACEPARENT = "traceparent";
    static final int MIN_MAX_LENGTH = 1;
    static final int MAX_MAX_LENGTH = 1024;

    private Builder configured;
    private boolean acceptIncoming = DEFAULT_ACCEPT_INCOMING;
    private int maxLength = RequestIds.DEFAULT_MAX_LENGTH;
    private boolean traceIdAsRequestId = DEFAULT_TRACE_ID_AS_REQUEST_ID;
    private final RequestIdMetrics metrics = new RequestIdMetrics();

    /** A filter configured by its init-params. */
    public RequestIdFilter() {
    }

    /**
     * A filter configured in code; {@code init} then reads no init-params. The same as
     * {@code builder().acceptIncoming(acceptIncoming).maxLength(maxLength).build()}.
     *
     * @throws IllegalArgumentException if {@code maxLength} is not between 1 and 1024, the rule of {@code max-length}
     */
    public RequestIdFilter(boolean acceptIncoming, int maxLength) {
        this(acceptIncoming, maxLength, DEFAULT_TRACE_ID_AS_REQUEST_ID);
    }

    /**
     * A filter configured in code; {@code init} then reads no init-params. The same as
     * {@code builder().acceptIncoming(acceptIncoming).maxLength(maxLength).traceIdAsRequestId(traceIdAsRequestId).build()}.
     *
     * @param traceIdAsRequestId the rule of {@code trace-id-as-request-id}
     * @throws IllegalArgumentException if {@code maxLength} is not between 1 and 1024, the rule of {@code max-length}
     */
    public RequestIdFilter(boolean acceptIncoming, int maxLength, boolean traceIdAsRequestId) {
        this(builder().acceptIncoming(acceptIncoming).maxLength(maxLength).traceIdAsRequestId(traceIdAsRequestId));
    }

    private RequestIdFilter(Builder configured) {
        this.configured = configured;
        apply(configured);
    }

    /** A filter configured in code. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void init(FilterConfig config) throws ServletException {
        if (configured == null) {
            apply(fromParams(InitParams.of(config, NAME, PARAMS)));
        }
        metrics.register(config.getServletContext(), config.getFilterName());
    }

    /** The init-params as a builder: each value goes through the builder's own check. */
    private static Builder fromParams(InitParams params) throws ServletException {
        Builder b = new Builder();
        b.acceptIncoming(params.bool(ACCEPT_INCOMING, DEFAULT_ACCEPT_INCOMING));
        b.maxLength(params.integer(MAX_LENGTH, RequestIds.DEFAULT_MAX_LENGTH, MIN_MAX_LENGTH, MAX_MAX_LENGTH));
        b.traceIdAsRequestId(params.bool(TRACE_ID_AS_REQUEST_ID, DEFAULT_TRACE_ID_AS_REQUEST_ID));
        return b;
    }

    /** Everything doFilter needs, from checked values. */
    private void apply(Builder b) {
        acceptIncoming = b.acceptIncoming;
        maxLength = b.maxLength;
        traceIdAsRequestId = b.traceIdAsRequestId;
    }

    @Override
    public void destroy() {
        metrics.unregister();
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest http) || !(response instanceof HttpServletResponse httpResponse)) {
            metrics.skipped();
            chain.doFilter(request, response);
            return;
        }
        String traceId = traceId(http);
        String id = RequestIds.get(http);
        if (id == null) {
            String incoming = http.getHeader(RequestIds.HEADER);
            id = choose(incoming, traceId);
            // choose() hands back the client's own string when it takes it (X-Request-ID or the trace id).
            if (id == incoming || id == traceId) {
                metrics.accepted();
            } else {
                metrics.generated();
            }
            http.setAttribute(RequestIds.ATTRIBUTE, id);
        } else {
            metrics.reused();
        }
        httpResponse.setHeader(RequestIds.HEADER, id);
        String previous = MDC.get(RequestIds.MDC_KEY);
        MDC.put(RequestIds.MDC_KEY, id);
        // A trace id already in the MDC belongs to someone else (an OpenTelemetry agent): left as it is.
        boolean ownTrace = traceId != null && MDC.get(TRACE_MDC_KEY) == null;
        if (ownTrace) {
            MDC.put(TRACE_MDC_KEY, traceId);
        }
        try {
            chain.doFilter(request, response);
        } finally {
            if (previous == null) {
                MDC.remove(RequestIds.MDC_KEY);
            } else {
                MDC.put(RequestIds.MDC_KEY, previous);
            }
            if (ownTrace) {
                MDC.remove(TRACE_MDC_KEY);
            }
        }
    }

    /** The trace id of the request's one valid {@code traceparent}, else {@code null}. */
    private static String traceId(HttpServletRequest request) {
        String header = request.getHeader(TRACEPARENT);
        if (header == null) {
            return null;
        }
        // Several traceparent headers are no trace context (W3C: invalid).
        Enumeration<String> all = request.getHeaders(TRACEPARENT);
        if (all != null && all.hasMoreElements()) {
            all.nextElement();
            if (all.hasMoreElements()) {
                return null;
            }
        }
        return TraceParent.traceId(header);
    }

    private String choose(String incoming, String traceId) {
        if (acceptIncoming && RequestIds.isSafe(incoming, maxLength)) {
            return incoming;
        }
        return traceIdAsRequestId && traceId != null ? traceId : RequestIds.generate();
    }

    /**
     * Configures a {@link RequestIdFilter} in code; the defaults are those of the init-params, and
     * each value is checked by the rule of its init-param ({@link IllegalArgumentException}).
     */
    public static final class Builder {
        private boolean acceptIncoming = DEFAULT_ACCEPT_INCOMING;
        private int maxLength = RequestIds.DEFAULT_MAX_LENGTH;
        private boolean traceIdAsRequestId = DEFAULT_TRACE_ID_AS_REQUEST_ID;

        Builder() {
        }

        /** {@code accept-incoming} (default {@code true}): take a safe incoming id; {@code false} always makes a new one. */
        public Builder acceptIncoming(boolean accept) {
            this.acceptIncoming = accept;
            return this;
        }

        /** {@code max-length} (default {@code 128}): the longest incoming id accepted, 1 to 1024. */
        public Builder maxLength(int length) {
            if (length < MIN_MAX_LENGTH || length > MAX_MAX_LENGTH) {
                throw new IllegalArgumentException(MAX_LENGTH + " [" + length + "] must be an integer between "
                        + MIN_MAX_LENGTH + " and " + MAX_MAX_LENGTH);
            }
            this.maxLength = length;
            return this;
        }

        /**
         * {@code trace-id-as-request-id} (default {@code false}): when no safe {@code X-Request-ID}
         * is taken, a valid W3C {@code traceparent}'s trace id becomes the request id.
         */
        public Builder traceIdAsRequestId(boolean adopt) {
            this.traceIdAsRequestId = adopt;
            return this;
        }

        public RequestIdFilter build() {
            return new RequestIdFilter(this);
        }
    }
}
