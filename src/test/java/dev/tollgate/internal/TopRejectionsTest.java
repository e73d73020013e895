package dev.tollgate.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.internal.TopRejections.Client;
import dev.tollgate.internal.TopRejections.Window;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TopRejectionsTest {

    /** On an hour boundary, so that every sub-window starts at START plus a whole number of steps. */
    private static final long START = Math.floorDiv(1_700_000_000_000L, 3_600_000L) * 3_600_000L;
    private static final int ONE_MILLION = 1_000_000;

    private final AtomicLong clock = new AtomicLong(START);
    private final TopRejections rejections = new TopRejections(clock::get);

    private void at(long millisAfterStart, String id) {
        clock.set(START + millisAfterStart);
        rejections.record(id, "default-1m", START + millisAfterStart + 1_000);
    }

    private static List<String> ids(List<Client> clients) {
        return clients.stream().map(Client::id).toList();
    }

    private Client only(Window window, String id) {
        List<Client> matching = rejections.top(window, TopRejections.maxEntries()).stream()
                .filter(c -> c.id().equals(id)).toList();
        assertEquals(1, matching.size(), () -> id + " listed once in " + window);
        return matching.get(0);
    }

    @Test
    void shouldListMostRejectedFirstThenMostRecentAndCutToN() {
        at(0, "a");
        at(100, "a");
        at(200, "a");
        // x and y tie at 2; y was rejected last although x came first and sorts first by name.
        at(1_000, "x");
        at(2_000, "y");
        at(3_000, "x");
        at(4_000, "y");
        at(5_000, "d");
        clock.set(START + 6_000);
        for (Window window : Window.values()) {
            List<Client> all = rejections.top(window, 10);
            assertEquals(List.of("a", "y", "x", "d"), ids(all), window.name());
            assertEquals(List.of(3L, 2L, 2L, 1L), all.stream().map(Client::rejections).toList(), window.name());
            assertTrue(all.stream().allMatch(c -> c.overestimate() == 0), "nothing was evicted: " + all);
            assertEquals(List.of("a", "y"), ids(rejections.top(window, 2)), window.name());
            assertEquals(List.of(), rejections.top(window, 0), window.name());
        }
    }

    @Test
    void shouldRejectANegativeN() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rejections.top(Window.MINUTE, -1));
        assertEquals("n [-1] must be at least 0", e.getMessage());
    }

    /** The minute is six sub-windows of 10 s: a rejection stays at least 50 s and leaves within 60 s. */
    @ParameterizedTest
    @ValueSource(longs = {0, 5_000, 9_999})
    void shouldForgetTheMinuteWithinSixtySecondsWhileTheHourKeepsIt(long offsetInSubWindow) {
        at(offsetInSubWindow, "a");
        at(offsetInSubWindow, "a");
        clock.set(START + offsetInSubWindow + 49_999);
        assertEquals(List.of("a"), ids(rejections.top(Window.MINUTE, 20)), "at 49.999 s");
        clock.set(START + offsetInSubWindow + 60_000);
        assertEquals(List.of(), rejections.top(Window.MINUTE, 20), "at 60 s");
        assertEquals(2, only(Window.HOUR, "a").rejections(), "the hour still has it at 60 s");

        at(offsetInSubWindow + 60_000, "a");
        assertEquals(1, only(Window.MINUTE, "a").rejections(), "the reused sub-window starts again from nothing");
        assertEquals(3, only(Window.HOUR, "a").rejections());
    }

    /** The hour is twelve sub-windows of 5 min: a rejection stays at least 55 min and leaves within 60 min. */
    @ParameterizedTest
    @ValueSource(longs = {0, 150_000, 299_999})
    void shouldForgetTheHourWithinSixtyMinutes(long offsetInSubWindow) {
        at(offsetInSubWindow, "a");
        clock.set(START + offsetInSubWindow + 55 * 60_000 - 1);
        assertEquals(List.of("a"), ids(rejections.top(Window.HOUR, 20)), "at 54:59.999");
        clock.set(START + offsetInSubWindow + 60 * 60_000);
        assertEquals(List.of(), rejections.top(Window.HOUR, 20), "at 60 min");
        assertEquals(List.of(), rejections.top(Window.MINUTE, 20), "at 60 min");
        assertEquals(0, rejections.entries(), "the expired sub-windows were emptied");
    }

    /**
     * Space-Saving's guarantee: a client with more than N / CAPACITY of a sub-window's N rejections is
     * kept, with a count at or above the truth and at most its overestimate above it, however many
     * one-off clients come between. Spread over 55 s: six minute sub-windows, one hour sub-window.
     */
    @Test
    void shouldKeepHeavyClientsAmongAMillionOneOffsWithBoundedCounts() {
        List<String> heavy = List.of("heavy-1", "heavy-2", "heavy-3");
        int heavyEvery = 50;
        int perHeavy = ONE_MILLION / heavyEvery;
        long total = ONE_MILLION + (long) heavy.size() * perHeavy;
        assertTrue(perHeavy > total / TopRejections.CAPACITY, "each heavy client is above N / CAPACITY");

        long event = 0;
        for (int i = 0; i < ONE_MILLION; i++) {
            clock.set(START + event++ * 55_000 / total);
            rejections.record("one-off-" + i, "default-1m", 0);
            if (i % heavyEvery == 0) {
                for (String id : heavy) {
                    clock.set(START + event++ * 55_000 / total);
                    rejections.record(id, "default-1m", 0);
                }
            }
        }

        for (Window window : Window.values()) {
            Map<String, Client> listed = rejections.top(window, 20).stream()
                    .collect(Collectors.toMap(Client::id, c -> c));
            for (String id : heavy) {
                Client c = listed.get(id);
                assertNotNull(c, () -> id + " in the " + window + " list " + listed.keySet());
                assertTrue(c.rejections() >= perHeavy, () -> window + " " + c + " under the truth " + perHeavy);
                assertTrue(c.rejections() - c.overestimate() <= perHeavy,
                        () -> window + " " + c + " more than its overestimate above the truth " + perHeavy);
            }
        }
    }

    @Test
    void shouldReplaceTheLeastRejectedClientStartingAtItsCountPlusOne() {
        at(0, "low");
        for (int i = 1; i < TopRejections.CAPACITY; i++) {
            at(i, "client-" + i);
            at(i, "client-" + i);
        }
        at(100, "new");
        List<Client> all = rejections.top(Window.MINUTE, TopRejections.maxEntries());
        assertEquals(TopRejections.CAPACITY, all.size());
        assertFalse(ids(all).contains("low"), "the client with the fewest rejections made room");
        Client replacing = only(Window.MINUTE, "new");
        assertEquals(2, replacing.rejections(), "its count: the replaced one's plus one");
        assertEquals(1, replacing.overestimate(), "its error: the replaced one's count");
    }

    /** A client replaced in one sub-window could have had up to that sketch's smallest count there. */
    @Test
    void shouldCountWhatAClientCouldHaveHadInASubWindowThatReplacedIt() {
        at(0, "a");
        at(1, "a");
        at(2, "a");
        at(10_000, "a");
        for (int i = 0; i < TopRejections.CAPACITY; i++) {
            at(10_001 + i, "client-" + i);
            at(10_001 + i, "client-" + i);
        }
        Client a = only(Window.MINUTE, "a");
        assertTrue(a.rejections() >= 4, a::toString);
        assertTrue(a.rejections() - a.overestimate() <= 4, a::toString);
        Client inTheHour = only(Window.HOUR, "a");
        assertEquals(4, inTheHour.rejections(), "the hour's one sub-window kept it throughout");
        assertEquals(0, inTheHour.overestimate());
    }

    /**
     * The heap and the probe table against the plain algorithm (a scan for the smallest count, the
     * least recently rejected first among equals) on a skewed random stream, with ids whose hashes
     * collide ("Aa" and "BB" hash alike) so that replacing them shifts probe chains.
     */
    @Test
    void shouldKeepWhatThePlainAlgorithmKeeps() {
        Random random = new Random(42);
        List<String> colliding = new ArrayList<>();
        // More of them than the sketch keeps, so that they are replaced too.
        for (int i = 0; i < 256; i++) {
            StringBuilder id = new StringBuilder();
            for (int bit = 0; bit < 8; bit++) {
                id.append((i >> bit & 1) == 0 ? "Aa" : "BB");
            }
            colliding.add(id.toString());
        }
        // id -> {count, error, step of its last rejection}
        Map<String, long[]> plain = new HashMap<>();
        for (int step = 0; step < 200_000; step++) {
            String id = random.nextInt(3) == 0 ? colliding.get(random.nextInt(colliding.size()))
                    : "c" + (int) Math.pow(random.nextDouble() * 30, 2.2);
            rejections.record(id, "default-1m", 0);
            long[] entry = plain.get(id);
            if (entry == null) {
                long[] smallest = null;
                String smallestId = null;
                if (plain.size() == TopRejections.CAPACITY) {
                    for (Map.Entry<String, long[]> e : plain.entrySet()) {
                        long[] v = e.getValue();
                        if (smallest == null || v[0] < smallest[0] || v[0] == smallest[0] && v[2] < smallest[2]) {
                            smallest = v;
                            smallestId = e.getKey();
                        }
                    }
                    plain.remove(smallestId);
                }
                entry = smallest == null ? new long[] {0, 0, 0} : new long[] {smallest[0], smallest[0], 0};
                plain.put(id, entry);
            }
            entry[0]++;
            entry[2] = step;
        }
        Map<String, List<Long>> expected = plain.entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> List.of(e.getValue()[0], e.getValue()[1])));
        Map<String, List<Long>> actual = rejections.top(Window.MINUTE, TopRejections.maxEntries()).stream()
                .collect(Collectors.toMap(Client::id, c -> List.of(c.rejections(), c.overestimate())));
        assertEquals(expected, actual);
    }

    @ParameterizedTest
    @ValueSource(ints = {12, TopRejections.MAX_ID_LENGTH * 10})
    void shouldNeverHoldMoreThanMaxEntriesOrLongerIdsUnderAMillionDistinctClients(int idLength) {
        char[] template = new char[idLength];
        Arrays.fill(template, 'x');
        int most = 0;
        for (int i = 0; i < ONE_MILLION; i++) {
            // The number first, so that ids cut to MAX_ID_LENGTH stay distinct; 3.6 ms apart: an hour.
            char[] id = template.clone();
            String number = Integer.toString(i);
            number.getChars(0, number.length(), id, 0);
            clock.set(START + i * 3_600L / 1_000L);
            rejections.record(new String(id), "default-1m", 0);
            int entries = rejections.entries();
            assertTrue(entries <= TopRejections.maxEntries(), () -> entries + " entries");
            most = Math.max(most, entries);
        }
        assertEquals(TopRejections.maxEntries(), most, "every sketch filled up, and no further");

        List<Client> kept = new ArrayList<>(rejections.top(Window.HOUR, Integer.MAX_VALUE));
        kept.addAll(rejections.top(Window.MINUTE, Integer.MAX_VALUE));
        assertFalse(kept.isEmpty());
        for (Client c : kept) {
            assertTrue(c.id().length() <= TopRejections.MAX_ID_LENGTH, () -> c.id().length() + " chars");
            if (idLength > TopRejections.MAX_ID_LENGTH) {
                assertTrue(c.id().endsWith("\u2026"), c.id());
            }
        }
    }

    @Test
    void shouldCountALongIdUnderItsCutFormWithoutSplittingASurrogatePair() {
        String prefix = "a".repeat(TopRejections.MAX_ID_LENGTH - 2);
        // An emoji (two chars) straddles the cut: it goes whole, and the id keeps 126 chars and the ellipsis.
        at(0, prefix + "\uD83D\uDE00" + "-one");
        at(1, prefix + "\uD83D\uDE00" + "-two");
        Client c = only(Window.MINUTE, prefix + "\u2026");
        assertEquals(2, c.rejections(), "ids alike up to the cut are one client");
        assertEquals(TopRejections.MAX_ID_LENGTH - 1, c.id().length());

        String b = "b".repeat(TopRejections.MAX_ID_LENGTH * 10);
        at(2, b);
        at(3, b);
        at(4, "b".repeat(TopRejections.MAX_ID_LENGTH - 1) + "\u2026");
        Client cutB = only(Window.HOUR, "b".repeat(TopRejections.MAX_ID_LENGTH - 1) + "\u2026");
        assertEquals(3, cutB.rejections(), "the cut form itself is the same client");
        assertEquals(TopRejections.MAX_ID_LENGTH, cutB.id().length());
    }

    @Test
    void shouldCountANullIdAsEmpty() {
        at(0, null);
        at(1, "");
        assertEquals(2, only(Window.MINUTE, "").rejections());
    }

    @Test
    void shouldTakeTheLimitAndTimesOfTheLatestRejection() {
        clock.set(START + 1_000);
        rejections.record("a", "burst-1s", START + 2_000);
        clock.set(START + 5_000);
        rejections.record("a", "default-1m", START + 60_000);
        Client c = only(Window.MINUTE, "a");
        assertEquals("default-1m", c.limit());
        assertEquals(START + 5_000, c.lastRejectedMillis());
        assertEquals(START + 60_000, c.nextTokenMillis());

        // In a later sub-window of both windows, with no limit known.
        clock.set(START + 310_000);
        rejections.record("a", null, START + 311_000);
        clock.set(START + 320_000);
        rejections.record("b", "daily", START + 400_000);
        for (Window window : Window.values()) {
            Client later = only(window, "a");
            assertNull(later.limit(), window.name());
            assertEquals(START + 310_000, later.lastRejectedMillis(), window.name());
            assertEquals(START + 311_000, later.nextTokenMillis(), window.name());
        }
        assertEquals(3, only(Window.HOUR, "a").rejections());
        assertEquals(1, only(Window.MINUTE, "a").rejections());
    }

    @Test
    void shouldCountExactlyUnderEightRecordingThreadsWhileAnotherReads() throws Exception {
        int threads = 8;
        int clients = TopRejections.CAPACITY - 4;
        // Each thread cycles through every client the same number of times.
        int perThread = clients * 1_000;
        CountDownLatch go = new CountDownLatch(1);
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t;
                writers.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < perThread; i++) {
                        rejections.record("client-" + (first + i) % clients, "default-1m", 0);
                    }
                    return null;
                }));
            }
            Future<Integer> reader = pool.submit(() -> {
                go.await();
                int reads = 0;
                while (writing.get()) {
                    for (Window window : Window.values()) {
                        for (Client c : rejections.top(window, 20)) {
                            assertEquals(0, c.overestimate(), c::toString);
                            assertTrue(c.rejections() <= (long) threads * perThread / clients, c::toString);
                        }
                    }
                    reads++;
                }
                return reads;
            });
            go.countDown();
            for (Future<?> writer : writers) {
                writer.get(60, TimeUnit.SECONDS);
            }
            writing.set(false);
            assertTrue(reader.get(60, TimeUnit.SECONDS) > 0, "the reader read while the writers wrote");
        } finally {
            pool.shutdownNow();
        }

        for (Window window : Window.values()) {
            List<Client> all = rejections.top(window, clients + 1);
            assertEquals(clients, all.size(), window.name());
            for (Client c : all) {
                assertEquals((long) threads * perThread / clients, c.rejections(), c::toString);
                assertEquals(0, c.overestimate(), c::toString);
            }
        }
    }
}
