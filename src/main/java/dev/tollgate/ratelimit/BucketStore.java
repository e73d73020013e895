package dev.tollgate.ratelimit;

import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.VerboseResult;

/**
 * Where the buckets live: one per client key and plan. {@link #tryConsume} takes one token
 * atomically and reports what the headers need, in one call, so a request never queries its
 * bucket twice; {@link #tryConsumeVerbose} also returns the bucket's state after it (each
 * limit's tokens, to name the limit that decided), which costs a copy of the state. The local
 * store keeps buckets in this JVM; a shared store (Redis) lets several nodes enforce one limit.
 */
interface BucketStore extends AutoCloseable {

    /** Takes one token from the bucket of {@code key} under {@code plan}, creating it full if new. */
    ConsumptionProbe tryConsume(String key, Plan plan);

    /** Like {@link #tryConsume}, with the bucket's state after the consumption. */
    VerboseResult<ConsumptionProbe> tryConsumeVerbose(String key, Plan plan);

    /** Whether the buckets live outside this JVM (and a circuit breaker guards the calls). */
    default boolean isShared() {
        return false;
    }

    /** Whether calls skip the shared store now; always false for a local store. */
    default boolean isCircuitOpen() {
        return false;
    }

    /** Releases what the store holds (connections, threads). */
    @Override
    default void close() {
    }
}
