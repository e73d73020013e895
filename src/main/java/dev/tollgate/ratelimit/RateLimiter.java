package dev.tollgate.ratelimit;

import dev.tollgate.ratelimit.spi.BucketStore;
import dev.tollgate.ratelimit.spi.StoreUnavailableException;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketState;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import io.github.bucket4j.VerboseResult;
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
final class RateLimiter implements AutoCloseable {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    /** What to do when a shared store cannot answer. */
    public enum OnStoreFailure {
        /** Let the request through, uncounted (fail open). */
        ALLOW,
        /** Answer 503 {@code limiter_unavailable} (fail closed). */
        REJECT,
        /** Count in this JVM with the same limits, so clients stay limited per node. */
        LOCAL
    }

    private final Plans plans;
    private final BucketStore store;
    private final Clock clock;
    private final OnStoreFailure onStoreFailure;
    private final BucketStore fallback;
    private final long outageRetryAfterSeconds;
    private final RateLimitMetrics metrics;
    private final boolean namesDecidingLimit;

    private RateLimiter(Builder b) {
        this.plans = b.plans;
        this.store = b.store != null ? b.store : LocalBucketStore.create(b.plans, LocalBucketStore.DEFAULT_MAX_CLIENTS, b.name);
        this.clock = b.clock;
        this.onStoreFailure = b.onStoreFailure;
        this.fallback = b.onStoreFailure == OnStoreFailure.LOCAL
                ? (b.fallback != null ? b.fallback : LocalBucketStore.create(b.plans, b.fallbackMaxClients, b.name + " (local fallback)"))
                : null;
        this.outageRetryAfterSeconds = b.outageRetryAfterSeconds;
        this.metrics = b.metrics != null ? b.metrics : new RateLimitMetrics();
        this.namesDecidingLimit = b.namesDecidingLimit;
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
        try {
            return consume(store, clientKey, plan);
        } catch (StoreUnavailableException e) {
            RateLimitDecision outage = outage(plan);
            return outage != null ? outage : consume(fallback, clientKey, plan);
        }
    }

    /** The decision of the outage behaviour, or {@code null} under {@code LOCAL}: ask the fallback. */
    private RateLimitDecision outage(Plan plan) {
        switch (onStoreFailure) {
            case ALLOW:
                metrics.outageAllow();
                return RateLimitDecision.uncounted(true, plan, 0);
            case REJECT:
                metrics.outageReject();
                return RateLimitDecision.uncounted(false, plan, outageRetryAfterSeconds);
            default:
                metrics.outageLocal();
                return null;
        }
    }

    // ---- Costs and counted statuses ----

    /** Takes {@code tokens} (the cost of the request's path) for {@code clientKey} under {@code plan}, or none. */
    public RateLimitDecision tryConsume(String clientKey, Plan plan, long tokens) {
        try {
            return consume(store, clientKey, plan, tokens);
        } catch (StoreUnavailableException e) {
            RateLimitDecision outage = outage(plan);
            return outage != null ? outage : consume(fallback, clientKey, plan, tokens);
        }
    }

    /**
     * Whether a request that may cost {@code tokens} when it is counted may go ahead, taking
     * nothing. Its header values are those it would have if it is counted: what remains after
     * it, and when the bucket is full again after it.
     */
    public RateLimitDecision check(String clientKey, Plan plan, long tokens) {
        try {
            return decideBeforehand(store.estimate(clientKey, plan.bucketPlan(), tokens), plan, tokens, clock.millis());
        } catch (StoreUnavailableException e) {
            RateLimitDecision outage = outage(plan);
            return outage != null ? outage : decideBeforehand(fallback.estimate(clientKey, plan.bucketPlan(), tokens), plan, tokens, clock.millis());
        }
    }

    /**
     * Counts {@code tokens} after the fact, whatever the bucket holds: requests that all passed
     * {@link #check} at once are all counted, and the bucket owes what it did not have. While the
     * store is away the local fallback counts them ({@code LOCAL}); under {@code ALLOW} or
     * {@code REJECT} nothing counts then, as nothing is decided.
     */
    public void count(String clientKey, Plan plan, long tokens) {
        try {
            store.consumeIgnoringLimits(clientKey, plan.bucketPlan(), tokens);
        } catch (StoreUnavailableException e) {
            if (fallback != null) {
                fallback.consumeIgnoringLimits(clientKey, plan.bucketPlan(), tokens);
            }
        }
    }

    private RateLimitDecision consume(BucketStore from, String clientKey, Plan plan, long tokens) {
        if (!namesDecidingLimit) {
            return decide(from.tryConsume(clientKey, plan.bucketPlan(), tokens), plan, null, clock.millis());
        }
        if (plan.limits().limits().size() == 1 && !from.isShared()) {
            return decide(from.tryConsume(clientKey, plan.bucketPlan(), tokens), plan, plan.firstPolicyItem(), clock.millis());
        }
        return decide(from.tryConsumeVerbose(clientKey, plan.bucketPlan(), tokens), plan, clock.millis());
    }

    /**
     * The decision of an estimate of {@code tokens}, as if they were taken: allowed, what remains
     * after them and when the bucket is full again after them; rejected, when they are there.
     */
    static RateLimitDecision decideBeforehand(VerboseResult<EstimationProbe> result, Plan plan, long tokens, long nowMillis) {
        EstimationProbe probe = result.getValue();
        // The same limit decides before and after: taking tokens takes them from every limit.
        String item = plan.policyItem(decidingLimit(result.getState(), result.getConfiguration().getBandwidths()));
        if (probe.canBeConsumed()) {
            BucketState after = result.getState().copy();
            after.consume(tokens);
            long toFull = after.calculateFullRefillingTime(result.getOperationTimeNanos());
            return new RateLimitDecision(true, plan, probe.getRemainingTokens() - tokens, 0,
                    ceilEpochSeconds(nowMillis, toFull), ceilSeconds(toFull), true, item);
        }
        long wait = probe.getNanosToWaitForRefill();
        long retryAfter = Math.max(1, ceilSeconds(wait));
        return new RateLimitDecision(false, plan, 0, retryAfter, ceilEpochSeconds(nowMillis, wait), retryAfter, true, item);
    }

    /**
     * One token from {@code from}. The bucket's state (a copy of it) is asked for only when the
     * deciding limit is to be named and the plan has several; a local plan of one limit names it
     * without (a shared bucket may hold another node's limits, so it is always read there).
     */
    private RateLimitDecision consume(BucketStore from, String clientKey, Plan plan) {
        if (!namesDecidingLimit) {
            return decide(from.tryConsume(clientKey, plan.bucketPlan()), plan, null, clock.millis());
        }
        if (plan.limits().limits().size() == 1 && !from.isShared()) {
            return decide(from.tryConsume(clientKey, plan.bucketPlan()), plan, plan.firstPolicyItem(), clock.millis());
        }
        return decide(from.tryConsumeVerbose(clientKey, plan.bucketPlan()), plan, clock.millis());
    }

    /**
     * The clients whose buckets this JVM holds: the local store's, or with a shared store the local
     * fallback's (0 without one); read by the metrics, never on the request path.
     */
    long trackedClients() {
        if (store instanceof LocalBucketStore local) {
            return local.trackedClients();
        }
        return fallback instanceof LocalBucketStore local ? local.trackedClients() : 0;
    }

    /**
     * The requests of new clients counted in a local store's shared overflow bucket, that store
     * being full of buckets in use: the local store's and the local fallback's.
     */
    long overflowRequests() {
        long n = store instanceof LocalBucketStore local ? local.overflowRequests() : 0;
        return n + (fallback instanceof LocalBucketStore local ? local.overflowRequests() : 0);
    }

    /** The decision and header values that {@code result} carries, at {@code nowMillis}. */
    static RateLimitDecision decide(VerboseResult<ConsumptionProbe> result, Plan plan, long nowMillis) {
        String item = plan.policyItem(decidingLimit(result.getState(), result.getConfiguration().getBandwidths()));
        return decide(result.getValue(), plan, item, nowMillis);
    }

    /** The decision and header values of {@code probe}, whose deciding limit is {@code item} (or not named: {@code null}). */
    static RateLimitDecision decide(ConsumptionProbe probe, Plan plan, String item, long nowMillis) {
        if (probe.isConsumed()) {
            long resetAfter = ceilSeconds(probe.getNanosToWaitForReset());
            return new RateLimitDecision(true, plan, probe.getRemainingTokens(), 0,
                    ceilEpochSeconds(nowMillis, probe.getNanosToWaitForReset()), resetAfter, true, item);
        }
        long wait = probe.getNanosToWaitForRefill();
        long retryAfter = Math.max(1, ceilSeconds(wait));
        return new RateLimitDecision(false, plan, 0, retryAfter, ceilEpochSeconds(nowMillis, wait), retryAfter, true, item);
    }

    /**
     * The limit that decided, from the bucket's state after the consumption: the one with the
     * fewest tokens left (on a rejection, one with none: the one that rejected); on a tie, the one
     * whose tokens come back slowest (longest period per token), then the first written.
     */
    static Bandwidth decidingLimit(BucketState state, Bandwidth[] limits) {
        int best = 0;
        long bestTokens = state.getCurrentSize(0);
        for (int i = 1; i < limits.length; i++) {
            long tokens = state.getCurrentSize(i);
            if (tokens < bestTokens || (tokens == bestTokens && nanosPerToken(limits[i]) > nanosPerToken(limits[best]))) {
                best = i;
                bestTokens = tokens;
            }
        }
        return limits[best];
    }

    private static double nanosPerToken(Bandwidth limit) {
        return (double) limit.getRefillPeriodNanos() / limit.getRefillTokens();
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
        if (fallback != null) {
            fallback.close();
        }
    }

    /** Configures a {@link RateLimiter}: the plans, the store (local by default), the clock. */
    public static final class Builder {
        private final Plans plans;
        private BucketStore store;
        private Clock clock = Clock.systemUTC();
        private OnStoreFailure onStoreFailure = OnStoreFailure.LOCAL;
        private BucketStore fallback;
        private int fallbackMaxClients = LocalBucketStore.DEFAULT_MAX_CLIENTS;
        private long outageRetryAfterSeconds = 1;
        private RateLimitMetrics metrics;
        private boolean namesDecidingLimit = true;
        private String name = "Rate limiter";

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

        /** What happens while the store is unavailable (default {@code LOCAL}). */
        public Builder onStoreFailure(OnStoreFailure behaviour) {
            this.onStoreFailure = Objects.requireNonNull(behaviour, "behaviour");
            return this;
        }

        /** The store used while the main one is unavailable, with {@code LOCAL}. */
        public Builder fallback(BucketStore fallbackStore) {
            this.fallback = fallbackStore;
            return this;
        }

        /** What the log calls this limiter (its filter), and its default local stores after it. */
        public Builder name(String logName) {
            this.name = Objects.requireNonNull(logName, "logName");
            return this;
        }

        /** The bound on clients of the default local fallback store. */
        public Builder fallbackMaxClients(int maxClients) {
            this.fallbackMaxClients = maxClients;
            return this;
        }

        /** {@code Retry-After} of the 503 under {@code REJECT}: about when the store is probed again. */
        public Builder outageRetryAfterSeconds(long seconds) {
            this.outageRetryAfterSeconds = Math.max(1, seconds);
            return this;
        }

        /** Where the outage decisions are counted (by default, counters nobody reads). */
        public Builder metrics(RateLimitMetrics counters) {
            this.metrics = counters;
            return this;
        }

        /**
         * Whether decisions name the limit that decided ({@link RateLimitDecision#policyItem()}),
         * default {@code true}. Only the IETF {@code RateLimit} header and report-only logging
         * read it; without it a consumption skips a copy of the bucket's state.
         */
        public Builder namesDecidingLimit(boolean names) {
            this.namesDecidingLimit = names;
            return this;
        }

        public RateLimiter build() {
            return new RateLimiter(this);
        }
    }
}
