package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Two application instances, one on embedded Jetty and one on embedded Tomcat, sharing one Redis
 * through {@code src/test/webapps/redis} (limit 50/1h per API-key client): a client sending to both
 * at once gets exactly the limit in total.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisSharedLimitIT {

    private static final String PREFIX = "tollgate-it-shared:";

    private RedisTestSupport redis;
    private final EmbeddedContainer jetty = EmbeddedContainer.jetty();
    private final EmbeddedContainer tomcat = EmbeddedContainer.tomcat();

    @BeforeAll
    void start() throws Exception {
        redis = RedisTestSupport.connect();
        redis.deleteKeys(PREFIX);
        jetty.start(EmbeddedContainer.webapp("redis"));
        tomcat.start(EmbeddedContainer.webapp("redis"));
    }

    @AfterAll
    void stop() throws Exception {
        jetty.close();
        tomcat.close();
        if (redis != null) {
            redis.deleteKeys(PREFIX);
            redis.close();
        }
    }

    @Test
    void shouldEnforceOneLimitAcrossJettyAndTomcat() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        StatusCounts statuses = new StatusCounts();
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int thread = t;
            futures.add(pool.submit(() -> {
                go.await();
                for (int i = 0; i < 20; i++) {
                    int port = (thread + i) % 2 == 0 ? jetty.port() : tomcat.port();
                    Http.Response r = Http.get(port, "/api/items", "X-API-KEY: alice-key-0123456789");
                    statuses.add(r.status());
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertEquals(50, statuses.count(200), statuses::toString);
        assertEquals(110, statuses.count(429), statuses::toString);
        List<String> keys = redis.keys(PREFIX).stream().filter(k -> !k.endsWith("#limits")).toList();
        assertEquals(List.of(PREFIX + "rate-limit:default:client:alice"), keys, "the filter name is the namespace");
        for (String key : keys) {
            assertFalse(key.contains("alice-key"), "no raw API key in Redis keys: " + key);
        }
        assertTrue(redis.commands().pttl(keys.get(0)) > 0, "the bucket expires");
    }

    /** Counts of each status. */
    private static final class StatusCounts {
        private final ConcurrentHashMap<Integer, AtomicInteger> counts = new ConcurrentHashMap<>();

        void add(int status) {
            counts.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
        }

        int count(int status) {
            AtomicInteger c = counts.get(status);
            return c == null ? 0 : c.get();
        }

        @Override
        public String toString() {
            return counts.toString();
        }
    }
}
