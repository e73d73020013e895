package dev.tollgate;

import jakarta.servlet.ServletRequest;
import java.util.Objects;

/**
 * Who made a request, as an authenticator established it: the client id, the rate-limit plan of
 * the client (or none), and how the client was established ({@code api-key}, {@code jwt}, ...).
 * The {@code ApiKeyFilter} sets it on every request it accepts; the {@code RateLimitFilter} reads
 * it, whoever set it, to count the request per client and on the client's plan. Any other
 * authentication (a container login, a JWT filter) feeds the rate limiter by setting it too:
 *
 * <pre>{@code
 * ClientIdentity.set(request, ClientIdentity.of(user.getId(), user.getPlan(), "jwt"));
 * chain.doFilter(request, response);
 * }</pre>
 *
 * Immutable; it lives in one request attribute ({@value #ATTRIBUTE}).
 */
public final class ClientIdentity {

    /** The request attribute that holds the identity. */
    public static final String ATTRIBUTE = "dev.tollgate.client_identity";
    /**
     * The slf4j MDC key of the client id: the key filter's, for the request below it, and the error
     * filter's, for its own log lines about the request.
     */
    public static final String MDC_KEY = "client_id";

    private final String clientId;
    private final String plan;
    private final String method;

    private ClientIdentity(String clientId, String plan, String method) {
        this.clientId = clientId;
        this.plan = plan;
        this.method = method;
    }

    /**
     * An identity.
     *
     * @param clientId the client, never blank: requests of one client id are counted together
     * @param plan the name of the client's rate-limit plan, or {@code null} for the plan the
     *     rate-limit filter chooses ({@code client-plans}, else its default plan)
     * @param method how the client was established, like {@code api-key}; never blank
     * @throws IllegalArgumentException if {@code clientId} or {@code method} is blank, or
     *     {@code plan} is blank but not {@code null}
     */
    public static ClientIdentity of(String clientId, String plan, String method) {
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(method, "method");
        if (clientId.isBlank()) {
            throw new IllegalArgumentException("client id must not be blank");
        }
        if (method.isBlank()) {
            throw new IllegalArgumentException("method must not be blank");
        }
        if (plan != null && plan.isBlank()) {
            throw new IllegalArgumentException("plan must be null or not blank");
        }
        return new ClientIdentity(clientId, plan, method);
    }

    /** The identity set on {@code request}, or {@code null} if none was. */
    public static ClientIdentity of(ServletRequest request) {
        return request.getAttribute(ATTRIBUTE) instanceof ClientIdentity identity ? identity : null;
    }

    /** Sets the identity of {@code request}, replacing any earlier one; {@code null} removes it. */
    public static void set(ServletRequest request, ClientIdentity identity) {
        // A null value removes the attribute (ServletRequest.setAttribute).
        request.setAttribute(ATTRIBUTE, identity);
    }

    /** The client id. */
    public String clientId() {
        return clientId;
    }

    /** The name of the client's rate-limit plan, or {@code null}. */
    public String plan() {
        return plan;
    }

    /** How the client was established, like {@code api-key}. */
    public String method() {
        return method;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClientIdentity other && clientId.equals(other.clientId)
                && Objects.equals(plan, other.plan) && method.equals(other.method);
    }

    @Override
    public int hashCode() {
        return Objects.hash(clientId, plan, method);
    }

    @Override
    public String toString() {
        return "ClientIdentity[client=" + clientId + ", plan=" + plan + ", method=" + method + "]";
    }
}
