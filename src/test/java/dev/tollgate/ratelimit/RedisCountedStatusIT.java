package dev.tollgate.ratelimit;

import dev.tollgate.ratelimit.redis.RedisStores;
import dev.tollgate.ratelimit.spi.SyncMode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.it.RealRedisCases;
import dev.tollgate.it.RedisTestSupport;
import dev.tollgate.ratelimit.RateLimiter.OnStoreFailure;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The look before a request and the count after it ({@code count-statuses}), and costs, in the
 * real Redis: exact across nodes, and in how many round trips.
 */
class RedisCountedStatusIT extends RealRedisCases {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final Duration PROBE = Duration.ofMillis(300);

    private RateLimiter node(Plans plans, SyncMode sync) {
        return RateLimiter.builder(plans).store(RedisStores.create(RedisTestSupport.URI, prefix, TIMEOUT, PROBE, sync))
                .onStoreFailure(OnStoreFailure.REJECT).build();
    }

    @Test
    void shouldCountFailuresExactlyAcrossTwoNodes() {
        Plans plans = Plans.of(Limits.parse("3/1h"));
        Plan plan = plans.defaultPlan();
        try (RateLimiter a = node(plans, SyncMode.exact()); RateLimiter b = node(plans, SyncMode.exact())) {
            for (int i = 0; i < 3; i++) {
                RateLimiter node = i % 2 == 0 ? a : b;
                RateLimitDecision look = node.check("ip:guesser", plan, 1);
                assertTrue(look.allowed() && look.counted(), "attempt " + i);
                assertEquals(2 - i, look.remaining(), "attempt " + i);
                node.count("ip:guesser", plan, 1);
            }
            // b wrote the bucket at the second attempt and a at the third: both see the third.
            for (RateLimiter node : new RateLimiter[] {a, b}) {
                RateLimitDecision blocked = node.check("ip:guesser", plan, 1);
                assertFalse(blocked.allowed());
                assertTrue(blocked.counted());
                assertTrue(blocked.retryAfterSeconds() > 1190 && blocked.retryAfterSeconds() <= 1200, blocked.toString());
            }
            for (int i = 0; i < 10; i++) {
                assertEquals(2, (i % 2 == 0 ? a : b).check("ip:user", plan, 1).remaining(), "a look takes nothing");
            }
        }
    }

    @Test
    void shouldCountFailuresWithTheDelayedSync() {
        Plans plans = Plans.of(Limits.parse("3/1h"));
        Plan plan = plans.defaultPlan();
        try (RateLimiter node = node(plans, SyncMode.delayed(10, Duration.ofSeconds(1)))) {
            for (int i = 0; i < 3; i++) {
                assertEquals(2 - i, node.check("ip:delayed-guesser", plan, 1).remaining());
                node.count("ip:delayed-guesser", plan, 1);
            }
            assertFalse(node.check("ip:delayed-guesser", plan, 1).allowed());
        }
    }

    @Test
    void shouldTakeACostAtOnceOnTwoNodes() {
        Plans plans = Plans.of(Limits.parse("20/1h"));
        Plan plan = plans.defaultPlan();
        try (RateLimiter a = node(plans, SyncMode.exact()); RateLimiter b = node(plans, SyncMode.exact())) {
            assertEquals(10, a.tryConsume("ip:exporter", plan, 10).remaining());
            assertEquals(0, b.tryConsume("ip:exporter", plan, 10).remaining());
            RateLimitDecision tooDear = a.tryConsume("ip:exporter", plan, 10);
            assertFalse(tooDear.allowed());
            assertTrue(tooDear.counted());
            assertFalse(b.tryConsume("ip:exporter", plan, 1).allowed());
        }
    }

    @Test
    void shouldCountRoundTripsOfALookAndACount() {
        Plans plans = Plans.of(Limits.parse("100000/1h"));
        Plan plan = plans.defaultPlan();
        try (RateLimiter node = node(plans, SyncMode.exact())) {
            node.check("ip:counted", plan, 1);
            node.count("ip:counted", plan, 1);
            int requests = 200;
            double counted = roundTrips(requests, () -> {
                assertTrue(node.check("ip:counted", plan, 1).allowed());
                node.count("ip:counted", plan, 1);
            });
            double notCounted = roundTrips(requests, () -> assertTrue(node.check("ip:counted", plan, 1).allowed()));
            System.out.printf("Redis round trips with count-statuses: %.2f for a counted answer (the look's GET and the "
                    + "count's EVAL), %.2f for an answer not counted (the look's GET)%n", counted, notCounted);
            assertEquals(2.0, counted, 0.1, "a GET to look, a compare-and-swap EVAL from the state this node wrote");
            assertEquals(1.0, notCounted, 0.1, "a GET to look, nothing written");
        }
    }

    /** Round trips to Redis per run of {@code request}, from {@code INFO commandstats}. */
    private double roundTrips(int requests, Runnable request) {
        long gets = redis.calls("get");
        long evals = redis.calls("eval");
        for (int i = 0; i < requests; i++) {
            request.run();
        }
        // INFO commandstats also counts the GET that each EVAL's script runs inside Redis; the GETs
        // sent over the network are the rest.
        long evalDelta = redis.calls("eval") - evals;
        long networkGets = redis.calls("get") - gets - evalDelta;
        return (networkGets + evalDelta) / (double) requests;
    }
}
