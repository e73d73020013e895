package dev.tollgate.ratelimit;

import dev.tollgate.ratelimit.redis.RedisStoreProvider;
import dev.tollgate.ratelimit.redis.RedisStores;
import dev.tollgate.ratelimit.spi.StoreSettings;
import dev.tollgate.ratelimit.spi.SharedBucketStore;
import dev.tollgate.ratelimit.spi.SyncMode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.it.RedisServerProcess;
import dev.tollgate.it.Wait;
import dev.tollgate.testing.CommandStats;
import dev.tollgate.ratelimit.RateLimiter.OnStoreFailure;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
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
 * The delayed sync mode against the real Redis: several nodes (stores) and many concurrent clients
 * never get more than the limit plus {@code nodes * redis-sync-tokens}, the exact mode gets the
 * limit exactly, and the Redis round trips per request in each mode. On a redis-server of its own,
 * so that {@code INFO commandstats} counts this test's commands only.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisSyncBoundIT {

    // Generous: these tests are about counts, not about a slow Redis on a busy machine.
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private static final Duration PROBE = Duration.ofMillis(300);

    private final String prefix = "tollgate-test-" + getClass().getSimpleName() + ":";
    private RedisServerProcess server;
    private RedisClient client;
    private StatefulRedisConnection<String, String> connection;

    @BeforeAll
    void startRedis() throws Exception {
        server = RedisServerProcess.start();
        client = RedisClient.create(server.uri());
        connection = client.connect();
    }

    @AfterAll
    void stopRedis() {
        if (connection != null) {
            connection.close();
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
        if (server != null) {
            server.close();
        }
    }

    private SharedBucketStore store(SyncMode sync) {
        return RedisStores.create(server.uri(), prefix, TIMEOUT, PROBE, sync);
    }

    /** Per client: {admitted, counted}, after {@code threads} threads each send {@code perThread} requests over all nodes. */
    private static int[][] hammer(List<RateLimiter> nodes, Plans plans, String clientPrefix, int clients, int threads, int perThread)
            throws Exception {
        AtomicIntegerArray admitted = new AtomicIntegerArray(clients);
        AtomicIntegerArray counted = new AtomicIntegerArray(clients);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        // Each thread starts at its own share of the clients: each client gets the same number of requests.
                        int client = (thread * (clients / threads) + i) % clients;
                        // Each pass over the clients moves each of them to the next node.
                        RateLimiter node = nodes.get((thread + i / clients) % nodes.size());
                        RateLimitDecision d = node.tryConsume(clientPrefix + client, plans.defaultPlan());
                        if (d.allowed()) {
                            admitted.incrementAndGet(client);
                        }
                        if (d.counted()) {
                            counted.incrementAndGet(client);
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        int[][] result = new int[clients][2];
        for (int c = 0; c < clients; c++) {
            result[c][0] = admitted.get(c);
            result[c][1] = counted.get(c);
        }
        return result;
    }

    /**
     * Every client's {@code requests} were counted, and each client got at least the limit and at
     * most the limit plus {@code k} nodes times {@code syncTokens}; prints the most and the mean.
     */
    private static void assertWithinBound(String what, int[][] perClient, int requests, int limit, int k, int syncTokens) {
        int worst = 0;
        long total = 0;
        for (int c = 0; c < perClient.length; c++) {
            assertEquals(requests, perClient[c][1], "every request of client " + c + " counted");
            assertTrue(perClient[c][0] >= limit, "client " + c + " got the limit at least: " + perClient[c][0]);
            assertTrue(perClient[c][0] <= limit + k * syncTokens,
                    "client " + c + " got " + perClient[c][0] + ", more than " + limit + " + " + k + " nodes * " + syncTokens);
            worst = Math.max(worst, perClient[c][0]);
            total += perClient[c][0];
        }
        System.out.printf("%s, %d nodes, %d clients, %d tokens: most admitted to one client %d, mean %.2f (limit %d, bound %d)%n",
                what, k, perClient.length, syncTokens, worst, total / (double) perClient.length, limit, limit + k * syncTokens);
    }

    private static List<RateLimiter> nodes(int k, Plans plans, java.util.function.Supplier<SharedBucketStore> stores) {
        List<RateLimiter> nodes = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            nodes.add(RateLimiter.builder(plans).store(stores.get()).onStoreFailure(OnStoreFailure.REJECT).build());
        }
        return nodes;
    }

    @Test
    void shouldNeverAdmitMoreThanTheLimitPlusNodesTimesSyncTokens() throws Exception {
        int limit = 50;
        int k = 4;
        int syncTokens = 5;
        Plans plans = Plans.of(Limits.parse(limit + "/1h"));
        // A short interval mixes syncs by time with syncs by tokens; the bound holds for any interval.
        List<RateLimiter> nodes = nodes(k, plans, () -> store(SyncMode.delayed(syncTokens, Duration.ofMillis(20))));
        try {
            int clients = 20;
            int[][] perClient = hammer(nodes, plans, "client:bound-", clients, 16, 200);
            assertWithinBound("delayed sync", perClient, 16 * 200 / clients, limit, k, syncTokens);
        } finally {
            nodes.forEach(RateLimiter::close);
        }
    }

    @Test
    void shouldHoldTheBoundOfTheBatchedSyncForTenThousandClientsOnFourNodes() throws Exception {
        int limit = 5;
        int k = 4;
        int syncTokens = 2;
        int clients = 10_000;
        Plans plans = Plans.of(Limits.parse(limit + "/1h"));
        List<RateLimiter> nodes = nodes(k, plans, () -> store(SyncMode.batched(syncTokens, Duration.ofMillis(50))));
        try {
            // 24 requests per client, each client on all four nodes, from 16 threads at once.
            int threads = 16;
            int perThread = clients * 24 / threads;
            int[][] perClient = hammer(nodes, plans, "client:batched-", clients, threads, perThread);
            assertWithinBound("batched sync", perClient, 24, limit, k, syncTokens);
        } finally {
            nodes.forEach(RateLimiter::close);
        }
    }

    @Test
    void shouldHoldTheBatchedBoundWhenClientsOutnumberTheCopiesANodeKeeps() throws Exception {
        int limit = 3;
        int syncTokens = 2;
        int clients = 200;
        Plans plans = Plans.of(Limits.parse(limit + "/1h"));
        // One node that keeps 20 buckets' copies, 200 clients in turn: each client's copy is dropped
        // before its next request. A copy made again from the limits would admit sync-tokens more each time.
        SharedBucketStore store = RedisStores.create(server.uri(), prefix, TIMEOUT, PROBE, SyncMode.batched(syncTokens, Duration.ofMillis(50)), 20);
        try (RateLimiter node = RateLimiter.builder(plans).store(store).onStoreFailure(OnStoreFailure.REJECT).build()) {
            int[] admitted = new int[clients];
            for (int round = 0; round < 12; round++) {
                for (int c = 0; c < clients; c++) {
                    RateLimitDecision d = node.tryConsume("client:churn-" + c, plans.defaultPlan());
                    assertTrue(d.counted(), d::toString);
                    admitted[c] += d.allowed() ? 1 : 0;
                }
            }
            for (int c = 0; c < clients; c++) {
                assertTrue(admitted[c] >= limit && admitted[c] <= limit + syncTokens,
                        "client " + c + " got " + admitted[c] + " of 12, the limit is " + limit + " + 1 node * " + syncTokens);
            }
        }
    }

    @Test
    void shouldKeepNoMoreCopiesThanTheFiltersMaxClients() throws Exception {
        Plans plans = Plans.of(Limits.parse("3/1h"));
        Map<String, String> params = Map.of("redis-uri", server.uri(), "redis-key-prefix", prefix, "redis-sync", "batched",
                "redis-sync-interval", "3600000", "redis-timeout", "2000");
        SharedBucketStore store = (SharedBucketStore) new RedisStoreProvider().open(
                StoreSettings.of("redis", params::get, "RateLimitFilter [test]", "bounded", 20, nanos -> { }));
        try (RateLimiter node = RateLimiter.builder(plans).store(store).onStoreFailure(OnStoreFailure.REJECT).build()) {
            for (int c = 0; c < 40; c++) {
                assertTrue(node.tryConsume("client:bounded-" + c, plans.defaultPlan()).allowed());
            }
            // No burst within the hour: only the copies dropped to keep max-clients push their tokens now.
            Wait.until("the tokens of the copies beyond max-clients in Redis", () -> connection.sync().keys(prefix + "bounded:default:*").size(),
                    n -> n >= 20);
        }
    }

    @Test
    void shouldPushTheBucketsThisNodeWroteLastInOneScriptPerBurst() throws Exception {
        Plans plans = Plans.of(Limits.parse("1000000/1h"));
        int clients = 100;
        // Bursts 1.5 s apart: longer than a written state stands in for a read in the other modes.
        try (RateLimiter node = RateLimiter.builder(plans).store(store(SyncMode.batched(50, Duration.ofMillis(1500))))
                .onStoreFailure(OnStoreFailure.REJECT).build()) {
            for (int c = 0; c < clients; c++) {
                assertTrue(node.tryConsume("client:kept-" + c, plans.defaultPlan()).allowed());
            }
            String last = prefix + "default:client:kept-" + (clients - 1);
            assertTrue(Wait.poll(Duration.ofSeconds(5), Duration.ofMillis(20), () -> connection.sync().exists(last) == 1, e -> e),
                    "the first burst made the buckets");
            Thread.sleep(200);
            long before = roundTrips();
            long evalsBefore = CommandStats.calls(connection.sync().info("commandstats"), "eval");
            for (int c = 0; c < clients; c++) {
                assertTrue(node.tryConsume("client:kept-" + c, plans.defaultPlan()).allowed());
            }
            byte[] first = bytes(last);
            assertTrue(Wait.poll(Duration.ofSeconds(5), Duration.ofMillis(20), () -> !Arrays.equals(first, bytes(last)), changed -> changed),
                    "the second burst pushed the second tokens");
            Thread.sleep(200);
            assertEquals(clients, roundTrips() - before, "one compare-and-swap per bucket, no read: the node wrote each bucket last");
            assertEquals(1, CommandStats.calls(connection.sync().info("commandstats"), "eval") - evalsBefore, "the burst's 100 swaps in one script");
            // Far below its limit the bucket is full again at once: it stays 10 s and two intervals, to the next burst and beyond.
            long ttl = connection.sync().pttl(last);
            assertTrue(ttl > 12_000 && ttl <= 13_000, "the key expires after 10 s + 2 * 1.5 s: " + ttl + " ms left");
        }
    }

    @Test
    void shouldCallRedisLessOftenBatchedThanDelayedForManyClients() throws Exception {
        Plans plans = Plans.of(Limits.parse("1000000/1h"));
        // 2,000 clients keep the delayed mode's reads within a few seconds; BatchedSyncScale measures 10,000 and more.
        int clients = 2_000;
        int threads = 8;
        int perThread = clients * 5 / threads;
        long[] calls = new long[2];
        List<SyncMode> modes = List.of(SyncMode.delayed(10, Duration.ofMillis(1000)), SyncMode.batched(10, Duration.ofMillis(1000)));
        for (int m = 0; m < modes.size(); m++) {
            SyncMode sync = modes.get(m);
            List<SharedBucketStore> stores = List.of(store(sync), store(sync));
            List<RateLimiter> nodes = stores.stream()
                    .map(s -> RateLimiter.builder(plans).store(s).onStoreFailure(OnStoreFailure.REJECT).build()).toList();
            long before = roundTrips();
            try {
                int[][] perClient = hammer(nodes, plans, "client:many-" + sync.name() + "-", clients, threads, perThread);
                for (int c = 0; c < clients; c++) {
                    assertEquals(5, perClient[c][0], "all allowed, far below the limit: client " + c);
                }
            } finally {
                // The close pushes what the last burst did not: counted as the mode's calls.
                nodes.forEach(RateLimiter::close);
            }
            long keys = roundTrips() - before;
            calls[m] = stores.stream().mapToLong(RedisStores::calls).sum();
            System.out.printf("Redis calls per request, %d clients, 2 nodes, %s: %.3f (keys read or written: %.3f)%n", clients, sync,
                    calls[m] / (double) (threads * perThread), keys / (double) (threads * perThread));
        }
        // Delayed: each client's first request on a node reads its bucket, and each sync is a call.
        // Batched: no read; a new bucket costs a read and a create in its first burst, a push at the close.
        assertTrue(calls[1] < calls[0], "batched " + calls[1] + " calls, delayed " + calls[0]);
        assertTrue(calls[1] <= 3 * 2 * clients, "at most a read, a create and a push per bucket and node: " + calls[1]);
    }

    @Test
    void shouldKeepTheBatchedTokensThroughAnOutageAndPushThemAfter() throws Exception {
        Plans plans = Plans.of(Limits.parse("100/1h"));
        try (RedisServerProcess own = RedisServerProcess.start()) {
            SharedBucketStore store = RedisStores.create(own.uri(), prefix, Duration.ofMillis(200), PROBE, SyncMode.batched(50, Duration.ofMillis(100)));
            try (RateLimiter node = RateLimiter.builder(plans).store(store).onStoreFailure(OnStoreFailure.REJECT).build()) {
                // A new client: decided from a bucket the node makes itself, no call to Redis.
                assertTrue(node.tryConsume("client:kept", plans.defaultPlan()).allowed());
                own.stop(true);
                for (int i = 0; i < 7; i++) {
                    RateLimitDecision d = node.tryConsume("client:kept", plans.defaultPlan());
                    assertTrue(d.allowed() && d.counted(), "decided from the node's copy while Redis is down: " + d);
                }
                // Several bursts fail while Redis is away; the 8 tokens stay on the node.
                Thread.sleep(500);
                own.startAgain();
                boolean pushed = Wait.poll(Duration.ofSeconds(20), Duration.ofMillis(50),
                        () -> keyExists(own, prefix + "default:client:kept"), exists -> exists);
                assertTrue(pushed, "the bucket reached the restarted Redis with the next burst");
            }
            try (RateLimiter reader = RateLimiter.builder(plans).store(RedisStores.create(own.uri(), prefix, TIMEOUT, PROBE, SyncMode.exact()))
                    .onStoreFailure(OnStoreFailure.REJECT).build()) {
                assertEquals(91, reader.tryConsume("client:kept", plans.defaultPlan()).remaining(),
                        "the 8 tokens taken during the outage are in Redis: the 9th leaves 91");
            }
        }
    }

    @Test
    void shouldAdmitExactlyTheLimitInTheExactMode() throws Exception {
        int limit = 50;
        Plans plans = Plans.of(Limits.parse(limit + "/1h"));
        List<RateLimiter> nodes = nodes(4, plans, () -> store(SyncMode.exact()));
        try {
            int clients = 20;
            int[][] perClient = hammer(nodes, plans, "client:exact-", clients, 16, 100);
            for (int c = 0; c < clients; c++) {
                assertEquals(16 * 100 / clients, perClient[c][1], "every request of client " + c + " decided through Redis");
                assertEquals(limit, perClient[c][0], "client " + c);
            }
        } finally {
            nodes.forEach(RateLimiter::close);
        }
    }

    @Test
    void shouldNotReadBackWhatTheNodeWroteLast() throws Exception {
        Plans plans = Plans.of(Limits.parse("3/1h"));
        List<RateLimiter> nodes = nodes(2, plans, () -> store(SyncMode.exact()));
        try {
            RateLimiter a = nodes.get(0);
            RateLimiter b = nodes.get(1);
            a.tryConsume("client:written", plans.defaultPlan());
            long before = roundTrips();
            assertEquals(1, a.tryConsume("client:written", plans.defaultPlan()).remaining());
            assertEquals(1, roundTrips() - before, "the node that wrote the bucket last swaps it without a GET");
            // Another node takes the last token: the first node's kept state is stale now, and its
            // compare-and-swap from it fails; it reads the bucket and decides from what Redis holds.
            assertEquals(0, b.tryConsume("client:written", plans.defaultPlan()).remaining());
            before = roundTrips();
            assertFalse(a.tryConsume("client:written", plans.defaultPlan()).allowed(), "the limit holds across nodes");
            assertEquals(2, roundTrips() - before, "a swap from the stale state that fails, a read, and no write for a rejection");
        } finally {
            nodes.forEach(RateLimiter::close);
        }
    }

    @Test
    void shouldSyncOnceEveryTokensWhenUncontended() {
        Plans plans = Plans.of(Limits.parse("100000/1h"));
        int syncTokens = 10;
        try (RateLimiter limiter = RateLimiter.builder(plans).store(store(SyncMode.delayed(syncTokens, Duration.ofHours(1))))
                .onStoreFailure(OnStoreFailure.REJECT).build()) {
            // The first request reads the bucket; after it, the request that takes the 10th unsynced
            // token starts a sync that pushes them (a later request that finds 10 unsynced waits for
            // it). The node wrote the bucket last, so a sync is one compare-and-swap, with no GET.
            limiter.tryConsume("client:uncontended", plans.defaultPlan());
            long before = roundTrips();
            int requests = 110 * 10;
            for (int i = 0; i < requests; i++) {
                assertTrue(limiter.tryConsume("client:uncontended", plans.defaultPlan()).allowed());
            }
            double perRequest = (roundTrips() - before) / (double) requests;
            System.out.printf("Redis round trips per uncontended request, delayed sync every %d tokens: %.3f%n", syncTokens, perRequest);
            assertEquals(1.0 / syncTokens, perRequest, 0.005, "an EVAL every 10 requests");
        }
    }

    @Test
    void shouldDecideFromTheLocalCopyWhileASyncIsOnItsWay() throws Exception {
        Plans plans = Plans.of(Limits.parse("100000/1h"));
        int syncTokens = 10;
        String client = "client:ahead";
        String key = prefix + "default:" + client;
        SharedBucketStore store = RedisStores.create(server.uri(), prefix, Duration.ofMillis(300), PROBE,
                SyncMode.delayed(syncTokens, Duration.ofHours(1)));
        try (RateLimiter limiter = RateLimiter.builder(plans).store(store).onStoreFailure(OnStoreFailure.REJECT).build()) {
            // The first request reads the bucket; the request that takes the last unsynced token starts
            // a sync in the background.
            assertTrue(limiter.tryConsume(client, plans.defaultPlan()).allowed());
            byte[] first = bytes(key);
            for (int i = 0; i < syncTokens; i++) {
                assertTrue(limiter.tryConsume(client, plans.defaultPlan()).allowed());
            }
            byte[] pushed = Wait.poll(Duration.ofSeconds(5), Duration.ofMillis(5), () -> bytes(key), now -> !Arrays.equals(first, now));
            assertFalse(Arrays.equals(first, pushed), "the tokens taken so far were pushed without a request waiting");
            // Time for Redis's answer to reach the node, which takes the fresh copy from it.
            Thread.sleep(200);
            // Redis stops answering for 1.5 s, five times the store's timeout.
            connection.sync().clientPause(1500);
            // A full sync's worth of tokens is decided from the fresh local copy: none waits for Redis
            // (a request that did would time out and be rejected).
            for (int i = 0; i < syncTokens; i++) {
                RateLimitDecision d = limiter.tryConsume(client, plans.defaultPlan());
                assertTrue(d.allowed() && d.counted(), "request " + i + " after the sync was decided locally: " + d);
            }
            Thread.sleep(1600);
        }
    }

    /** The key's value as Redis serializes it: it changes whenever the bucket does. */
    private byte[] bytes(String key) {
        return connection.sync().dump(key);
    }

    @Test
    void shouldReportRoundTripsUnderContention() throws Exception {
        Plans plans = Plans.of(Limits.parse("1000000/1h"));
        for (SyncMode sync : List.of(SyncMode.exact(), SyncMode.delayed(10, Duration.ofMillis(1000)), SyncMode.delayed(100, Duration.ofMillis(1000)))) {
            List<RateLimiter> nodes = nodes(2, plans, () -> store(sync));
            try {
                int threads = 8;
                int perThread = 500;
                long before = roundTrips();
                // One client on both nodes from 8 threads: the batching and the races between nodes.
                int[][] perClient = hammer(nodes, plans, "client:contended-" + sync.name() + sync.tokens() + "-", 1, threads, perThread);
                double perRequest = (roundTrips() - before) / (double) (threads * perThread);
                System.out.printf("Redis round trips per request, one client, 2 nodes, %d threads, %s: %.3f%n", threads, sync, perRequest);
                assertEquals(threads * perThread, perClient[0][0], "all allowed, far below the limit");
            } finally {
                nodes.forEach(RateLimiter::close);
            }
        }
    }

    @Test
    void shouldPushLocalTokensToRedisWhenClosed() {
        Plans plans = Plans.of(Limits.parse("100/1h"));
        try (RateLimiter a = RateLimiter.builder(plans).store(store(SyncMode.delayed(50, Duration.ofHours(1))))
                .onStoreFailure(OnStoreFailure.REJECT).build()) {
            for (int i = 0; i < 8; i++) {
                assertTrue(a.tryConsume("client:closing", plans.defaultPlan()).allowed());
            }
        }
        try (RateLimiter b = RateLimiter.builder(plans).store(store(SyncMode.exact())).onStoreFailure(OnStoreFailure.REJECT).build()) {
            assertEquals(91, b.tryConsume("client:closing", plans.defaultPlan()).remaining(),
                    "the 8 taken on the closed node are in Redis, so the 9th request leaves 91");
        }
    }

    @Test
    void shouldKeepTheTimeoutAndOutageBehaviourWhenRedisIsKilled() throws Exception {
        Plans plans = Plans.of(Limits.parse("1000/1h"));
        Duration timeout = Duration.ofMillis(100);
        try (RedisServerProcess own = RedisServerProcess.start()) {
            SharedBucketStore store = RedisStores.create(own.uri(), prefix, timeout, PROBE, SyncMode.delayed(20, Duration.ofMillis(200)));
            try (RateLimiter limiter = RateLimiter.builder(plans).store(store).onStoreFailure(OnStoreFailure.LOCAL).build()) {
                for (int i = 0; i < 5; i++) {
                    assertTrue(limiter.tryConsume("client:outage", plans.defaultPlan()).allowed());
                }
                own.stop(true);
                int slow = 0;
                long slowest = 0;
                int requests = 150;
                for (int i = 0; i < requests; i++) {
                    long start = System.nanoTime();
                    RateLimitDecision d = limiter.tryConsume("client:outage", plans.defaultPlan());
                    long millis = (System.nanoTime() - start) / 1_000_000;
                    assertTrue(d.counted() && d.allowed(), "counted by the local view or the local fallback: request " + i);
                    slowest = Math.max(slowest, millis);
                    slow += millis >= timeout.toMillis() / 2 ? 1 : 0;
                    Thread.sleep(10);
                }
                System.out.printf("delayed sync, Redis killed: %d of %d requests waited half the timeout or more, slowest %d ms%n",
                        slow, requests, slowest);
                assertTrue(slowest < 2_000, "a request waited " + slowest + " ms on a dead Redis (timeout " + timeout.toMillis() + " ms)");
                assertTrue(slow < requests / 2, slow + " of " + requests + " requests waited: most must not wait at all");
                assertTrue(store.isCircuitOpen(), "the circuit opened");
                own.startAgain();
                boolean open = Wait.poll(Duration.ofSeconds(15), () -> {
                    limiter.tryConsume("client:outage", plans.defaultPlan());
                    return store.isCircuitOpen();
                }, o -> !o);
                assertTrue(!open, "limiting through Redis again after the restart");
                // Syncing again: the restarted (empty) Redis gets the bucket back within one sync interval.
                boolean written = Wait.poll(Duration.ofSeconds(15), () -> {
                    limiter.tryConsume("client:outage", plans.defaultPlan());
                    return keyExists(own, prefix + "default:client:outage");
                }, w -> w);
                assertTrue(written, "the bucket is in Redis again");
            }
        }
    }

    private static boolean keyExists(RedisServerProcess server, String key) {
        RedisClient c = RedisClient.create(server.uri());
        try (StatefulRedisConnection<String, String> conn = c.connect()) {
            return conn.sync().exists(key) == 1;
        } finally {
            c.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /**
     * Round trips so far: the GETs sent over the network plus the scripts. The store's scripts are
     * a compare-and-swap, which runs one GET inside Redis, and a create, which runs one SET NX, and
     * {@code INFO commandstats} counts what scripts run; so GETs plus SETs is all calls.
     */
    private long roundTrips() {
        return CommandStats.calls(connection.sync().info("commandstats"), "get", "set");
    }
}
