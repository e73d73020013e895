package dev.tollgate.ratelimit;

import java.time.Duration;
import java.util.Objects;

/**
 * How a node keeps its buckets in step with Redis.
 *
 * <ul>
 *   <li>{@code exact}: every request is decided in Redis (a compare-and-swap), so all nodes together
 *       admit exactly the limit.</li>
 *   <li>{@code delayed}: each node decides from its own copy of the bucket and tells Redis what it
 *       took once it took {@code tokens} tokens or half the {@code interval} passed, whichever comes
 *       first, without making a request wait for it ({@link SyncAhead}). A node never holds more
 *       than {@code tokens} tokens that Redis does not know of, so {@code k} nodes admit at most the
 *       limit plus {@code k * tokens} per client.</li>
 * </ul>
 *
 * @param name {@code exact} or {@code delayed}
 * @param tokens most tokens a node takes before it syncs (delayed only)
 * @param interval longest time between two syncs of one bucket on one node (delayed only)
 */
record RedisSync(String name, long tokens, Duration interval) {

    static final String EXACT = "exact";
    static final String DELAYED = "delayed";

    RedisSync {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(interval, "interval");
        if (!name.equals(EXACT) && !name.equals(DELAYED)) {
            throw new IllegalArgumentException("sync mode must be exact or delayed");
        }
        if (name.equals(DELAYED) && (tokens < 1 || interval.isNegative() || interval.isZero())) {
            throw new IllegalArgumentException("a delayed sync needs at least one token and a positive interval");
        }
    }

    static RedisSync exact() {
        return new RedisSync(EXACT, 0, Duration.ZERO);
    }

    static RedisSync delayed(long tokens, Duration interval) {
        return new RedisSync(DELAYED, tokens, interval);
    }

    boolean isDelayed() {
        return name.equals(DELAYED);
    }

    @Override
    public String toString() {
        return isDelayed() ? "delayed (" + tokens + " tokens or " + interval.toMillis() + " ms)" : "exact";
    }
}
