package dev.tollgate.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The clients a rate-limit filter rejects most, over the last minute and the last hour, in bounded
 * memory whatever the number of distinct clients: what a status page lists. The filter calls
 * {@link #record} on each rejection (never on an allowed request); {@link #top} answers the page.
 *
 * <p>The minute is 6 sub-windows of 10 s and the hour 12 of 5 min, each a Space-Saving sketch of
 * {@link #CAPACITY} clients ({@link SpaceSaving}), so at most {@link #maxEntries()} clients are held.
 * A window therefore reaches back between 50 and 60 s (between 55 and 60 min): a sub-window leaves it
 * whole. A sub-window is emptied and reused when the clock reaches it again, on {@code record} or
 * {@code top}; a clock that steps back never empties a newer one, its rejections count in the
 * sub-window they fall in or a later one. {@code top} sums each client over the sub-windows still
 * inside the window, and for a sub-window that does not keep the client adds the most it could have
 * had there; so a count is an upper bound, at most {@link Client#overestimate()} above the truth, and
 * a client with more than 1 / {@code CAPACITY} of a sub-window's rejections is always kept.
 *
 * <p>{@code record} costs, per window, a probe and a few array writes in constant time under the
 * lock of one sketch, and allocates nothing for a client already kept; a new client costs only the
 * cut copy of an id longer than {@link #MAX_ID_LENGTH}. {@code top} copies each sketch under its lock and
 * merges outside it. Thread-safe.
 *
 * <p>Not API: public because the filters' packages share it; it may change in any release.
 */
public final class TopRejections {

    /** Entries each sub-window's sketch keeps. */
    public static final int CAPACITY = 64;
    /** Longest client id kept; a longer one is cut to this many characters ending in "…". */
    public static final int MAX_ID_LENGTH = 128;

    /** The span {@link #top} looks back over. */
    public enum Window { MINUTE, HOUR }

    /**
     * One client of the list: rejections counted (may be over by at most {@code overestimate}), the
     * limit of its latest rejection, when that was and when its next token comes (Unix millis).
     *
     * @param id the client id as recorded, cut to {@link #MAX_ID_LENGTH}; "" for a null id
     * @param rejections an upper bound of its rejections in the window
     * @param overestimate how far {@code rejections} may be above the truth
     * @param limit the limit of its latest rejection, null when the caller did not know it
     * @param lastRejectedMillis when it was last rejected
     * @param nextTokenMillis when its next token comes, as of its latest rejection
     */
    public record Client(String id, long rejections, long overestimate, String limit, long lastRejectedMillis,
            long nextTokenMillis) {
    }

    private static final int MINUTE_SUB_WINDOWS = 6;
    private static final long MINUTE_STEP_MILLIS = 10_000;
    private static final int HOUR_SUB_WINDOWS = 12;
    private static final long HOUR_STEP_MILLIS = 300_000;
    /** Most rejections first, then the most recent; the id only makes the order total. */
    private static final Comparator<Client> ORDER = Comparator.comparingLong(Client::rejections).reversed()
            .thenComparing(Comparator.comparingLong(Client::lastRejectedMillis).reversed())
            .thenComparing(Client::id);

    private final LongSupplier clockMillis;
    private final Ring minute = new Ring(MINUTE_SUB_WINDOWS, MINUTE_STEP_MILLIS);
    private final Ring hour = new Ring(HOUR_SUB_WINDOWS, HOUR_STEP_MILLIS);

    /** On the wall clock. */
    public TopRejections() {
        this(System::currentTimeMillis);
    }

    /** On {@code clockMillis} (Unix millis), for tests. */
    public TopRejections(LongSupplier clockMillis) {
        this.clockMillis = Objects.requireNonNull(clockMillis, "clockMillis");
    }

    /**
     * One rejection of client {@code id} by {@code limit} (a shared string such as "default-1m",
     * kept by reference; may be null when not known), its next token at {@code nextTokenMillis}.
     * A null id is counted as "", like an empty one; an id longer than {@link #MAX_ID_LENGTH} is
     * counted under its first characters and an ellipsis, so a huge id costs no more memory.
     */
    public void record(String id, String limit, long nextTokenMillis) {
        long now = clockMillis.getAsLong();
        String kept = minute.add(now, id == null ? "" : id, limit, nextTokenMillis);
        hour.add(now, kept, limit, nextTokenMillis);
    }

    /** At most {@code n} clients over the last {@code window}, most rejections first (ties: most recent first). */
    public List<Client> top(Window window, int n) {
        Objects.requireNonNull(window, "window");
        if (n < 0) {
            throw new IllegalArgumentException("n [" + n + "] must be at least 0");
        }
        Ring ring = window == Window.MINUTE ? minute : hour;
        List<Client> clients = merge(ring.snapshots(clockMillis.getAsLong()));
        clients.sort(ORDER);
        return List.copyOf(clients.subList(0, Math.min(n, clients.size())));
    }

    /** The most entries all the sketches can hold together (the memory bound, in entries). */
    public static int maxEntries() {
        return (MINUTE_SUB_WINDOWS + HOUR_SUB_WINDOWS) * CAPACITY;
    }

    /** The entries held now, in all the sketches. */
    int entries() {
        return minute.entries() + hour.entries();
    }

    /**
     * Each client's counts summed over the sub-windows, oldest first, so that of two rejections in
     * the same millisecond the later sub-window's gives the limit. A sub-window that does not keep a
     * client adds what the client could have had there to both its count and its overestimate.
     */
    private static List<Client> merge(List<SpaceSaving.Snapshot> snapshots) {
        long absentTotal = 0;
        Map<String, Merged> byId = new HashMap<>();
        for (SpaceSaving.Snapshot s : snapshots) {
            absentTotal += s.absentBound();
            for (int i = 0; i < s.ids().length; i++) {
                Merged m = byId.computeIfAbsent(s.ids()[i], id -> new Merged());
                m.count += s.counts()[i];
                m.error += s.errors()[i];
                m.presentBound += s.absentBound();
                if (s.last()[i] >= m.last) {
                    m.limit = s.limits()[i];
                    m.last = s.last()[i];
                    m.next = s.next()[i];
                }
            }
        }
        List<Client> clients = new ArrayList<>(byId.size());
        for (Map.Entry<String, Merged> e : byId.entrySet()) {
            Merged m = e.getValue();
            long absent = absentTotal - m.presentBound;
            clients.add(new Client(e.getKey(), m.count + absent, m.error + absent, m.limit, m.last, m.next));
        }
        return clients;
    }

    /** One client's sums while merging. */
    private static final class Merged {
        long count;
        long error;
        /** The absent bounds of the sub-windows that keep the client, to take from the total. */
        long presentBound;
        String limit;
        long last = Long.MIN_VALUE;
        long next;
    }

    /** The sub-windows of one window, each sketch reused in turn and guarded by its own lock. */
    private static final class Ring {
        private final long stepMillis;
        private final SpaceSaving[] sketches;

        Ring(int subWindows, long stepMillis) {
            this.stepMillis = stepMillis;
            this.sketches = new SpaceSaving[subWindows];
            for (int i = 0; i < subWindows; i++) {
                sketches[i] = new SpaceSaving();
            }
        }

        String add(long now, String id, String limit, long nextTokenMillis) {
            long epoch = Math.floorDiv(now, stepMillis);
            SpaceSaving sketch = sketches[(int) Math.floorMod(epoch, (long) sketches.length)];
            synchronized (sketch) {
                if (sketch.epoch() < epoch) {
                    sketch.reset(epoch);
                }
                return sketch.add(id, limit, now, nextTokenMillis);
            }
        }

        /** Copies of the sub-windows inside the window that ends now, oldest first; empties those outside it. */
        List<SpaceSaving.Snapshot> snapshots(long now) {
            long oldest = Math.floorDiv(now, stepMillis) - sketches.length + 1;
            List<SpaceSaving.Snapshot> copies = new ArrayList<>(sketches.length);
            for (SpaceSaving sketch : sketches) {
                synchronized (sketch) {
                    if (sketch.size() == 0) {
                        continue;
                    }
                    if (sketch.epoch() < oldest) {
                        sketch.clear();
                    } else {
                        copies.add(sketch.snapshot());
                    }
                }
            }
            copies.sort(Comparator.comparingLong(SpaceSaving.Snapshot::epoch));
            return copies;
        }

        int entries() {
            int entries = 0;
            for (SpaceSaving sketch : sketches) {
                synchronized (sketch) {
                    entries += sketch.size();
                }
            }
            return entries;
        }
    }
}
