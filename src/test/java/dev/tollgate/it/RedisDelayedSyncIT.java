package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Four nodes (two Jetty, two Tomcat) of one application with {@code redis-sync=delayed} on one
 * Redis ({@code src/test/webapps/redis-sync}): many clients, each sending from many threads to all
 * nodes at once, never get more than the limit plus four times {@code redis-sync-tokens}, and never
 * less than the limit.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisDelayedSyncIT {

    private static final String PREFIX = "tollgate-it-RedisDelayedSyncIT:";
    private static final int LIMIT = 30;
    private static final int SYNC_TOKENS = 4;

    private RedisTestSupport redis;
    private final List<EmbeddedContainer> nodes = List.of(EmbeddedContainer.jetty(), EmbeddedContainer.tomcat(),
            EmbeddedContainer.jetty(), EmbeddedContainer.tomcat());

    @BeforeAll
    void start() throws Exception {
        redis = RedisTestSupport.connect();
        redis.deleteKeys(PREFIX);
        Path webapp = WebappTemplate.fill("redis-sync", Map.of("REDIS_URI", RedisTestSupport.URI, "PREFIX", PREFIX,
                "LIMITS", LIMIT + "/1h", "SYNC", "delayed", "SYNC_TOKENS", String.valueOf(SYNC_TOKENS), "SYNC_INTERVAL", "50"));
        for (EmbeddedContainer node : nodes) {
            node.start(webapp);
        }
    }

    @AfterAll
    void stop() throws Exception {
        for (EmbeddedContainer node : nodes) {
            node.close();
        }
        if (redis != null) {
            redis.deleteKeys(PREFIX);
            redis.close();
        }
    }

    @Test
    void shouldAdmitEachClientAtMostTheLimitPlusNodesTimesSyncTokens() throws Exception {
        int clients = 12;
        int threads = 12;
        int perThread = 120;
        AtomicIntegerArray admitted = new AtomicIntegerArray(clients);
        AtomicIntegerArray rejected = new AtomicIntegerArray(clients);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < perThread; i++) {
                        int client = (thread * 5 + i) % clients;
                        EmbeddedContainer node = nodes.get((thread + i) % nodes.size());
                        Http.Response r = Http.get(node.port(), "/api/items", "X-Forwarded-For: 198.51.100." + (client + 1));
                        if (r.status() == 200) {
                            admitted.incrementAndGet(client);
                        } else if (r.status() == 429) {
                            rejected.incrementAndGet(client);
                        }
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : futures) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        int bound = LIMIT + nodes.size() * SYNC_TOKENS;
        int most = 0;
        for (int c = 0; c < clients; c++) {
            assertEquals(threads * perThread / clients, admitted.get(c) + rejected.get(c), "client " + c + ": only 200 and 429");
            assertTrue(admitted.get(c) >= LIMIT, "client " + c + " got " + admitted.get(c) + ", less than the limit " + LIMIT);
            assertTrue(admitted.get(c) <= bound, "client " + c + " got " + admitted.get(c) + ", more than " + bound);
            most = Math.max(most, admitted.get(c));
        }
        System.out.printf("delayed sync over HTTP, %d nodes, %d tokens: most admitted to one client %d (limit %d, bound %d)%n",
                nodes.size(), SYNC_TOKENS, most, LIMIT, bound);
        assertTrue(redis.keys(PREFIX).contains(PREFIX + "rate-limit:default:ip:198.51.100.1"), () -> redis.keys(PREFIX).toString());
    }
}
