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
}
