package dev.tollgate.requestid;

import dev.tollgate.RequestIds;
import dev.tollgate.config.InitParams;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
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
 * </ul>
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
 */
public final class RequestIdFilter implements Filter {

    static final String NAME = "RequestIdFilter";
    static final String ACCEPT_INCOMING = "accept-incoming";
    static final String MAX_LENGTH = "max-length";
    static final Set<String> PARAMS = Set.of(ACCEPT_INCOMING, MAX_LENGTH);
    static final boolean DEFAULT_ACCEPT_INCOMING = true;
    static final int MIN_MAX_LENGTH = 1;
    static final int MAX_MAX_LENGTH = 1024;

    private boolean acceptIncoming = DEFAULT_ACCEPT_INCOMING;
    private int maxLength = RequestIds.DEFAULT_MAX_LENGTH;
    private final boolean configuredInCode;

    /** A filter configured by its init-params. */
    public RequestIdFilter() {
        this.configuredInCode = false;
    }

    /**
     * A filter configured in code; {@code init} then reads no init-params.
     *
     * @throws IllegalArgumentException if {@code maxLength} is not between 1 and 1024, the rule of {@code max-length}
     */
    public RequestIdFilter(boolean acceptIncoming, int maxLength) {
        if (maxLength < MIN_MAX_LENGTH || maxLength > MAX_MAX_LENGTH) {
            throw new IllegalArgumentException(MAX_LENGTH + " [" + maxLength + "] must be an integer between "
                    + MIN_MAX_LENGTH + " and " + MAX_MAX_LENGTH);
        }
        this.acceptIncoming = acceptIncoming;
        this.maxLength = maxLength;
        this.configuredInCode = true;
    }

    @Override
    public void init(FilterConfig config) throws ServletException {
        if (configuredInCode) {
            return;
        }
        InitParams params = InitParams.of(config, NAME, PARAMS);
        acceptIncoming = params.bool(ACCEPT_INCOMING, DEFAULT_ACCEPT_INCOMING);
        maxLength = params.integer(MAX_LENGTH, RequestIds.DEFAULT_MAX_LENGTH, MIN_MAX_LENGTH, MAX_MAX_LENGTH);
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest http) || !(response instanceof HttpServletResponse httpResponse)) {
            chain.doFilter(request, response);
            return;
        }
        String id = RequestIds.get(http);
        if (id == null) {
            id = choose(http.getHeader(RequestIds.HEADER));
            http.setAttribute(RequestIds.ATTRIBUTE, id);
        }
        httpResponse.setHeader(RequestIds.HEADER, id);
        String previous = MDC.get(RequestIds.MDC_KEY);
        MDC.put(RequestIds.MDC_KEY, id);
        try {
            chain.doFilter(request, response);
        } finally {
            if (previous == null) {
                MDC.remove(RequestIds.MDC_KEY);
            } else {
                MDC.put(RequestIds.MDC_KEY, previous);
            }
        }
    }

    String choose(String incoming) {
        return acceptIncoming && RequestIds.isSafe(incoming, maxLength) ? incoming : RequestIds.generate();
    }
}
