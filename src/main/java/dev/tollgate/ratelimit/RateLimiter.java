package dev.tollgate.ratelimit;

import io.github.bucket4j.ConsumptionProbe;
import java.time.Clock;
import java.util.Objects;

/**
 * Counts requests per client against its plan, over a {@link BucketStore}. One call, one atomic
 * consumption: under any concurrency no more requests pass than the limits allow.
 *
 * <pre>{@code
 * Plans plans = Plans.of(Limits.parse("100/1m, 5000/1d"));
 * RateLimiter limiter = RateLimiter.builder(plans).build();
 * RateLimitDecision d = limiter.tryConsume("ip:203.0.113.9", plans.defaultPlan());
 * }</pre>
 */
public final class RateLimiter implements AutoCloseable {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final Plans plans;
    private final BucketStore store;
    private final Clock clock;

    private RateLimiter(Builder b) {
        this.plans = b.plans;
        this.store = b.store != null ? b.store : LocalBucketStore.create(b.plans, LocalBucketStore.DEFAULT_MAX_CLIENTS);
        this.clock = b.clock;
    }

    public static Builder builder(Plans plans) {
        return new Builder(plans);
    }

    public Plans plans() {
        return plans;
    }

    public BucketStore store() {
        return store;
    }

    /** Takes one request of {@code clientKey} under {@code plan}. */
    public RateLimitDecision tryConsume(String clientKey, Plan plan) {
        ConsumptionProbe probe = store.tryConsume(clientKey, plan);
        return decide(probe, plan, clock.millis());
    }

    /** The decision and header values that {@code probe} carries, at {@code nowMillis}. */
    static RateLimitDecision decide(ConsumptionProbe probe, Plan plan, long nowMillis) {
        if (probe.isConsumed()) {
            long resetAfter = ceilSeconds(probe.getNanosToWaitForReset());
            return new RateLimitDecision(true, plan, probe.getRemainingTokens(), 0,
                    ceilEpochSeconds(nowMillis, probe.getNanosToWaitForReset()), resetAfter);
        }
        long wait = probe.getNanosToWaitForRefill();
        long retryAfter = Math.max(1, ceilSeconds(wait));
        return new RateLimitDecision(false, plan, 0, retryAfter, ceilEpochSeconds(nowMillis, wait), retryAfter);
    }

    static long ceilSeconds(long nanos) {
        return nanos <= 0 ? 0 : (nanos + NANOS_PER_SECOND - 1) / NANOS_PER_SECOND;
    }

    private static long ceilEpochSeconds(long nowMillis, long waitNanos) {
        long atMillis = nowMillis + (waitNanos + 999_999) / 1_000_000;
        return (atMillis + 999) / 1000;
    }

    @Override
    public void close() {
        store.close();
    }

    /** Configures a {@link RateLimiter}: the plans, the store (local by default), the clock. */
    public static final class Builder {
        private final Plans plans;
        private BucketStore store;
        private Clock clock = Clock.systemUTC();

        Builder(Plans plans) {
            this.plans = Objects.requireNonNull(plans, "plans");
        }

        public Builder store(BucketStore store) {
            this.store = store;
            return this;
        }

        /** The wall clock of the reset times; the buckets' own time is the store's. */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public RateLimiter build() {
            return new RateLimiter(this);
        }
    }
}
