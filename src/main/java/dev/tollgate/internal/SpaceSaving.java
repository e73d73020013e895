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
 * <p>The clients are a binary min-heap by count (then by last touch, so that of equal counts the
 * least recently rejected client goes first), found through an open-addressing table of slot
 * numbers rather than a {@code HashMap}: a rejection of a kept client allocates nothing, a new
 * client only the cut copy of an id over {@link TopRejections#MAX_ID_LENGTH}, and clearing the
 * sub-window for reuse keeps every array.
 *
 * <p>Not thread-safe: {@link TopRejections} holds the sketch's own lock around every call.
 */
final class SpaceSaving {

    /** A copy of a sketch's clients, for merging outside its lock. */
    record Snapshot(long epoch, String[] ids, long[] counts, long[] errors, String[] limits, long[] last, long[] next,
            long absentBound) {
    }

    private static final int CAPACITY = TopRejections.CAPACITY;
    /** Twice the capacity and a power of two: probes stay short and an index is a mask. */
    private static final int TABLE_MASK = Integer.highestOneBit(CAPACITY * 2 - 1) * 2 - 1;
    private static final char ELLIPSIS = '\u2026';

    private final String[] ids = new String[CAPACITY];
    private final int[] hashes = new int[CAPACITY];
    private final long[] counts = new long[CAPACITY];
    private final long[] errors = new long[CAPACITY];
    private final long[] touched = new long[CAPACITY];
    private final String[] limits = new String[CAPACITY];
    private final long[] last = new long[CAPACITY];
    private final long[] next = new long[CAPACITY];
    /** Heap position to slot, and slot to heap position. */
    private final int[] heap = new int[CAPACITY];
    private final int[] position = new int[CAPACITY];
    /** Slot plus one, 0 for a free cell; linear probing, deletion by backward shift. */
    private final int[] table = new int[TABLE_MASK + 1];

    private long epoch = Long.MIN_VALUE;
    private int size;
    private long touches;
    private boolean evicted;

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
        touches = 0;
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
        if (slot < 0) {
            String kept = cut < 0 ? id : id.substring(0, cut) + ELLIPSIS;
            if (size < CAPACITY) {
                slot = size;
                heap[size] = slot;
                position[slot] = size;
                size++;
                counts[slot] = 0;
                errors[slot] = 0;
            } else {
                slot = heap[0];
                unlink(slot);
                errors[slot] = counts[slot];
                evicted = true;
            }
            ids[slot] = kept;
            hashes[slot] = hash;
            link(slot);
        }
        counts[slot]++;
        touched[slot] = ++touches;
        limits[slot] = limit;
        last[slot] = nowMillis;
        next[slot] = nextTokenMillis;
        // A new slot sits at the heap's end (its key may be below others'); a kept or replaced one only grew.
        siftDown(siftUp(position[slot]));
        return ids[slot];
    }

    /**
     * The most rejections here of a client that is not kept: the smallest count once a client was
     * replaced (it may have been that one), else none.
     */
    long absentBound() {
        return evicted ? counts[heap[0]] : 0;
    }

    Snapshot snapshot() {
        return new Snapshot(epoch, Arrays.copyOf(ids, size), Arrays.copyOf(counts, size), Arrays.copyOf(errors, size),
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

    private static int home(int hash) {
        return (hash ^ hash >>> 16) & TABLE_MASK;
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

    private boolean below(int a, int b) {
        return counts[a] < counts[b] || counts[a] == counts[b] && touched[a] < touched[b];
    }

    private int siftUp(int at) {
        int slot = heap[at];
        while (at > 0) {
            int parent = (at - 1) >>> 1;
            if (!below(slot, heap[parent])) {
                break;
            }
            place(heap[parent], at);
            at = parent;
        }
        place(slot, at);
        return at;
    }

    private void siftDown(int at) {
        int slot = heap[at];
        while (true) {
            int child = 2 * at + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && below(heap[child + 1], heap[child])) {
                child++;
            }
            if (!below(heap[child], slot)) {
                break;
            }
            place(heap[child], at);
            at = child;
        }
        place(slot, at);
    }

    private void place(int slot, int at) {
        heap[at] = slot;
        position[slot] = at;
    }
}
