package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.ratelimit.jdbc.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * Two application instances, one on embedded Jetty and one on embedded Tomcat, sharing one table
 * of the real PostgreSQL through {@code src/test/webapps/jdbc-shared} ({@code store=jdbc} with
 * {@code jdbc-url}, limit 50/1h per API-key client, the table created at startup): a client
 * sending 32 requests at a time to both gets exactly the limit in total.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JdbcSharedLimitIT {

    private final TestDatabase db = TestDatabase.POSTGRESQL;
    private final String table = "tollgate_it_shared_" + (System.nanoTime() % 100_000);
    private final EmbeddedContainer jetty = EmbeddedContainer.jetty();
    private final EmbeddedContainer tomcat = EmbeddedContainer.tomcat();

    @BeforeAll
    void start() throws Exception {
        db.drop(table);
        Path webapp = WebappTemplate.fill("jdbc-shared", Map.of("JDBC_URL", db.url().replace("&", "&amp;"), "JDBC_USER", db.user(),
                "JDBC_TABLE", table));
        jetty.start(webapp);
        tomcat.start(webapp);
    }

    @AfterAll
    void stop() throws Exception {
        jetty.close();
        tomcat.close();
        db.drop(table);
    }

    @Test
    void shouldEnforceOneLimitAcrossJettyAndTomcatUnder32ConcurrentRequests() throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(32);
        ConcurrentHashMap<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 32; t++) {
            int thread = t;
            futures.add(clients.submit(() -> {
                go.await();
                for (int i = 0; i < 5; i++) {
                    int port = (thread + i) % 2 == 0 ? jetty.port() : tomcat.port();
                    Http.Response r = Http.get(port, "/api/items", "X-API-KEY: alice-key-0123456789");
                    statuses.computeIfAbsent(r.status(), s -> new AtomicInteger()).incrementAndGet();
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : futures) {
            f.get(60, TimeUnit.SECONDS);
        }
        clients.shutdown();
        assertEquals(50, statuses.getOrDefault(200, new AtomicInteger()).get(), statuses::toString);
        assertEquals(110, statuses.getOrDefault(429, new AtomicInteger()).get(), statuses::toString);
        try (Connection c = db.connect(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT bucket_key, expires_at FROM " + table + " WHERE bucket_key NOT LIKE '%#limits'")) {
            assertTrue(rows.next());
            assertEquals("rate-limit:default:client:alice", rows.getString(1), "the filter name is the namespace; no API key in the table");
            assertTrue(rows.getLong(2) > System.currentTimeMillis(), "the bucket expires");
            assertTrue(!rows.next(), "one bucket");
        }
        // Each node's status page shows the database store, the rejections it answered, and the one shared bucket.
        long rejected = 0;
        for (EmbeddedContainer node : List.of(jetty, tomcat)) {
            JsonNode limiter = Http.get(node.port(), "/tollgate/status.json").json().at("/filters").findParent("top_clients");
            assertEquals("jdbc", limiter.at("/store/store").asText(), limiter.toString());
            assertEquals("closed", limiter.at("/store/circuit").asText());
            assertEquals("client:alice", limiter.at("/top_clients/last_minute/0/client").asText(), limiter.toString());
            rejected += limiter.at("/top_clients/last_minute/0/rejections").asLong();
            JsonNode bucket = Http.get(node.port(), "/tollgate/client.json?id=alice").json().at("/filters/0/buckets/0");
            assertEquals("client:alice", bucket.get("key").asText(), bucket.toString());
            assertEquals(0, bucket.at("/limits/0/remaining").asLong(), "the shared bucket, read from the database: " + bucket);
        }
        assertEquals(110, rejected, "the two nodes' top lists together count every rejection");
    }
}
