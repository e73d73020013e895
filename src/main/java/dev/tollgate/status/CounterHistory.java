package dev.tollgate.status;

import dev.tollgate.internal.StatusSource;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * The filters' counters as they were over the last minute, one snapshot every
 * {@value #SAMPLE_MILLIS} ms, so that the page shows what happened in the last minute without the
 * request path counting anything twice: the filters count since start, and the last minute is the
 * total now less the total a minute ago. A filter that started within the minute counted from 0.
 * Holds at most {@code 60 / 5 + 1} snapshots per filter; a filter gone is forgotten at the next
 * sample.
 */
final class CounterHistory {

    static final long SAMPLE_MILLIS = 5_000;
    static final long MINUTE_MILLIS = 60_000;

    private record Snapshot(long atMillis, Map<String, Long> counters) {
    }

    /** What the last minute is measured against: the totals at its start, {@code seconds} ago. */
    record Window(long seconds, Map<String, Long> base) {

        /** How much {@code name} grew since the window's start, {@code total} now. */
        long delta(String name, long total) {
            Long before = base.get(name);
            return before == null ? total : Math.max(0, total - before);
        }
    }

    private final Map<StatusSource, Deque<Snapshot>> snapshots = new IdentityHashMap<>();

    /** Takes a snapshot of every source's counters at {@code nowMillis}, and forgets sources gone. */
    synchronized void sample(Collection<StatusSource> sources, long nowMillis) {
        Set<StatusSource> live = Collections.newSetFromMap(new IdentityHashMap<>());
        live.addAll(sources);
        snapshots.keySet().retainAll(live);
        for (StatusSource source : sources) {
            Deque<Snapshot> kept = snapshots.computeIfAbsent(source, s -> new ArrayDeque<>());
            kept.addLast(new Snapshot(nowMillis, source.counters()));
            // Keep the newest snapshot at least a minute old, and all younger ones.
            while (kept.size() > 1 && nowMillis - secondOf(kept).atMillis() >= MINUTE_MILLIS) {
                kept.removeFirst();
            }
        }
    }

    private static Snapshot secondOf(Deque<Snapshot> kept) {
        Iterator<Snapshot> it = kept.iterator();
        it.next();
        return it.next();
    }

    /**
     * The window of the last minute for {@code source} at {@code nowMillis}: from the snapshot
     * closest to a minute old (but not older); from the filter's start, with zeros, when it
     * started within the minute or before the page had a snapshot of it.
     */
    synchronized Window lastMinute(StatusSource source, Map<String, Long> now, long nowMillis) {
        long started = source.startedAt().toEpochMilli();
        if (nowMillis - started <= MINUTE_MILLIS) {
            return new Window(Math.max(0, (nowMillis - started) / 1000), Map.of());
        }
        Deque<Snapshot> kept = snapshots.get(source);
        if (kept != null) {
            for (Snapshot snapshot : kept) {
                if (nowMillis - snapshot.atMillis() <= MINUTE_MILLIS) {
                    return new Window((nowMillis - snapshot.atMillis()) / 1000, snapshot.counters());
                }
            }
        }
        // No snapshot within the minute (the page has just started): everything since the filter started.
        return new Window((nowMillis - started) / 1000, Map.of());
    }
}
