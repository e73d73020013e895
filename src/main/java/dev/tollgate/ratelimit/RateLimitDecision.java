package dev.tollgate.ratelimit;

/**
 * What one consumption decided, with every header value, all from the one {@code ConsumptionProbe}
 * of that consumption.
 *
 * @param allowed            whether the request may pass
 * @param plan               the plan it was counted under
 * @param remaining          tokens left (the least over the plan's limits)
 * @param retryAfterSeconds  rejected: seconds until a token is back, rounded up, at least 1; allowed: 0
 * @param resetEpochSeconds  rejected: when a token is next available; allowed: when the bucket is
 *                           full again; Unix seconds, rounded up
 * @param resetAfterSeconds  the same moment as seconds from now, rounded up (for {@code RateLimit: t=})
 */
public record RateLimitDecision(boolean allowed, Plan plan, long remaining, long retryAfterSeconds,
        long resetEpochSeconds, long resetAfterSeconds) {

    /** {@code X-Throttle-Limit}: the capacity of the plan's first limit. */
    public String limitHeader() {
        return plan.limitHeader();
    }
}
