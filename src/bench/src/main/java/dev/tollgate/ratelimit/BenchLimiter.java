package dev.tollgate.ratelimit;

/**
 * The rate limiter's engine for the benchmarks, which live outside its package: the limiter and the
 * local store are not API, so the benchmarks reach them through this class of the same package.
 */
public final class BenchLimiter {

    private final RateLimiter limiter;
    private final Plan plan;

    private BenchLimiter(RateLimiter limiter, Plan plan) {
        this.limiter = limiter;
        this.plan = plan;
    }

    /** A limiter over the local store with {@code limits} for everyone, tracking up to {@code maxClients}. */
    public static BenchLimiter local(String limits, int maxClients) {
        Plans plans = Plans.of(Limits.parse(limits));
        return new BenchLimiter(RateLimiter.builder(plans).store(LocalBucketStore.create(plans, maxClients)).build(), plans.defaultPlan());
    }

    /** Whether {@code clientKey} may make one more request. */
    public boolean tryConsume(String clientKey) {
        return limiter.tryConsume(clientKey, plan).allowed();
    }
}
