package dev.tollgate.internal;

import java.util.Arrays;

/**
 * One sub-window of {@link TopRejections}: a Space-Saving sketch (Metwally, Agrawal and El Abbadi,
 * "Efficient Computation of Frequent and Top-k Elements in Data Streams", 2005) of at most
 * {@link TopRejections#CAPACITY} clients. When it is full, a new client takes the place of the one
 * with the fewest rejections and starts at that count plus one, the inherited count being its
 * error. So a kept count never understates the truth and overstates it by at most its error, a
 * client that is not kept had at most {@link #absentBound()} rejections here, and any client with
 * more than N / CAPACITY of N rejections is kept.
 *
 * <p>The clients are the paper's stream summary: buckets of equal counts in a list by count, each
 * bucket's clients in the order they reached that count, so that a rejection moves one client one
 * bucket up in constant time and the client replaced is the least recently rejected of those with
 * the fewest rejections. They are found through an open-addressing table of slot numbers rather
 * than a {@code HashMap}. Everything is an array of at most CAPACITY: a rejection of a kept client
 * allocates nothing, a new client only the cut copy of an id over
 * {@link TopRejections#MAX_ID_LENGTH}, and clearing the sub-window for reuse keeps every array.
 *
 * <p>Not thread-safe: {@link TopRejections} holds the sketch's own lock around every call.
 */
final class SpaceSaving {

    /** A copy of a sketch's clients, for merging outside its lock. */
    record Snapshot(long epoch, String[] ids, long[] counts, long[] errors, String[] limits, long[] last, long[] next,
            long absentBound) {
    }

    private static final int CAPACITY = TopRejections.CAPACITY;
    /** A table of at least twice the capacity, a power of two: probes stay short and an index is a mask. */
    private static final int TABLE_BITS = 32 - Integer.numberOfLeadingZeros(CAPACITY * 2 - 1);
    private static final int TABLE_MASK = (1 << TABLE_BITS) - 1;
    private static final char ELLIPSIS = '\u2026';
    private static final int NONE = -1;

    // Per slot: the client (its count is its bucket's).
    private final String[] ids = new String[CAPACITY];
    private final int[] hashes = new int[CAPACITY];
    private final long[] errors = new long[CAPACITY];
    private final String[] limits = new String[CAPACITY];
    private final long[] last = new long[CAPACITY];
    private final long[] next = new long[CAPACITY];
    // Per slot: its bucket, and its neighbours there (the clients that reached the count before and after it).
    private final int[] bucketOf = new int[CAPACITY];
    private final int[] before = new int[CAPACITY];
    private final int[] after = new int[CAPACITY];
    // Per bucket (each holds a client, so there are never more buckets than clients): its count, its
    // first and latest client, the buckets of the next lower and higher counts; and the unused ones.
    private final long[] bucketCount = new long[CAPACITY];
    private final int[] first = new int[CAPACITY];
    private final int[] latest = new int[CAPACITY];
    private final int[] lower = new int[CAPACITY];
    private final int[] higher = new int[CAPACITY];
    private final int[] freeBuckets = new int[CAPACITY];
    /** Slot plus one, 0 for a free cell; linear probing, deletion by backward shift. */
    private final int[] table = new int[TABLE_MASK + 1];

    private long epoch = Long.MIN_VALUE;
    private int size;
    private int freeBucketCount;
    /** The bucket of the fewest rejections, NONE when empty. */
    private int lowest = NONE;
    private boolean evicted;

    SpaceSaving() {
        clear();
    }

    /** The sub-window this sketch counts, in steps since the epoch; {@code Long.MIN_VALUE} before the first. */
    long epoch() {
        return epoch;
    }

    int size() {
        return size;
    }

    /** Empties the sketch to count sub-window {@code newEpoch}. */
    void reset(long newEpoch) {
        clear();
        epoch = newEpoch;
    }

    /** Forgets every client (and drops the references to their ids and limits). */
    void clear() {
        Arrays.fill(ids, 0, size, null);
        Arrays.fill(limits, 0, size, null);
        Arrays.fill(table, 0);
        size = 0;
        for (int b = 0; b < CAPACITY; b++) {
            freeBuckets[b] = b;
        }
        freeBucketCount = CAPACITY;
        lowest = NONE;
        evicted = false;
    }

    /**
     * Counts one rejection of {@code id} (not null) and returns the id as kept: the same characters,
     * or its cut form when it is longer than {@link TopRejections#MAX_ID_LENGTH}. Passing that to
     * another sketch saves the cut and shares one copy.
     */
    String add(String id, String limit, long nowMillis, long nextTokenMillis) {
        int cut = cutLength(id);
        int hash = cut < 0 ? id.hashCode() : cutHash(id, cut);
        int slot = find(id, cut, hash);
        if (slot >= 0) {
            moveUp(slot);
        } else {
            String kept = cut < 0 ? id : id.substring(0, cut) + ELLIPSIS;
            if (size < CAPACITY) {
                slot = size++;
                errors[slot] = 0;
                enterAtOne(slot);
            } else {
                slot = first[lowest];
                unlink(slot);
                errors[slot] = bucketCount[lowest];
                evicted = true;
                moveUp(slot);
            }
            ids[slot] = kept;
            hashes[slot] = hash;
            link(slot);
        }
        limits[slot] = limit;
        last[slot] = nowMillis;
        next[slot] = nextTokenMillis;
        return ids[slot];
    }

    /**
     * The most rejections here of a client that is not kept: the smallest count once a client was
     * replaced (it may have been that one), else none.
     */
    long absentBound() {
        return evicted ? bucketCount[lowest] : 0;
    }

    Snapshot snapshot() {
        long[] counts = new long[size];
        for (int slot = 0; slot < size; slot++) {
            counts[slot] = bucketCount[bucketOf[slot]];
        }
        return new Snapshot(epoch, Arrays.copyOf(ids, size), counts, Arrays.copyOf(errors, size),
                Arrays.copyOf(limits, size), Arrays.copyOf(last, size), Arrays.copyOf(next, size), absentBound());
    }

    /** How many characters of {@code id} a kept id keeps before the ellipsis; -1 when it is kept whole. */
    static int cutLength(String id) {
        if (id.length() <= TopRejections.MAX_ID_LENGTH) {
            return -1;
        }
        int cut = TopRejections.MAX_ID_LENGTH - 1;
        // Never keep half of a surrogate pair.
        return Character.isHighSurrogate(id.charAt(cut - 1)) ? cut - 1 : cut;
    }

    /** {@code String.hashCode} of the cut form, without making it. */
    private static int cutHash(String id, int cut) {
        int h = 0;
        for (int i = 0; i < cut; i++) {
            h = 31 * h + id.charAt(i);
        }
        return 31 * h + ELLIPSIS;
    }

    private static boolean matches(String kept, String id, int cut) {
        if (cut < 0) {
            return kept.equals(id);
        }
        return kept.length() == cut + 1 && kept.charAt(cut) == ELLIPSIS && kept.regionMatches(0, id, 0, cut);
    }

    /**
     * The top bits of the hash times 2^32 / golden ratio (Fibonacci hashing). Ids that differ in their
     * last characters ("client-17", "client-18") have {@code String} hashes in runs, which put side by
     * side in a linear-probing table make clusters: 5 cells per failed probe instead of under 2.
     */
    private static int home(int hash) {
        return hash * 0x9E3779B9 >>> 32 - TABLE_BITS;
    }

    private int find(String id, int cut, int hash) {
        for (int i = home(hash); table[i] != 0; i = i + 1 & TABLE_MASK) {
            int slot = table[i] - 1;
            if (hashes[slot] == hash && matches(ids[slot], id, cut)) {
                return slot;
            }
        }
        return -1;
    }

    private void link(int slot) {
        int i = home(hashes[slot]);
        while (table[i] != 0) {
            i = i + 1 & TABLE_MASK;
        }
        table[i] = slot + 1;
    }

    /** Removes {@code slot} from the table, shifting back the cells that probed past it (Knuth's algorithm R). */
    private void unlink(int slot) {
        int free = home(hashes[slot]);
        while (table[free] != slot + 1) {
            free = free + 1 & TABLE_MASK;
        }
        for (int i = free + 1 & TABLE_MASK; table[i] != 0; i = i + 1 & TABLE_MASK) {
            int h = home(hashes[table[i] - 1]);
            boolean staysPut = free <= i ? free < h && h <= i : free < h || h <= i;
            if (!staysPut) {
                table[free] = table[i];
                free = i;
            }
        }
        table[free] = 0;
    }

    /** A new client's first rejection: last of the bucket of 1, made below all others if missing. */
    private void enterAtOne(int slot) {
        int b = lowest != NONE && bucketCount[lowest] == 1 ? lowest : newBucket(1, NONE, lowest);
        append(slot, b);
    }

    /** One more rejection of a kept client: from its bucket to the last place of the next count's. */
    private void moveUp(int slot) {
        int b = bucketOf[slot];
        long count = bucketCount[b] + 1;
        int up = higher[b];
        if (up != NONE && bucketCount[up] == count) {
            detach(slot, b);
            if (first[b] == NONE) {
                dropBucket(b);
            }
            append(slot, up);
        } else if (first[b] == slot && latest[b] == slot) {
            // Alone in its bucket: the bucket moves up with it, still between its neighbours.
            bucketCount[b] = count;
        } else {
            detach(slot, b);
            append(slot, newBucket(count, b, up));
        }
    }

    private void detach(int slot, int b) {
        int p = before[slot];
        int n = after[slot];
        if (p == NONE) {
            first[b] = n;
        } else {
            after[p] = n;
        }
        if (n == NONE) {
            latest[b] = p;
        } else {
            before[n] = p;
        }
    }

    private void append(int slot, int b) {
        int tail = latest[b];
        before[slot] = tail;
        after[slot] = NONE;
        if (tail == NONE) {
            first[b] = slot;
        } else {
            after[tail] = slot;
        }
        latest[b] = slot;
        bucketOf[slot] = b;
    }

    /** An empty bucket of {@code count} between buckets {@code below} and {@code above} (either NONE). */
    private int newBucket(long count, int below, int above) {
        int b = freeBuckets[--freeBucketCount];
        bucketCount[b] = count;
        first[b] = NONE;
        latest[b] = NONE;
        lower[b] = below;
        higher[b] = above;
        if (below == NONE) {
            lowest = b;
        } else {
            higher[below] = b;
        }
        if (above != NONE) {
            lower[above] = b;
        }
        return b;
    }

    private void dropBucket(int b) {
        int below = lower[b];
        int above = higher[b];
        if (below == NONE) {
            lowest = above;
        } else {
            higher[below] = above;
        }
        if (above != NONE) {
            lower[above] = below;
        }
        freeBuckets[freeBucketCount++] = b;
    }
}
