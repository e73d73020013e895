package dev.tollgate.ratelimit;

import dev.tollgate.ratelimit.redis.RedisStores;
import dev.tollgate.ratelimit.spi.SharedBucketStore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.it.RedisTestSupport;
import dev.tollgate.ratelimit.RateLimiter.OnStoreFailure;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A Redis that does not answer while a node registers its limits (the first request of a plan):
 * the request gets the outage behaviour within the timeout, and the next one after the pause
 * registers and counts. Runs its own {@code redis-server} on a free port, since the test pauses it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisSlowRegistrationIT {

    private Process server;
    private String uri;

    @BeforeAll
    void startServer() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        server = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        uri = "redis://127.0.0.1:" + port;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress("127.0.0.1", port), 500);
                break;
            } catch (IOException e) {
                if (System.nanoTime() > deadline || !server.isAlive()) {
                    throw new IllegalStateException("redis-server did not start on port " + port, e);
                }
                Thread.sleep(50);
            }
        }
    }

    @AfterAll
    void stopServer() throws Exception {
        if (server != null) {
            server.destroy();
            server.waitFor(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldAnswerWithTheOutageBehaviourWhenRegisteringTheLimitsTimesOut() throws Exception {
        Plans plans = Plans.of(Limits.parse("3/1h"));
        SharedBucketStore store = RedisStores.create(uri, "tollgate-test-slow:", Duration.ofMillis(200), Duration.ofMillis(100));
        RedisClient admin = RedisClient.create(uri);
        try (StatefulRedisConnection<String, String> adminConnection = admin.connect();
             RateLimiter limiter = RateLimiter.builder(plans).store(store).onStoreFailure(OnStoreFailure.REJECT).build()) {
            adminConnection.sync().clientPause(1000);
            long start = System.nanoTime();
            RateLimitDecision paused = limiter.tryConsume("client:slow", plans.defaultPlan());
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertFalse(paused.counted() || paused.allowed(), "the outage behaviour (reject) answers");
            assertTrue(millis < 900, "answered after " + millis + " ms, within the timeout");
            assertTrue(store.isCircuitOpen());
            Thread.sleep(1200);
            RateLimitDecision after = limiter.tryConsume("client:slow", plans.defaultPlan());
            assertTrue(after.counted() && after.allowed(), "registered and counted once Redis answers");
            assertEquals(2, after.remaining());
        } finally {
            admin.shutdown();
        }
    }
}
