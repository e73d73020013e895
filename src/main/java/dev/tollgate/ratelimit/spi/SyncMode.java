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
 *   <li>{@code batched}: as {@code delayed}, for many clients: a node decides a new client's first
 *       request from a full bucket of its own instead of reading the store, and every
 *       {@code interval} sends the tokens of all the buckets it counted since, in one burst of calls
 *       that are on the wire together, learning each bucket's state back; a bucket whose unsynced
 *       tokens reach {@code tokens} is synced at once. The bound is {@code delayed}'s: a node never
 *       holds more than {@code tokens} unsynced tokens of one bucket, so {@code k} nodes admit at most
 *       the limit plus {@code k * tokens} per client and window ({@link SyncAhead}).</li>
 * </ul>
 *
 * @param name {@code exact}, {@code delayed} or {@code batched}
 * @param tokens most tokens a node takes from one bucket before it syncs (delayed and batched)
 * @param interval delayed: longest time between two syncs of one bucket on one node; batched: the
 *                 time between two bursts
 */
public record SyncMode(String name, long tokens, Duration interval) {

    public static final String EXACT = "exact";
    public static final String DELAYED = "delayed";
    public static final String BATCHED = "batched";

    public SyncMode {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(interval, "interval");
        if (!name.equals(EXACT) && !name.equals(DELAYED) && !name.equals(BATCHED)) {
            throw new IllegalArgumentException("sync mode must be exact, delayed or batched");
        }
        if (!name.equals(EXACT) && (tokens < 1 || interval.isNegative() || interval.isZero())) {
            throw new IllegalArgumentException("a " + name + " sync needs at least one token and a positive interval");
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

    /** Every {@code interval}, one burst for all the buckets counted since, or at {@code tokens} unsynced tokens. */
    public static SyncMode batched(long tokens, Duration interval) {
        return new SyncMode(BATCHED, tokens, interval);
    }

    public boolean isDelayed() {
        return name.equals(DELAYED);
    }

    public boolean isBatched() {
        return name.equals(BATCHED);
    }

    /** Whether a node decides from its own copies of buckets ({@code delayed} or {@code batched}). */
    public boolean keepsLocalCopies() {
        return !name.equals(EXACT);
    }

    @Override
    public String toString() {
        return switch (name) {
            case DELAYED -> "delayed (" + tokens + " tokens or " + interval.toMillis() + " ms)";
            case BATCHED -> "batched (every " + interval.toMillis() + " ms, or at " + tokens + " tokens)";
            default -> "exact";
        };
    }
}
