package dev.tollgate.ratelimit.spi;

import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import io.github.bucket4j.VerboseResult;
import java.time.Duration;
import java.util.Optional;

/**
 * Where the buckets live: one per client key and plan. {@link #tryConsume} takes one token
 * atomically and reports what the headers need, in one call, so a request never queries its
 * bucket twice; {@link #tryConsumeVerbose} also returns the bucket's state after it (each
 * limit's tokens, to name the limit that decided), which costs a copy of the state. The local
 * store keeps buckets in this JVM; a shared store (Redis) lets several nodes enforce one limit.
 *
 * <p>This is the rate-limit filter's store interface: the filter knows a store only through it
 * and the {@code store} init-param, which names a built-in store or a {@link StoreProvider}
 * class. A shared store signals that it cannot answer with {@link StoreUnavailableException}, and
 * the filter's {@code on-store-failure} behaviour applies; a store over bucket4j's proxies gets
 * the timeouts, the circuit breaker and the sync modes from {@link SharedBucketStore}. Every
 * method is called on request threads, concurrently, and must not block longer than the store's
 * own timeout.
 *
 * <p>Requests that cost more than one token ({@code costs}) take several at once; a limiter that
 * counts only some responses ({@code count-statuses}) asks first whether a token is there
 * ({@link #estimate}, nothing taken) and takes it after the application answered
 * ({@link #consumeIgnoringLimits}).
 */
public interface BucketStore extends AutoCloseable {

    /** Takes one token from the bucket of {@code key} under {@code plan}, creating it full if new. */
    ConsumptionProbe tryConsume(String key, BucketPlan plan);

    /** Like {@link #tryConsume}, with the bucket's state after the consumption. */
    VerboseResult<ConsumptionProbe> tryConsumeVerbose(String key, BucketPlan plan);

    /** Takes {@code tokens} tokens (a request's cost) at once, or none. */
    ConsumptionProbe tryConsume(String key, BucketPlan plan, long tokens);

    /** Like {@link #tryConsume(String, BucketPlan, long)}, with the bucket's state after the consumption. */
    VerboseResult<ConsumptionProbe> tryConsumeVerbose(String key, BucketPlan plan, long tokens);

    /**
     * Whether {@code tokens} tokens could be taken now, with the bucket's state (the tokens it
     * holds, to tell when it is full again); takes nothing.
     */
    VerboseResult<EstimationProbe> estimate(String key, BucketPlan plan, long tokens);

    /**
     * Takes {@code tokens} tokens whatever the bucket holds: below zero it owes them, and gives
     * nothing until its refill has paid them back.
     */
    void consumeIgnoringLimits(String key, BucketPlan plan, long tokens);

    /** Whether the buckets live outside this JVM (and a circuit breaker guards the calls). */
    default boolean isShared() {
        return false;
    }

    /** Whether calls skip the shared store now; always false for a local store. */
    default boolean isCircuitOpen() {
        return false;
    }

    /**
     * How often a shared store that failed is tried again: about when it may answer again, the
     * {@code Retry-After} of the filter's 503 under {@code on-store-failure=reject}.
     */
    default Duration probeInterval() {
        return Duration.ofSeconds(1);
    }

    /**
     * How the store is doing (for the status page); never called on the request path. A store
     * that does not say is shown as a local one.
     */
    default StoreHealth health() {
        return StoreHealth.local();
    }

    /**
     * The bucket of {@code key} under {@code plan} as it is now, with its state (each limit's
     * tokens), taking nothing and creating nothing: empty when there is no such bucket, or when
     * the store cannot tell without creating one. For the status page's lookup of one client,
     * never called on the request path; a shared store asks the server (within its timeout).
     */
    default Optional<VerboseResult<EstimationProbe>> peek(String key, BucketPlan plan) {
        return Optional.empty();
    }

    /** Releases what the store holds (connections, threads). */
    @Override
    default void close() {
    }
}
