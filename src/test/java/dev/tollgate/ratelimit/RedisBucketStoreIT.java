package dev.tollgate.ratelimit;

import dev.tollgate.ratelimit.redis.RedisStores;
import dev.tollgate.ratelimit.spi.SharedBucketStore;
import dev.tollgate.ratelimit.spi.StoreUnavailableException;
import dev.tollgate.it.RealRedisCases;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tollgate.it.RedisTestSupport;
import dev.tollgate.ratelimit.RateLimiter.OnStoreFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The Redis store against the real Redis server. */
class RedisBucketStoreIT extends RealRedisCases {

    private static final Duration TIMEOUT = Duration.ofMillis(100);
    private static final Duration PROBE = Duration.ofMillis(300);


    private SharedBucketStore store(String uri) {
        return RedisStores.create(uri, prefix, TIMEOUT, PROBE);
    }

    private static RateLimiter limiter(Plans plans, SharedBucketStore store, OnStoreFailure onFailure) {
        return RateLimiter.builder(plans).store(store).onStoreFailure(onFailure).build();
    }

    @Test
    void shouldShareOneLimitBetweenTwoNodes() {
        Plans plans = Plans.of(Limits.parse("10/1h"));
        try (RateLimiter a = limiter(plans, store(RedisTestSupport.URI), OnStoreFailure.REJECT);
             RateLimiter b = limiter(plans, store(RedisTestSupport.URI), OnStoreFailure.REJECT)) {
            int allowed = 0;
            for (int i = 0; i < 30; i++) {
                RateLimitDecision d = (i % 2 == 0 ? a : b).tryConsume("client:shared", plans.defaultPlan());
                assertTrue(d.counted());
                allowed += d.allowed() ? 1 : 0;
            }
            assertEquals(10, allowed);
        }
    }

    @Test
    void shouldAllowExactlyTheLimitUnderConcurrencyOnTwoNodes() throws Exception {
        Plans plans = Plans.of(Limits.parse("100/1h"));
        // A generous timeout: this test is about exactness, not about waiting on a slow Redis.
        Duration timeout = Duration.ofSeconds(5);
        try (RateLimiter a = limiter(plans, RedisStores.create(RedisTestSupport.URI, prefix, timeout, PROBE), OnStoreFailure.REJECT);
             RateLimiter b = limiter(plans, RedisStores.create(RedisTestSupport.URI, prefix, timeout, PROBE), OnStoreFailure.REJECT)) {
            int threads = 16;
            int perThread = 25;
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<int[]>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    RateLimiter node = t % 2 == 0 ? a : b;
                    results.add(pool.submit(() -> {
                        start.await();
                        int[] allowedAndCounted = new int[2];
                        for (int i = 0; i < perThread; i++) {
                            RateLimitDecision d = node.tryConsume("client:concurrent", plans.defaultPlan());
                            allowedAndCounted[0] += d.allowed() ? 1 : 0;
                            allowedAndCounted[1] += d.counted() ? 1 : 0;
                        }
                        return allowedAndCounted;
                    }));
                }
                start.countDown();
                int allowed = 0;
                int counted = 0;
                for (Future<int[]> result : results) {
                    int[] r = result.get(30, TimeUnit.SECONDS);
                    allowed += r[0];
                    counted += r[1];
                }
                assertEquals(threads * perThread, counted, "every decision made by Redis, none by the outage behaviour");
                assertEquals(100, allowed, "batched compare-and-swap from two nodes, 16 threads, 400 attempts");
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void shouldCountRoundTripsPerUncontendedRequest() {
        Plans plans = Plans.of(Limits.parse("100000/1h"));
        try (RateLimiter limiter = limiter(plans, store(RedisTestSupport.URI), OnStoreFailure.REJECT)) {
            limiter.tryConsume("client:counted", plans.defaultPlan());
            long gets = redis.calls("get");
            long evals = redis.calls("eval");
            long setexes = redis.calls("psetex");
            int requests = 200;
            for (int i = 0; i < requests; i++) {
                assertTrue(limiter.tryConsume("client:counted", plans.defaultPlan()).allowed());
            }
            // INFO commandstats also counts the GET and PSETEX that the compare-and-swap script runs
            // inside Redis; each EVAL runs one GET, so the GETs sent over the network are the rest.
            long evalDelta = redis.calls("eval") - evals;
            long networkGets = redis.calls("get") - gets - evalDelta;
            double roundTrips = (networkGets + evalDelta) / (double) requests;
            System.out.printf("Redis round trips per uncontended request: %.2f (GET %.2f + EVAL %.2f; inside the scripts: "
                    + "%d GET, %d PSETEX over %d requests)%n", roundTrips, networkGets / (double) requests,
                    evalDelta / (double) requests, evalDelta, redis.calls("psetex") - setexes, requests);
            // The node wrote the bucket last, so it knows the state and swaps it without reading it.
            assertEquals(1.0, roundTrips, 0.05, "a compare-and-swap EVAL, no GET");
        }
    }

    @Test
    void shouldApplyEachOutageBehaviourWithoutWaitingWhenNothingListens() {
        Plans plans = Plans.of(Limits.parse("3/1h"));
        String dead = "redis://127.0.0.1:1";
        try (RateLimiter allow = limiter(plans, store(dead), OnStoreFailure.ALLOW);
             RateLimiter reject = limiter(plans, store(dead), OnStoreFailure.REJECT);
             RateLimiter local = limiter(plans, store(dead), OnStoreFailure.LOCAL)) {
            for (int i = 0; i < 5; i++) {
                RateLimitDecision a = timed(() -> allow.tryConsume("ip:1", plans.defaultPlan()));
                assertTrue(a.allowed() && !a.counted());
                RateLimitDecision r = timed(() -> reject.tryConsume("ip:1", plans.defaultPlan()));
                assertTrue(!r.allowed() && !r.counted() && r.retryAfterSeconds() >= 1);
                RateLimitDecision l = timed(() -> local.tryConsume("ip:1", plans.defaultPlan()));
                assertTrue(l.counted());
                assertEquals(i < 3, l.allowed(), "the local fallback still limits: request " + i);
            }
        }
    }

    @Test
    void shouldFallBackWhilePausedAndShareTheLimitAgainAfter() throws Exception {
        Plans plans = Plans.of(Limits.parse("6/1h"));
        try (SharedBucketStore store = store(RedisTestSupport.URI);
             RateLimiter limiter = limiter(plans, store, OnStoreFailure.LOCAL)) {
            assertEquals(5, limiter.tryConsume("client:paused", plans.defaultPlan()).remaining());
            redis.commands().clientPause(1500);
            long start = System.nanoTime();
            RateLimitDecision during = limiter.tryConsume("client:paused", plans.defaultPlan());
            long firstMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(during.counted() && during.allowed());
            assertEquals(5, during.remaining(), "counted by the local fallback, whose bucket is new");
            assertTrue(store.isCircuitOpen());
            for (int i = 0; i < 20; i++) {
                timed(() -> limiter.tryConsume("client:paused", plans.defaultPlan()));
            }
            System.out.println("First request during CLIENT PAUSE answered after " + firstMillis + " ms (timeout " + TIMEOUT.toMillis() + " ms)");
            long deadline = System.nanoTime() + 10_000_000_000L;
            RateLimitDecision after;
            do {
                Thread.sleep(100);
                after = limiter.tryConsume("client:paused", plans.defaultPlan());
            } while (store.isCircuitOpen() && System.nanoTime() < deadline);
            assertFalse(store.isCircuitOpen(), "Redis is used again after the pause");
            // The request during the pause sent its compare-and-swap at once (from the state the
            // node wrote last) and Redis ran it when the pause ended: counted there too.
            assertEquals(3, after.remaining(), "the shared bucket continues where it was, with the timed-out write");
        }
    }

    @Test
    void shouldApplyChangedLimitsToExistingBuckets() {
        try (RateLimiter old = limiter(Plans.of(Limits.parse("3/1h")), store(RedisTestSupport.URI), OnStoreFailure.REJECT)) {
            Plans plans = old.plans();
            for (int i = 0; i < 3; i++) {
                assertTrue(old.tryConsume("client:upgraded", plans.defaultPlan()).allowed());
            }
            assertFalse(old.tryConsume("client:upgraded", plans.defaultPlan()).allowed());
        }
        Plans bigger = Plans.of(Limits.parse("10/1h"));
        try (RateLimiter redeployed = limiter(bigger, store(RedisTestSupport.URI), OnStoreFailure.REJECT)) {
            int allowed = 0;
            for (int i = 0; i < 10; i++) {
                allowed += redeployed.tryConsume("client:upgraded", bigger.defaultPlan()).allowed() ? 1 : 0;
            }
            assertEquals(7, allowed, "3 of 10 were used under the old limits; the 7 added are available at once");
        }
    }

    @Test
    void shouldLeaveNoThreadsOrConnectionsAfterRepeatedRedeploys() throws Exception {
        Plans plans = Plans.of(Limits.parse("100/1m"));
        try (RateLimiter warmUp = limiter(plans, store(RedisTestSupport.URI), OnStoreFailure.REJECT)) {
            warmUp.tryConsume("client:warm", plans.defaultPlan());
        }
        int baseThreads = settledThreadCount(Integer.MAX_VALUE);
        int baseClients = redis.clientCount();
        for (int i = 0; i < 15; i++) {
            try (RateLimiter limiter = limiter(plans, store(RedisTestSupport.URI), OnStoreFailure.REJECT)) {
                assertTrue(limiter.tryConsume("client:redeploy", plans.defaultPlan()).counted());
            }
        }
        int threads = settledThreadCount(baseThreads);
        assertTrue(threads <= baseThreads, "threads " + threads + " after 15 redeploys, " + baseThreads + " before");
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (redis.clientCount() > baseClients && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(baseClients, redis.clientCount(), "Redis connections back to the baseline");
    }

    /** The live thread count once it stops falling to {@code target} (threads take a moment to end). */
    private static int settledThreadCount(int target) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        int count = Thread.activeCount();
        while (count > target && System.nanoTime() < deadline) {
            Thread.sleep(50);
            count = Thread.activeCount();
        }
        return count;
    }

    @Test
    void shouldPrefixKeysWithPlanAndClientKey() {
        Plans plans = Plans.of(Limits.parse("5/1m"));
        try (RateLimiter limiter = limiter(plans, store(RedisTestSupport.URI), OnStoreFailure.REJECT)) {
            limiter.tryConsume("client:key-layout", plans.defaultPlan());
        }
        assertTrue(redis.keys(prefix).contains(prefix + "default:client:key-layout"), redis.keys(prefix)::toString);
        long ttl = redis.commands().pttl(prefix + "default:client:key-layout");
        assertTrue(ttl > 0 && ttl <= 12_000 + 10_000, "expires when full again (12 s) plus 10 s: " + ttl);
    }

    private interface Call {
        RateLimitDecision run();
    }

    /** Runs {@code call}; fails if it took longer than the timeout allows (with slack for a busy machine). */
    private static RateLimitDecision timed(Call call) {
        long start = System.nanoTime();
        RateLimitDecision d = call.run();
        long millis = (System.nanoTime() - start) / 1_000_000;
        if (millis > 2_000) {
            fail("a request waited " + millis + " ms on an unavailable Redis");
        }
        return d;
    }

    @Test
    void shouldTimeEachCallToRedisButNotTheCallsTheOpenCircuitTurnsAway() {
        Plans plans = Plans.of(Limits.parse("10/1h"));
        java.util.List<Long> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
        // A generous timeout: this test is about what is timed, not about a slow Redis.
        try (SharedBucketStore store = RedisStores.create(RedisTestSupport.URI, prefix, Duration.ofSeconds(5), PROBE, calls::add)) {
            for (int i = 0; i < 3; i++) {
                store.tryConsume("client:timed", plans.defaultPlan().bucketPlan());
            }
            assertEquals(3, calls.size(), calls::toString);
            assertTrue(calls.stream().allMatch(nanos -> nanos > 0), calls::toString);
        }
        calls.clear();
        // Nothing listens on port 1: the store starts with its circuit open, and a minute passes before a probe.
        try (SharedBucketStore away = RedisStores.create("redis://127.0.0.1:1", prefix, TIMEOUT, Duration.ofMinutes(1),
                calls::add)) {
            assertTrue(away.isShared() && away.isCircuitOpen());
            for (int i = 0; i < 3; i++) {
                assertThrows(StoreUnavailableException.class, () -> away.tryConsume("client:timed", plans.defaultPlan().bucketPlan()));
            }
            assertEquals(java.util.List.of(), calls);
        }
    }
}
