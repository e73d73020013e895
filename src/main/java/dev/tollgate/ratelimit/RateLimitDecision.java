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
 * @param counted            false when the store was unavailable and the outage behaviour
 *                           {@code allow} or {@code reject} decided without counting (no header values then)
 * @param policyItem         the {@code RateLimit-Policy} item of the limit that decided, e.g. {@code default-1m}:
 *                           the one with the fewest tokens left, the one that rejected on a rejection;
 *                           {@code null} when not counted, or when the limiter was built not to name it
 */
record RateLimitDecision(boolean allowed, Plan plan, long remaining, long retryAfterSeconds,
        long resetEpochSeconds, long resetAfterSeconds, boolean counted, String policyItem) {

    /** The outage behaviour's decision: let through ({@code allow}) or 503 ({@code reject}), retry after {@code retryAfterSeconds}. */
    static RateLimitDecision uncounted(boolean allowed, Plan plan, long retryAfterSeconds) {
        return new RateLimitDecision(allowed, plan, 0, allowed ? 0 : retryAfterSeconds, 0, 0, false, null);
    }

    /** {@code X-Throttle-Limit}: the capacity of the plan's first limit. */
    public String limitHeader() {
        return plan.limitHeader();
    }
}
