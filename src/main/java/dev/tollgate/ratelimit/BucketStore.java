package dev.tollgate.ratelimit;

import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import io.github.bucket4j.VerboseResult;

/**
 * Where the buckets live: one per client key and plan. {@link #tryConsume} takes one token
 * atomically and reports what the headers need, in one call, so a request never queries its
 * bucket twice; {@link #tryConsumeVerbose} also returns the bucket's state after it (each
 * limit's tokens, to name the limit that decided), which costs a copy of the state. The local
 * store keeps buckets in this JVM; a shared store (Redis) lets several nodes enforce one limit.
 *
 * <p>Requests that cost more than one token ({@code costs}) take several at once; a limiter that
 * counts only some responses ({@code count-statuses}) asks first whether a token is there
 * ({@link #estimate}, nothing taken) and takes it after the application answered
 * ({@link #consumeIgnoringLimits}).
 */
interface BucketStore extends AutoCloseable {

    /** Takes one token from the bucket of {@code key} under {@code plan}, creating it full if new. */
    ConsumptionProbe tryConsume(String key, Plan plan);

    /** Like {@link #tryConsume}, with the bucket's state after the consumption. */
    VerboseResult<ConsumptionProbe> tryConsumeVerbose(String key, Plan plan);

    /** Takes {@code tokens} tokens (a request's cost) at once, or none. */
    ConsumptionProbe tryConsume(String key, Plan plan, long tokens);

    /** Like {@link #tryConsume(String, Plan, long)}, with the bucket's state after the consumption. */
    VerboseResult<ConsumptionProbe> tryConsumeVerbose(String key, Plan plan, long tokens);

    /**
     * Whether {@code tokens} tokens could be taken now, with the bucket's state (the tokens it
     * holds, to tell when it is full again); takes nothing.
     */
    VerboseResult<EstimationProbe> estimate(String key, Plan plan, long tokens);

    /**
     * Takes {@code tokens} tokens whatever the bucket holds: below zero it owes them, and gives
     * nothing until its refill has paid them back.
     */
    void consumeIgnoringLimits(String key, Plan plan, long tokens);

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
