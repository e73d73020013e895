package dev.tollgate.bench;

import dev.tollgate.internal.TopRejections;
import dev.tollgate.internal.TopRejections.Client;
import dev.tollgate.internal.TopRejections.Window;
import dev.tollgate.ratelimit.StoreFootprint;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The heap a {@link TopRejections} holds once full: one million distinct clients, each id
 * {@link TopRejections#MAX_ID_LENGTH} characters (the longest kept whole), rejected over a simulated
 * hour so that every sub-window of both windows fills. Heap used after several collections, before
 * and after; the entries are counted from the two lists (each client was rejected once, so it sits
 * in at most one sub-window of each window). Run with a fixed heap, e.g.
 * {@code java -Xmx1g -cp src/bench/target/benchmarks.jar dev.tollgate.bench.TopRejectionsMemory}.
 */
public final class TopRejectionsMemory {

    private static final int CLIENTS = 1_000_000;
    private static final long HOUR_MILLIS = 3_600_000;

    private TopRejectionsMemory() {
    }

    public static void main(String[] args) throws Exception {
        long start = Math.floorDiv(System.currentTimeMillis(), HOUR_MILLIS) * HOUR_MILLIS;
        AtomicLong clock = new AtomicLong(start);
        char[] template = new char[TopRejections.MAX_ID_LENGTH];
        Arrays.fill(template, 'x');

        long before = StoreFootprint.usedAfterGc();
        TopRejections rejections = new TopRejections(clock::get);
        long empty = StoreFootprint.usedAfterGc();
        for (int i = 0; i < CLIENTS; i++) {
            char[] id = template.clone();
            String number = Integer.toString(i);
            number.getChars(0, number.length(), id, 0);
            clock.set(start + i * HOUR_MILLIS / CLIENTS);
            rejections.record(new String(id), "default-1m", clock.get() + 1_000);
        }
        long full = StoreFootprint.usedAfterGc();

        List<Client> minute = rejections.top(Window.MINUTE, TopRejections.maxEntries());
        List<Client> hour = rejections.top(Window.HOUR, TopRejections.maxEntries());
        int entries = minute.size() + hour.size();
        Set<String> ids = new HashSet<>();
        minute.forEach(c -> ids.add(c.id()));
        hour.forEach(c -> ids.add(c.id()));
        long total = full - before;
        System.out.printf("%,d distinct clients of %d-char ids over an hour into one TopRejections:%n",
                CLIENTS, TopRejections.MAX_ID_LENGTH);
        System.out.printf("  entries held %,d of at most %,d (%,d distinct ids: the two windows share some)%n",
                entries, TopRejections.maxEntries(), ids.size());
        System.out.printf("  heap held when empty %,d bytes; when full %,d bytes = %.0f bytes per entry%n",
                empty - before, total, total / (double) entries);
    }
}
