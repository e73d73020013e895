package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many clients at once, each sending its requests alternately to every container: what each got.
 * Every answer must be a 200 or a 429 from the shared limit.
 */
final class SharedLimitLoad {

    private SharedLimitLoad() {
    }

    /** Requests allowed per client, after {@code requests} requests of each client in {@code clients} over {@code threads} threads. */
    static Map<String, Integer> allowedPerClient(List<EmbeddedContainer> containers, String path, List<String> clients,
                                                 int requests, int threads) throws Exception {
        Map<String, AtomicInteger> allowed = new ConcurrentHashMap<>();
        clients.forEach(c -> allowed.put(c, new AtomicInteger()));
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    for (int i = thread; i < clients.size() * requests; i += threads) {
                        String client = clients.get(i % clients.size());
                        EmbeddedContainer container = containers.get((i / clients.size()) % containers.size());
                        Http.Response r = Http.get(container.port(), path, "X-Client: " + client);
                        assertTrue(r.status() == 200 || r.status() == 429, () -> container.name() + ": " + r);
                        if (r.status() == 200) {
                            allowed.get(client).incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        Map<String, Integer> result = new java.util.TreeMap<>();
        allowed.forEach((c, n) -> result.put(c, n.get()));
        return result;
    }

    /**
     * Waits until a new client on each container is counted through Redis (a 200 with one request
     * used of {@code limit}), so that a first request that times out while the JVM warms up
     * cannot open the circuit in the middle of a test.
     */
    static void awaitCounting(List<EmbeddedContainer> containers, String path, int limit) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (EmbeddedContainer c : containers) {
            while (true) {
                Http.Response r = Http.get(c.port(), path, "X-Client: warm-up-" + System.nanoTime());
                if (r.status() == 200 && String.valueOf(limit - 1).equals(r.header("X-Throttle-Remaining"))) {
                    break;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(c.name() + " does not count through Redis within 30 s: " + r);
                }
                Thread.sleep(100);
            }
        }
    }

    /** The same count for every client. */
    static Map<String, Integer> each(List<String> clients, int count) {
        Map<String, Integer> result = new java.util.TreeMap<>();
        clients.forEach(c -> result.put(c, count));
        return result;
    }
}
