package dev.tollgate.ratelimit;

import dev.tollgate.ratelimit.redis.RedisStores;
import dev.tollgate.ratelimit.spi.SharedBucketStore;
import dev.tollgate.ratelimit.spi.StoreUnavailableException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.it.RedisServerProcess;
import io.github.bucket4j.ConsumptionProbe;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A Redis that accepts connections but answers their handshake late: no connection that opens
 * after the store stopped waiting for it is left open beside the next one. Runs its own
 * {@code redis-server} on a free port, since the test pauses its clients.
 */
class RedisLateConnectIT {

    private static final Pattern CONNECTED = Pattern.compile("connected_clients:(\\d+)");

    /** Lettuce gives up a handshake after the store's timeout, so one that is answered later opens nothing. */
    @Test
    void shouldKeepNoConnectionWhoseHandshakeIsAnsweredAfterTheTimeout() throws Exception {
        Plans plans = Plans.of(Limits.parse("3/1h"));
        try (RedisServerProcess server = RedisServerProcess.start()) {
            RedisClient admin = RedisClient.create(server.uri());
            try (StatefulRedisConnection<String, String> adminConnection = admin.connect()) {
                RedisCommands<String, String> redis = adminConnection.sync();
                // The store's handshake waits for the pause; the store waits 2 s at startup.
                redis.clientPause(3000);
                long pauseEnds = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3000);
                try (SharedBucketStore store = RedisStores.create(server.uri(), "tollgate-test-late:", Duration.ofMillis(200),
                        Duration.ofMillis(100))) {
                    assertTrue(store.isCircuitOpen(), "the store did not connect within its startup wait");
                    // The handshake is answered when the pause ends; the late connection must not stay.
                    assertOnlyOwnConnectionAfter(redis, pauseEnds);

                    ConsumptionProbe probe = store.tryConsume("client:late", plans.defaultPlan().bucketPlan());
                    assertTrue(probe.isConsumed(), "the next request connects anew and counts");
                    assertEquals(2, probe.getRemainingTokens());
                    assertEquals(2, connectedClients(redis), "one connection of the store's:\n" + redis.clientList());
                }
            } finally {
                admin.shutdown();
            }
        }
    }

    /**
     * A request that waited for another's connect has less of its timeout left than Lettuce gives
     * the handshake: its connection can open after it stopped waiting (as one over a slow network
     * can, where the TCP connect and the handshake each take most of the timeout). It is closed.
     */
    @Test
    void shouldCloseAConnectionThatOpensAfterItsRequestStoppedWaiting() throws Exception {
        Plans plans = Plans.of(Limits.parse("3/1h"));
        ExecutorService requests = Executors.newFixedThreadPool(2);
        try (RedisServerProcess server = RedisServerProcess.start()) {
            server.stop(false);
            // Redis is away at startup, so the requests below connect.
            try (SharedBucketStore store = RedisStores.create(server.uri(), "tollgate-test-late:", Duration.ofMillis(1000),
                    Duration.ofMillis(100))) {
                assertTrue(store.isCircuitOpen(), "Redis was away at startup");
                server.startAgain();
                RedisClient admin = RedisClient.create(server.uri());
                try (StatefulRedisConnection<String, String> adminConnection = admin.connect()) {
                    RedisCommands<String, String> redis = adminConnection.sync();
                    // t = 0: handshakes are answered at 1750 ms. The first request connects at 0 and
                    // Lettuce gives up its handshake at 1000 ms; the second, sent at 500 ms, waits for
                    // it, connects at 1000 ms, stops waiting at 1500 ms, and its connection opens at 1750.
                    Thread.sleep(150);
                    redis.clientPause(1750);
                    long start = System.nanoTime();
                    Future<?> first = requests.submit(() -> store.tryConsume("client:first", plans.defaultPlan().bucketPlan()));
                    Thread.sleep(500);
                    Future<?> second = requests.submit(() -> store.tryConsume("client:second", plans.defaultPlan().bucketPlan()));
                    for (Future<?> request : List.of(first, second)) {
                        ExecutionException failed = assertThrows(ExecutionException.class, () -> request.get(5, TimeUnit.SECONDS));
                        assertInstanceOf(StoreUnavailableException.class, failed.getCause());
                    }
                    assertOnlyOwnConnectionAfter(redis, start + TimeUnit.MILLISECONDS.toNanos(1750));
                } finally {
                    admin.shutdown();
                }
            }
        } finally {
            requests.shutdownNow();
        }
    }

    /**
     * From 300 ms after {@code answeredNanos} (when Redis answers the paused handshakes), waits up
     * to 3 s for the test's own connection to be the only one, and fails naming the others if not.
     */
    private static void assertOnlyOwnConnectionAfter(RedisCommands<String, String> redis, long answeredNanos)
            throws InterruptedException {
        Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(answeredNanos - System.nanoTime())) + 300);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        int clients = connectedClients(redis);
        while (clients > 1 && System.nanoTime() < deadline) {
            Thread.sleep(50);
            clients = connectedClients(redis);
        }
        assertEquals(1, clients, "only the test's own connection is open:\n" + redis.clientList());
    }

    private static int connectedClients(RedisCommands<String, String> redis) {
        Matcher m = CONNECTED.matcher(redis.info("clients"));
        assertTrue(m.find(), "INFO clients names connected_clients");
        return Integer.parseInt(m.group(1));
    }
}
