package dev.tollgate.ratelimit;

import dev.tollgate.error.ApiError;
import dev.tollgate.error.ErrorCodes;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The headers of a decision, from its one consumption: {@code X-Throttle-*} on allowed requests
 * (with {@code throttle-headers}) and always on a 429, the IETF {@code RateLimit-Policy} /
 * {@code RateLimit} with {@code ietf-headers}, {@code Retry-After} on a 429 or 503. A rejection
 * carries its headers in its {@link ApiError}, so the renderer sets them on the error response.
 */
final class RateLimitHeaders {

    static final String RETRY_AFTER = "Retry-After";
    static final String LIMIT = "X-Throttle-Limit";
    static final String REMAINING = "X-Throttle-Remaining";
    static final String RESET = "X-Throttle-Reset";
    static final String IETF_POLICY = "RateLimit-Policy";
    static final String IETF_LIMIT = "RateLimit";

    private static final ApiError RATE_LIMITED = ApiError.of(429, ErrorCodes.RATE_LIMITED, "Rate limit exceeded");
    private static final ApiError UNAVAILABLE = ApiError.of(503, ErrorCodes.LIMITER_UNAVAILABLE, "Service unavailable");

    private final boolean throttleHeaders;
    private final boolean ietfHeaders;
    private final HeaderTexts texts = new HeaderTexts();

    RateLimitHeaders(boolean throttleHeaders, boolean ietfHeaders) {
        this.throttleHeaders = throttleHeaders;
        this.ietfHeaders = ietfHeaders;
    }

    /** Sets the headers of an allowed, counted request. */
    void allowed(HttpServletResponse response, RateLimitDecision decision) {
        if (throttleHeaders) {
            response.setHeader(LIMIT, decision.limitHeader());
            response.setHeader(REMAINING, HeaderTexts.count(decision.remaining()));
            response.setHeader(RESET, texts.seconds(decision.resetEpochSeconds()));
        }
        if (ietfHeaders) {
            response.setHeader(IETF_POLICY, decision.plan().policyHeader());
            response.setHeader(IETF_LIMIT, ietfLimit(decision));
        }
    }

    /**
     * Sets the headers that the 429 of {@code decision} would carry, but {@code Retry-After}, on a
     * request that report-only mode lets through: a passing answer asks nobody to wait. Nothing
     * for an uncounted decision (the store was away).
     */
    void wouldReject(HttpServletResponse response, RateLimitDecision decision) {
        if (!decision.counted()) {
            return;
        }
        response.setHeader(LIMIT, decision.limitHeader());
        response.setHeader(REMAINING, Long.toString(decision.remaining()));
        response.setHeader(RESET, Long.toString(decision.resetEpochSeconds()));
        if (ietfHeaders) {
            response.setHeader(IETF_POLICY, decision.plan().policyHeader());
            response.setHeader(IETF_LIMIT, ietfLimit(decision));
        }
    }

    /** The answer to a rejected request: 429 with its headers, or 503 when the store was out and not counted. */
    ApiError rejection(RateLimitDecision decision) {
        String retryAfter = Long.toString(decision.retryAfterSeconds());
        if (!decision.counted()) {
            return UNAVAILABLE.toBuilder().header(RETRY_AFTER, retryAfter).build();
        }
        ApiError.Builder error = RATE_LIMITED.toBuilder()
                .header(LIMIT, decision.limitHeader())
                .header(REMAINING, Long.toString(decision.remaining()))
                .header(RESET, Long.toString(decision.resetEpochSeconds()));
        if (ietfHeaders) {
            error.header(IETF_POLICY, decision.plan().policyHeader()).header(IETF_LIMIT, ietfLimit(decision));
        }
        return error.header(RETRY_AFTER, retryAfter).build();
    }

    private static String ietfLimit(RateLimitDecision decision) {
        return "\"" + decision.policyItem() + "\";r=" + decision.remaining() + ";t=" + decision.resetAfterSeconds();
    }
}
