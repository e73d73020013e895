package dev.tollgate.ratelimit;

import dev.tollgate.testing.FakeTime;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Which limit of a plan decided an answer: the {@code RateLimit} header names it. */
class DecidingLimitTest {

    private final FakeTime time = new FakeTime(Instant.parse("2026-01-01T00:00:00Z"));

    private RateLimitDecision take(RateLimiter limiter, Plans plans) {
        return limiter.tryConsume("ip:1", plans.defaultPlan());
    }

    private RateLimiter limiter(Plans plans) {
        return RateLimiter.builder(plans).store(LocalBucketStore.create(plans, 100, time)).clock(time).build();
    }

    @Test
    void shouldNameTheLimitWithFewestTokensLeftAndTheOneThatRejected() {
        Plans plans = Plans.of(Limits.parse("5/1m, 3/1h"));
        RateLimiter limiter = limiter(plans);
        for (int remaining = 2; remaining >= 0; remaining--) {
            RateLimitDecision d = take(limiter, plans);
            assertTrue(d.allowed());
            assertEquals("default-1h", d.policyItem());
            assertEquals(remaining, d.remaining());
        }
        RateLimitDecision rejected = take(limiter, plans);
        assertFalse(rejected.allowed());
        assertEquals("default-1h", rejected.policyItem(), "the hourly limit is out, the minute one has 2 left");
    }

    @Test
    void shouldNameTheShortLimitWhenItRunsOutFirst() {
        Plans plans = Plans.of(Limits.parse("3/1m, 100/1d"));
        RateLimiter limiter = limiter(plans);
        for (int i = 0; i < 3; i++) {
            assertEquals("default-1m", take(limiter, plans).policyItem());
        }
        RateLimitDecision rejected = take(limiter, plans);
        assertFalse(rejected.allowed());
        assertEquals("default-1m", rejected.policyItem());
    }

    @Test
    void shouldBreakTiesByTheSlowestRefillThenTheOrderWritten() {
        Plans plans = Plans.of(Limits.parse("10/1m, 10/1h"));
        RateLimiter limiter = limiter(plans);
        assertEquals("default-1h", take(limiter, plans).policyItem(), "both have 9 left; the hourly one comes back slower");
        Plans sameRate = Plans.of(Limits.parse("1/1s, 60/1m"));
        RateLimiter same = limiter(sameRate);
        RateLimitDecision first = take(same, sameRate);
        assertEquals(0, first.remaining());
        assertEquals("default-1s", first.policyItem());
        RateLimitDecision rejected = take(same, sameRate);
        assertFalse(rejected.allowed());
        assertEquals("default-1s", rejected.policyItem(), "only the 1s limit has no token");
        time.advance(Duration.ofSeconds(1));
        assertTrue(take(same, sameRate).allowed());
    }

    @Test
    void shouldNameTheLimitOfANamedPlan() {
        Plans plans = Plans.of(Limits.parse("100/1m"), java.util.List.of(Plan.of("gold", Limits.parse("2/1s, 1000/1d"))), java.util.Map.of());
        RateLimiter limiter = limiter(plans);
        assertEquals("gold-1s", limiter.tryConsume("ip:2", plans.byName("gold")).policyItem());
    }
}
