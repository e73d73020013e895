package dev.tollgate.ratelimit.spi;

import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * The buckets whose local copies a node of the {@code batched} mode dropped (evicted or expired)
 * within at least the longest period of its limits, in fixed memory: two generations of a Bloom
 * filter, the newer one taking the keys, the older one dropped when the newer one is a period old.
 *
 * <p>A batched node makes a copy of a bucket it has no copy of from the limits, full; that is
 * within the bound once per bucket and window, not once per eviction. A key this filter may
 * hold gets a copy read from the store instead, as the delayed mode does. The filter never
 * forgets a key within a period (no false negative); when it is crowded it answers "maybe" more
 * often, which costs reads, never the bound. Client ids come from outside: a key made to collide
 * with another only makes that other key's next copy a read.
 */
final class DroppedCopies {

    private static final int HASHES = 3;
    /**
     * The most keys the filter is sized for: 4 MB in all. A node that keeps more copies
     * ({@code max-clients} above a million) gets more false "maybe"s, that is more reads, not a
     * filter of 400 MB at {@code max-clients=100000000}.
     */
    static final int MAX_EXPECTED = 1_000_000;

    private final int bits;
    private final LongSupplier clock;
    private volatile long periodNanos;
    private volatile AtomicLongArray newer;
    private volatile AtomicLongArray older;
    private volatile long newerSince;

    /**
     * {@code 16 * expected} bits per generation (at least 1024, at most for {@link #MAX_EXPECTED}
     * keys), so at {@code expected} keys about 1 in 30 false "maybe"s.
     */
    DroppedCopies(int expected, LongSupplier clock) {
        this.bits = Math.max(1024, 16 * Math.max(1, Math.min(expected, MAX_EXPECTED)));
        this.clock = clock;
        this.newer = new AtomicLongArray((bits + 63) >>> 6);
        this.older = new AtomicLongArray((bits + 63) >>> 6);
        this.newerSince = clock.getAsLong();
    }

    /** Makes each generation last at least {@code nanos} (the longest refill period of a plan's limits). */
    void coverAtLeast(long nanos) {
        synchronized (this) {
            periodNanos = Math.max(periodNanos, nanos);
        }
    }

    /** The bytes the two generations hold. */
    long bytes() {
        return 2L * newer.length() * Long.BYTES;
    }

    void add(String key) {
        AtomicLongArray into = current();
        long h = mix(key.hashCode());
        int h1 = (int) h;
        int h2 = (int) (h >>> 32) | 1;
        for (int i = 0; i < HASHES; i++) {
            int bit = Math.floorMod(h1 + i * h2, bits);
            long mask = 1L << (bit & 63);
            int word = bit >>> 6;
            long was;
            do {
                was = into.get(word);
            } while ((was & mask) == 0 && !into.compareAndSet(word, was, was | mask));
        }
    }

    /** Whether the copy of {@code key} may have been dropped within the last period; never false when it was. */
    boolean mayHold(String key) {
        AtomicLongArray newest = current();
        AtomicLongArray old = older;
        long h = mix(key.hashCode());
        return holds(newest, h) || holds(old, h);
    }

    private boolean holds(AtomicLongArray generation, long h) {
        int h1 = (int) h;
        int h2 = (int) (h >>> 32) | 1;
        for (int i = 0; i < HASHES; i++) {
            int bit = Math.floorMod(h1 + i * h2, bits);
            if ((generation.get(bit >>> 6) & (1L << (bit & 63))) == 0) {
                return false;
            }
        }
        return true;
    }

    /** The newer generation, after turning the generations over if it is a period old. */
    private AtomicLongArray current() {
        long now = clock.getAsLong();
        if (periodNanos > 0 && now - newerSince >= periodNanos) {
            synchronized (this) {
                if (now - newerSince >= periodNanos) {
                    // A key added to the newer one stays until the one after it is a period old: at least a period.
                    older = newer;
                    newer = new AtomicLongArray(older.length());
                    newerSince = now;
                }
            }
        }
        return newer;
    }

    /** A 64-bit mix of a 32-bit hash (splitmix64's finalizer): two independent-looking halves. */
    private static long mix(int hash) {
        long z = hash * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
