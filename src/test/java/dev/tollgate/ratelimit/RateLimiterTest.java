package dev.tollgate.ratelimit;

import dev.tollgate.testing.FakeTime;
import dev.tollgate.ratelimit.spi.BucketStore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.VerboseResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RateLimiterTest {

    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private final FakeTime time = new FakeTime(START);

    private RateLimiter limiter(Plans plans, int maxClients) {
        return RateLimiter.builder(plans).store(LocalBucketStore.create(plans, maxClients, time)).clock(time).build();
    }

    @Test
    void shouldAllowCapacityThenRejectWithRoundedUpWaits() {
        Plans plans = Plans.of(Limits.parse("3/1m"));
        RateLimiter limiter = limiter(plans, 100);
        for (int remaining = 2; remaining >= 0; remaining--) {
            RateLimitDecision d = limiter.tryConsume("ip:1", plans.defaultPlan());
            assertTrue(d.allowed());
            assertEquals(remaining, d.remaining());
            assertEquals("3", d.limitHeader());
        }
        RateLimitDecision rejected = limiter.tryConsume("ip:1", plans.defaultPlan());
        assertFalse(rejected.allowed());
        assertEquals(0, rejected.remaining());
        assertEquals(20, rejected.retryAfterSeconds(), "one token every 20 s");
        assertEquals(START.getEpochSecond() + 20, rejected.resetEpochSeconds());
        time.advance(Duration.ofMillis(19_001));
        RateLimitDecision soon = limiter.tryConsume("ip:1", plans.defaultPlan());
        assertFalse(soon.allowed());
        assertEquals(1, soon.retryAfterSeconds(), "rounded up, never 0");
        time.advance(Duration.ofMillis(999));
        assertTrue(limiter.tryConsume("ip:1", plans.defaultPlan()).allowed());
    }

    @Test
    void shouldRefillGreedilyOrByInterval() {
        Plans greedy = Plans.of(Limits.parse("60/1m"));
        RateLimiter g = limiter(greedy, 100);
        for (int i = 0; i < 60; i++) {
            assertTrue(g.tryConsume("a", greedy.defaultPlan()).allowed());
        }
        time.advance(Duration.ofSeconds(1));
        assertTrue(g.tryConsume("a", greedy.defaultPlan()).allowed(), "one token back after a second");
        assertFalse(g.tryConsume("a", greedy.defaultPlan()).allowed());

        Plans interval = Plans.of(Limits.parse("60/1m interval"));
        RateLimiter w = limiter(interval, 100);
        for (int i = 0; i < 60; i++) {
            assertTrue(w.tryConsume("b", interval.defaultPlan()).allowed());
        }
        time.advance(Duration.ofSeconds(59));
        assertFalse(w.tryConsume("b", interval.defaultPlan()).allowed(), "nothing back before the period ends");
        time.advance(Duration.ofSeconds(1));
        assertEquals(59, w.tryConsume("b", interval.defaultPlan()).remaining(), "all back at once");
    }

    @Test
    void shouldEnforceTheTighterOfSeveralLimits() {
        Plans plans = Plans.of(Limits.parse("5/1s, 8/1h"));
        RateLimiter limiter = limiter(plans, 100);
        int allowed = 0;
        for (int second = 0; second < 10; second++) {
            for (int i = 0; i < 5; i++) {
                if (limiter.tryConsume("c", plans.defaultPlan()).allowed()) {
                    allowed++;
                }
            }
            time.advance(Duration.ofSeconds(1));
        }
        assertEquals(8, allowed, "the hourly limit caps the burst allowance");
        RateLimitDecision d = limiter.tryConsume("c", plans.defaultPlan());
        assertFalse(d.allowed());
        assertTrue(d.retryAfterSeconds() > 400, "waits for the hourly limit: " + d.retryAfterSeconds());
    }

    @Test
    void shouldReportResetWhenFullForAllowedRequests() {
        Plans plans = Plans.of(Limits.parse("10/10s"));
        RateLimitDecision d = limiter(plans, 100).tryConsume("d", plans.defaultPlan());
        assertTrue(d.allowed());
        assertEquals(9, d.remaining());
        assertEquals(1, d.resetAfterSeconds(), "one token used, back in a second");
        assertEquals(START.getEpochSecond() + 1, d.resetEpochSeconds());
    }

    @Test
    void shouldKeepClientsAndPlansApart() {
        Plans plans = Plans.of(Limits.parse("1/1m"), List.of(Plan.of("gold", Limits.parse("2/1m"))), Map.of());
        RateLimiter limiter = limiter(plans, 100);
        assertTrue(limiter.tryConsume("x", plans.defaultPlan()).allowed());
        assertFalse(limiter.tryConsume("x", plans.defaultPlan()).allowed());
        assertTrue(limiter.tryConsume("y", plans.defaultPlan()).allowed());
        assertTrue(limiter.tryConsume("x", plans.byName("gold")).allowed(), "a new plan starts a new bucket");
        assertTrue(limiter.tryConsume("x", plans.byName("gold")).allowed());
        assertFalse(limiter.tryConsume("x", plans.byName("gold")).allowed());
    }

    @Test
    void shouldAllowExactlyTheLimitUnderConcurrency() throws Exception {
        int limit = 1000;
        Plans plans = Plans.of(Limits.parse(limit + "/1h"));
        RateLimiter limiter = limiter(plans, 100);
        ExecutorService pool = Executors.newFixedThreadPool(32);
        AtomicInteger allowed = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 32; t++) {
            futures.add(pool.submit(() -> {
                go.await();
                for (int i = 0; i < 200; i++) {
                    if (limiter.tryConsume("shared", plans.defaultPlan()).allowed()) {
                        allowed.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> f : futures) {
            f.get(30, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertEquals(limit, allowed.get(), "32 x 200 attempts against " + limit);
    }

    @Test
    void shouldStayWithinBoundForAMillionDistinctClients() {
        Plans plans = Plans.of(Limits.parse("10/1m"));
        LocalBucketStore store = LocalBucketStore.create(plans, 10_000, time);
        RateLimiter limiter = RateLimiter.builder(plans).store(store).clock(time).build();
        for (int i = 0; i < 1_000_000; i++) {
            limiter.tryConsume("ip:" + i, plans.defaultPlan());
        }
        assertTrue(store.trackedClients() <= 10_000, "tracked: " + store.trackedClients());
    }

    @Test
    void shouldForgetIdleClientsAfterTheLongestPeriod() {
        Plans plans = Plans.of(Limits.parse("10/1m"));
        LocalBucketStore store = LocalBucketStore.create(plans, 100, time);
        store.tryConsume("idle", plans.defaultPlan().bucketPlan());
        assertEquals(1, store.trackedClients());
        time.advance(Duration.ofSeconds(61));
        assertEquals(0, store.trackedClients());
    }

    @Test
    void shouldSweepIdleClientsOutWhenANewClientArrives() throws InterruptedException {
        Plans plans = Plans.of(Limits.parse("10/1m"));
        LocalBucketStore store = LocalBucketStore.create(plans, 100, time);
        store.tryConsume("idle", plans.defaultPlan().bucketPlan());
        time.advance(Duration.ofSeconds(61));
        // The new client's request starts the sweep (in the common pool); nothing here counts or sweeps.
        store.tryConsume("new", plans.defaultPlan().bucketPlan());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (store.heldBuckets() != 1 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(1, store.heldBuckets(), "the idle client is dropped, the new one kept");
    }

    @Test
    void shouldKeepAClientUsedWithinTheLongestPeriodAndItsCount() {
        Plans plans = Plans.of(Limits.parse("3/1m"));
        LocalBucketStore store = LocalBucketStore.create(plans, 100, time);
        store.tryConsume("busy", plans.defaultPlan().bucketPlan());
        time.advance(Duration.ofSeconds(40));
        for (int i = 0; i < 3; i++) {
            assertTrue(store.tryConsume("busy", plans.defaultPlan().bucketPlan()).isConsumed());
        }
        time.advance(Duration.ofSeconds(21));
        // A new client makes a sweep due: the busy one was used 21 s ago, the one before 61 s ago.
        store.tryConsume("new", plans.defaultPlan().bucketPlan());
        assertEquals(2, store.trackedClients());
        // One token came back in those 21 s (3 a minute); a bucket made anew would have 3.
        assertEquals(0, store.tryConsume("busy", plans.defaultPlan().bucketPlan()).getRemainingTokens());
        assertFalse(store.tryConsume("busy", plans.defaultPlan().bucketPlan()).isConsumed());
        time.advance(Duration.ofSeconds(61));
        assertEquals(0, store.trackedClients());
    }

    @Test
    void shouldCountEachOutageDecisionUnderItsMode() throws Exception {
        Plans plans = Plans.of(Limits.parse("10/1m"));
        BucketStore away = new AwayStore();
        RateLimitMetrics metrics = new RateLimitMetrics();
        metrics.register(dev.tollgate.testing.Fakes.context(java.util.Map.of()), "shouldCountEachOutageDecision");
        try {
            for (RateLimiter.OnStoreFailure mode : RateLimiter.OnStoreFailure.values()) {
                RateLimiter limiter = RateLimiter.builder(plans).store(away).onStoreFailure(mode).metrics(metrics).build();
                for (int i = 0; i <= mode.ordinal(); i++) {
                    limiter.tryConsume("ip:203.0.113.9", plans.defaultPlan());
                }
                assertEquals(mode == RateLimiter.OnStoreFailure.LOCAL ? 1 : 0, limiter.trackedClients(),
                        mode + ": only the local fallback tracks the client");
            }
            javax.management.MBeanServer server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
            javax.management.ObjectName name = new javax.management.ObjectName(
                    "dev.tollgate:type=RateLimitFilter,context=/,name=shouldCountEachOutageDecision");
            assertEquals(1L, server.getAttribute(name, "OutageAllow"));
            assertEquals(2L, server.getAttribute(name, "OutageReject"));
            assertEquals(3L, server.getAttribute(name, "OutageLocal"));
        } finally {
            metrics.unregister();
        }
    }
}
