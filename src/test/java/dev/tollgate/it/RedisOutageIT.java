package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code src/test/webapps/redis-down}: the Redis store pointed at a port where nothing listens, with
 * {@code on-store-failure=reject}, on Jetty and Tomcat: a 503 in the error format, at once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisOutageIT {

    private final List<EmbeddedContainer> containers = List.of(EmbeddedContainer.jetty(), EmbeddedContainer.tomcat());

    @BeforeAll
    void start() throws Exception {
        for (EmbeddedContainer c : containers) {
            c.start(EmbeddedContainer.webapp("redis-down"));
        }
    }

    @AfterAll
    void stop() throws Exception {
        for (EmbeddedContainer c : containers) {
            c.close();
        }
    }

    @Test
    void shouldAnswer503LimiterUnavailableWhenRedisIsAway() throws Exception {
        for (EmbeddedContainer c : containers) {
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                Http.Response r = Http.get(c.port(), "/api/items", "X-API-KEY: alice-key-0123456789");
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertEquals(503, r.status(), c.name() + ": " + r);
                assertEquals("3", r.header("Retry-After"), "the probe interval of 2500 ms, rounded up");
                assertNull(r.header("X-Throttle-Limit"), "nothing was counted");
                JsonNode body = r.json();
                assertFalse(body.get("success").asBoolean(true));
                assertEquals("Service unavailable", body.get("error").asText());
                assertEquals(r.header("X-Request-ID"), body.get("request_id").asText());
                assertTrue(millis < 2_000, c.name() + " answered after " + millis + " ms");
            }
        }
    }

    /**
     * Both containers deploy the same filter names at the same context path in this JVM: the
     * second one's MBean gets an instance number, and each counts its own requests.
     */
    @Test
    void shouldCountTheOutageInTheMBeanOfEachContainer() throws Exception {
        for (EmbeddedContainer c : containers) {
            for (int i = 0; i < 2; i++) {
                assertEquals(503, Http.get(c.port(), "/api/items", "X-API-KEY: alice-key-0123456789").status());
            }
        }
        javax.management.MBeanServer server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        java.util.Set<javax.management.ObjectName> names = server.queryNames(
                new javax.management.ObjectName("dev.tollgate:type=RateLimitFilter,context=/,name=rate-limit,*"), null);
        assertEquals(java.util.Set.of("", "2"), names.stream()
                .map(n -> n.getKeyProperty("instance") == null ? "" : n.getKeyProperty("instance"))
                .collect(java.util.stream.Collectors.toSet()), names::toString);
        long unavailable = 0;
        for (javax.management.ObjectName name : names) {
            long mine = (Long) server.getAttribute(name, "Unavailable");
            assertEquals(mine, server.getAttribute(name, "OutageReject"), name::toString);
            assertEquals(0L, server.getAttribute(name, "Allowed"), name::toString);
            assertEquals(0L, server.getAttribute(name, "TrackedClients"), "no local fallback under reject");
            assertEquals("open", server.getAttribute(name, "CircuitState"), name::toString);
            assertEquals(1L, server.getAttribute(name, "CircuitOpen"), name::toString);
            unavailable += mine;
        }
        // Each container answered the 503s of this test; the other test of this class may have run first (3 each).
        assertTrue(unavailable == 4 || unavailable == 10, "503s counted: " + unavailable);
    }
}
