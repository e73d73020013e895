package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.TestInstance;

/**
 * Many threads at the edges, over HTTP ({@code src/test/webapps/concurrency}): {@value #THREADS}
 * threads never get more than the limit, on one node (the local store), across a Jetty and a Tomcat
 * node on one Redis (a redis-server this test starts), while the keys file is replaced many times a
 * second, and while one node is redeployed with other limits: changed limits count what was used.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConcurrencyEdgesIT {

    static final int THREADS = 64;
    static final int LIMIT = 50;
    /** Requests at once, half to each node, right after a node is redeployed with changed limits. */
    static final int CHANGE_BURST = 32;
    static final int CLIENTS = 12;
    /** The plans of {@code /change/*} (clients 9 to 12) before a node is redeployed, and after. */
    static final String PLANS = "tighter: 100/1d; several: 100/1d, 1000/7d; looser: 3/1d; used-up: 10/1d";
    static final String CHANGED_PLANS = "tighter: 30/1d; several: 50/1d, 400/7d; looser: 10/1d; used-up: 3/1d";

    private final List<EmbeddedContainer> nodes = new ArrayList<>(List.of(EmbeddedContainer.jetty(), EmbeddedContainer.tomcat()));
    private RedisServerProcess redis;
    private Path keysFile;

    @BeforeAll
    void start() throws Exception {
        redis = RedisServerProcess.start();
        keysFile = Files.createTempFile("tollgate-concurrency-keys", ".txt");
        writeKeys(0);
        Path webapp = webapp(LIMIT + "/1h", PLANS);
        for (EmbeddedContainer node : nodes) {
            node.start(webapp);
        }
    }

    @AfterAll
    void stop() throws Exception {
        for (EmbeddedContainer node : nodes) {
            node.close();
        }
        redis.close();
        Files.deleteIfExists(keysFile);
    }

    @Test
    void shouldAdmitExactlyTheLimitToManyThreadsOnOneNode() throws Exception {
        for (int n = 0; n < nodes.size(); n++) {
            int node = n;
            Map<Integer, Integer> statuses = load("/local/x", client(1 + node), THREADS * 3, i -> node);
            assertEquals(LIMIT, statuses.getOrDefault(200, 0), nodes.get(node).name() + ": " + statuses);
            assertEquals(THREADS * 3 - LIMIT, statuses.getOrDefault(429, 0), nodes.get(node).name() + ": " + statuses);
        }
    }

    @Test
    void shouldAdmitExactlyTheLimitToManyThreadsAcrossTwoNodesOnOneRedis() throws Exception {
        Map<Integer, Integer> statuses = load("/shared/x", client(3), THREADS * 3, i -> i % 2);
        assertEquals(Map.of(200, LIMIT, 429, THREADS * 3 - LIMIT), statuses);
    }

    @Test
    void shouldAdmitExactlyTheLimitWhileTheKeysFileIsReplaced() throws Exception {
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger versions = new AtomicInteger();
        Thread writer = new Thread(() -> {
            while (writing.get()) {
                try {
                    writeKeys(versions.incrementAndGet());
                    Thread.sleep(20);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "keys-writer");
        writer.start();
        try {
            // Long enough for several reloads (every second) to happen while the threads run.
            Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            int round = 0;
            while (System.nanoTime() < until) {
                load("/shared/x", client(4), THREADS, i -> i % 2).forEach((k, v) -> statuses.merge(k, v, Integer::sum));
                round++;
            }
            int sent = round * THREADS;
            assertEquals(Map.of(200, LIMIT, 429, sent - LIMIT), Map.copyOf(statuses),
                    "no 401 while the file was replaced " + versions.get() + " times");
        } finally {
            writing.set(false);
            writer.join();
        }
    }

    /**
     * A rolling deploy: the Tomcat node is redeployed with changed plans while the Jetty node keeps
     * the old ones, and the first requests after it come {@value #CHANGE_BURST} at once to both:
     * the new node's first request for a bucket changes its limits, and from then on each limit
     * leaves its new capacity less what was used (never below 0) on both nodes. Requests the old
     * node decides before the change count as used, so the totals are exact whatever the order.
     * Before the last test: it leaves the Tomcat node on the changed plans.
     */
    @Test
    @Order(Integer.MAX_VALUE - 1)
    void shouldCountWhatWasUsedWhenOneNodeIsRedeployedWithChangedLimits() throws Exception {
        String tighter = client(9);
        String several = client(10);
        String looser = client(11);
        String usedUp = client(12);
        assertEquals(Map.of(200, 10), load("/change/x", tighter, 10, i -> i % 2));
        assertEquals(Map.of(200, 30), load("/change/x", several, 30, i -> i % 2));
        assertEquals(Map.of(200, 3, 429, 1), load("/change/x", looser, 4, i -> i % 2));
        assertEquals(Map.of(200, 3), load("/change/x", usedUp, 3, i -> i % 2));

        nodes.get(1).close();
        EmbeddedContainer redeployed = EmbeddedContainer.tomcat();
        redeployed.start(webapp(LIMIT + "/1h", CHANGED_PLANS));
        nodes.set(1, redeployed);

        assertEquals(Map.of(200, 20, 429, CHANGE_BURST - 20), load("/change/x", tighter, CHANGE_BURST, i -> i % 2),
                "100/1d to 30/1d with 10 used: 20 left");
        assertEquals(Map.of(200, 20, 429, CHANGE_BURST - 20), load("/change/x", several, CHANGE_BURST, i -> i % 2),
                "100/1d, 1000/7d to 50/1d, 400/7d with 30 used: 20 left of the day");
        assertEquals(Map.of(200, 7, 429, CHANGE_BURST - 7), load("/change/x", looser, CHANGE_BURST, i -> i % 2),
                "3/1d to 10/1d with 3 used: 7 left");
        assertEquals(429, Http.get(nodes.get(1).port(), "/change/x", "X-API-KEY: " + usedUp).status(),
                "10/1d to 3/1d with 3 used: none left");
        assertEquals(Map.of(429, CHANGE_BURST), load("/change/x", usedUp, CHANGE_BURST, i -> i % 2), "none left on either node");
    }

    /** Last: it leaves one node on other limits. */
    @Test
    @Order(Integer.MAX_VALUE)
    void shouldNeverAdmitMoreThanTheLooserLimitWhileOneNodeIsRedeployedWithTighterLimits() throws Exception {
        String client = client(5);
        Map<Integer, Integer> before = load("/shared/x", client, 20, i -> i % 2);
        assertEquals(Map.of(200, 20), before);
        AtomicBoolean redeploying = new AtomicBoolean(true);
        Map<Integer, Integer> during = new ConcurrentHashMap<>();
        Thread traffic = new Thread(() -> {
            while (redeploying.get()) {
                try {
                    load("/shared/x", client, 16, i -> 0).forEach((k, v) -> during.merge(k, v, Integer::sum));
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }, "traffic-to-the-other-node");
        traffic.start();
        try {
            nodes.get(1).close();
            EmbeddedContainer redeployed = EmbeddedContainer.tomcat();
            redeployed.start(webapp("30/1h", CHANGED_PLANS));
            nodes.set(1, redeployed);
            load("/shared/x", client, 16, i -> 1).forEach((k, v) -> during.merge(k, v, Integer::sum));
        } finally {
            redeploying.set(false);
            traffic.join();
        }
        int admitted = 20 + during.getOrDefault(200, 0);
        assertTrue(admitted <= LIMIT, () -> admitted + " admitted: more than the looser limit; " + during);
        // A bucket the redeployed node has touched follows the limits deployed last on both nodes.
        assertEquals(200, Http.get(nodes.get(1).port(), "/shared/x", "X-API-KEY: " + client(6)).status());
        Map<Integer, Integer> fresh = load("/shared/x", client(6), 70, i -> i % 2);
        assertEquals(Map.of(200, 29, 429, 41), fresh, "the limits deployed last hold on both nodes");
    }

    /** Sends {@code requests} from {@value #THREADS} threads at once; node of request i: {@code nodeOf}. */
    private Map<Integer, Integer> load(String path, String key, int requests, IntUnaryOperator nodeOf) throws Exception {
        Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        AtomicInteger next = new AtomicInteger();
        CountDownLatch ready = new CountDownLatch(THREADS);
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Thread thread = new Thread(() -> {
                ready.countDown();
                try {
                    go.await();
                    for (int i = next.getAndIncrement(); i < requests; i = next.getAndIncrement()) {
                        int port = nodes.get(nodeOf.applyAsInt(i)).port();
                        statuses.merge(Http.get(port, path, "X-API-KEY: " + key).status(), 1, Integer::sum);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            thread.start();
            threads.add(thread);
        }
        ready.await();
        go.countDown();
        for (Thread thread : threads) {
            thread.join(60_000);
        }
        assertEquals(List.of(), failures);
        return Map.copyOf(statuses);
    }

    private Path webapp(String sharedLimits, String changePlans) throws IOException {
        return WebappTemplate.fill("concurrency", Map.of("KEYS_FILE", keysFile.toString(), "REDIS_URI", redis.uri(),
                "SHARED_LIMITS", sharedLimits, "CHANGE_PLANS", changePlans));
    }

    private static String client(int n) {
        return "tg_concurrency-client-" + n;
    }

    /** Replaces the keys file as docs/api-keys.md says (write beside it, then rename): the clients, and one line that changes. */
    private void writeKeys(int version) throws IOException {
        StringBuilder text = new StringBuilder("# version " + version + "\n");
        for (int n = 1; n <= CLIENTS; n++) {
            text.append("client-").append(n).append(' ').append(sha256(client(n))).append('\n');
        }
        text.append("rotating-").append(version).append(' ').append(sha256("tg_rotating-" + version)).append('\n');
        Path next = keysFile.resolveSibling(keysFile.getFileName() + ".next");
        Files.writeString(next, text);
        Files.move(next, keysFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String sha256(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
