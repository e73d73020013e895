package dev.tollgate.ratelimit.spi;

import java.time.Duration;
import java.util.Objects;

/**
 * How a node keeps its buckets in step with a shared store (the {@code <prefix>sync} init-params
 * of each store: {@code redis-sync}, {@code redis-sync-tokens}, {@code redis-sync-interval}).
 *
 * <ul>
 *   <li>{@code exact}: every request is decided in the store (a compare-and-swap), so all nodes together
 *       admit exactly the limit.</li>
 *   <li>{@code delayed}: each node decides from its own copy of the bucket and tells the store what it
 *       took once it took {@code tokens} tokens or half the {@code interval} passed, whichever comes
 *       first, without making a request wait for it ({@link SyncAhead}). A node never holds more
 *       than {@code tokens} tokens that the store does not know of, so {@code k} nodes admit at most the
 *       limit plus {@code k * tokens} per client.</li>
 * </ul>
 *
 * @param name {@code exact} or {@code delayed}
 * @param tokens most tokens a node takes before it syncs (delayed only)
 * @param interval longest time between two syncs of one bucket on one node (delayed only)
 */
public record SyncMode(String name, long tokens, Duration interval) {

    public static final String EXACT = "exact";
    public static final String DELAYED = "delayed";

    public SyncMode {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(interval, "interval");
        if (!name.equals(EXACT) && !name.equals(DELAYED)) {
            throw new IllegalArgumentException("sync mode must be exact or delayed");
        }
        if (name.equals(DELAYED) && (tokens < 1 || interval.isNegative() || interval.isZero())) {
            throw new IllegalArgumentException("a delayed sync needs at least one token and a positive interval");
        }
    }

    /** Every request decided in the store. */
    public static SyncMode exact() {
        return new SyncMode(EXACT, 0, Duration.ZERO);
    }

    /** Decided from the node's copy, synced every {@code tokens} tokens or half {@code interval}. */
    public static SyncMode delayed(long tokens, Duration interval) {
        return new SyncMode(DELAYED, tokens, interval);
    }

    public boolean isDelayed() {
        return name.equals(DELAYED);
    }

    @Override
    public String toString() {
        return isDelayed() ? "delayed (" + tokens + " tokens or " + interval.toMillis() + " ms)" : "exact";
    }
}
