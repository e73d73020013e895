package dev.tollgate.ratelimit;

import dev.tollgate.testing.FakeTime;
import dev.tollgate.ratelimit.spi.BucketStore;
import dev.tollgate.ratelimit.spi.BucketPlan;
import dev.tollgate.ratelimit.spi.StoreUnavailableException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import io.github.bucket4j.VerboseResult;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The limiter's look before a request and count after it ({@code count-statuses}), and costs, on {@link FakeTime}. */
class CountedLimiterTest {

    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private final FakeTime time = new FakeTime(START);

    private RateLimiter limiter(Plans plans) {
        return RateLimiter.builder(plans).store(LocalBucketStore.create(plans, 100, time)).clock(time).build();
    }

    @Test
    void shouldLookWithoutTakingAndCountAfterTheFact() {
        Plans plans = Plans.of(Limits.parse("3/1m"));
        Plan plan = plans.defaultPlan();
        RateLimiter limiter = limiter(plans);
        for (int i = 0; i < 5; i++) {
            RateLimitDecision look = limiter.check("ip:1", plan, 1);
            assertTrue(look.allowed());
            assertEquals(2, look.remaining(), "what remains if this request counts");
            assertEquals(START.getEpochSecond() + 20, look.resetEpochSeconds(), "full again 20 s after one token");
            assertEquals(20, look.resetAfterSeconds());
        }
        limiter.count("ip:1", plan, 1);
        limiter.count("ip:1", plan, 1);
        RateLimitDecision last = limiter.check("ip:1", plan, 1);
        assertTrue(last.allowed());
        assertEquals(0, last.remaining());
        assertEquals(START.getEpochSecond() + 60, last.resetEpochSeconds());
        limiter.count("ip:1", plan, 1);
        RateLimitDecision blocked = limiter.check("ip:1", plan, 1);
        assertFalse(blocked.allowed());
        assertEquals(0, blocked.remaining());
        assertEquals(20, blocked.retryAfterSeconds(), "one token every 20 s");
        assertEquals(START.getEpochSecond() + 20, blocked.resetEpochSeconds());
        assertEquals("default-1m", blocked.policyItem());
        time.advance(Duration.ofSeconds(20));
        assertTrue(limiter.check("ip:1", plan, 1).allowed());
        assertTrue(limiter.check("ip:2", plan, 1).allowed(), "another client");
    }

    @Test
    void shouldCountEveryAnswerOfRequestsThatPassedTogether() {
        Plans plans = Plans.of(Limits.parse("3/1m"));
        Plan plan = plans.defaultPlan();
        RateLimiter limiter = limiter(plans);
        // Five guesses in flight at once all found a token; all five count.
        for (int i = 0; i < 5; i++) {
            assertTrue(limiter.check("ip:1", plan, 1).allowed());
        }
        for (int i = 0; i < 5; i++) {
            limiter.count("ip:1", plan, 1);
        }
        RateLimitDecision blocked = limiter.check("ip:1", plan, 1);
        assertFalse(blocked.allowed());
        assertEquals(60, blocked.retryAfterSeconds(), "two tokens owed, then one to take: 3 x 20 s");
        time.advance(Duration.ofSeconds(59));
        assertFalse(limiter.check("ip:1", plan, 1).allowed());
        time.advance(Duration.ofSeconds(1));
        assertTrue(limiter.check("ip:1", plan, 1).allowed());
    }

    @Test
    void shouldNameTheLimitThatDecidesAndTellWhenAllAreFull() {
        Plans plans = Plans.of(Limits.parse("5/1s, 8/1h"));
        Plan plan = plans.defaultPlan();
        RateLimiter limiter = limiter(plans);
        RateLimitDecision first = limiter.check("ip:1", plan, 1);
        assertEquals(4, first.remaining());
        assertEquals("default-1s", first.policyItem(), "the limit with the fewest tokens");
        for (int i = 0; i < 5; i++) {
            limiter.count("ip:1", plan, 1);
        }
        time.advance(Duration.ofSeconds(1));
        RateLimitDecision later = limiter.check("ip:1", plan, 1);
        assertEquals(2, later.remaining(), "8/1h has 3 left, 5/1s is full again");
        assertEquals("default-1h", later.policyItem());
        // Full again when 8/1h has its 6 tokens back, 450 s each, less the second that passed.
        assertEquals(6 * 450 - 1, later.resetAfterSeconds());
    }

    @Test
    void shouldTakeTheCostOfAPathAtOnceOrNotAtAll() {
        Plans plans = Plans.of(Limits.parse("20/1m"));
        Plan plan = plans.defaultPlan();
        RateLimiter limiter = limiter(plans);
        RateLimitDecision first = limiter.tryConsume("ip:1", plan, 10);
        assertTrue(first.allowed());
        assertEquals(10, first.remaining());
        assertEquals(START.getEpochSecond() + 30, first.resetEpochSeconds(), "ten tokens back in 30 s");
        assertEquals(5, limiter.tryConsume("ip:1", plan, 5).remaining());
        RateLimitDecision tooDear = limiter.tryConsume("ip:1", plan, 10);
        assertFalse(tooDear.allowed());
        assertEquals(0, tooDear.remaining());
        assertEquals(15, tooDear.retryAfterSeconds(), "five more tokens: 15 s");
        assertEquals(4, limiter.tryConsume("ip:1", plan).remaining(), "the rejected request took nothing");
        RateLimitDecision look = limiter.check("ip:1", plan, 5);
        assertFalse(look.allowed(), "a look asks for the cost too");
        assertEquals(3, look.retryAfterSeconds());
    }

    @Test
    void shouldApplyTheOutageBehaviourToLooksAndCounts() {
        Plans plans = Plans.of(Limits.parse("1/1m"));
        Plan plan = plans.defaultPlan();
        BucketStore away = new AwayStore();
        RateLimiter allow = RateLimiter.builder(plans).store(away).onStoreFailure(RateLimiter.OnStoreFailure.ALLOW).build();
        RateLimitDecision allowed = allow.check("ip:1", plan, 1);
        assertTrue(allowed.allowed());
        assertFalse(allowed.counted());
        assertNull(allowed.policyItem());
        allow.count("ip:1", plan, 1);

        RateLimiter reject = RateLimiter.builder(plans).store(away).onStoreFailure(RateLimiter.OnStoreFailure.REJECT).build();
        RateLimitDecision rejected = reject.check("ip:1", plan, 1);
        assertFalse(rejected.allowed());
        assertFalse(rejected.counted());

        RateLimiter local = RateLimiter.builder(plans).store(away).onStoreFailure(RateLimiter.OnStoreFailure.LOCAL)
                .fallback(LocalBucketStore.create(plans, 100, time)).clock(time).build();
        assertTrue(local.check("ip:1", plan, 1).allowed());
        local.count("ip:1", plan, 1);
        RateLimitDecision counted = local.check("ip:1", plan, 1);
        assertFalse(counted.allowed(), "counted in the local fallback while the store is away");
        assertTrue(counted.counted());
        assertFalse(local.tryConsume("ip:1", plan, 1).allowed());
    }

    /** A shared store that is away. */
    private static final class AwayStore implements BucketStore {
        @Override
        public ConsumptionProbe tryConsume(String key, BucketPlan plan) {
            throw new StoreUnavailableException("away", null);
        }

        @Override
        public VerboseResult<ConsumptionProbe> tryConsumeVerbose(String key, BucketPlan plan) {
            throw new StoreUnavailableException("away", null);
        }

        @Override
        public ConsumptionProbe tryConsume(String key, BucketPlan plan, long tokens) {
            throw new StoreUnavailableException("away", null);
        }

        @Override
        public VerboseResult<ConsumptionProbe> tryConsumeVerbose(String key, BucketPlan plan, long tokens) {
            throw new StoreUnavailableException("away", null);
        }

        @Override
        public VerboseResult<EstimationProbe> estimate(String key, BucketPlan plan, long tokens) {
            throw new StoreUnavailableException("away", null);
        }

        @Override
        public void consumeIgnoringLimits(String key, BucketPlan plan, long tokens) {
            throw new StoreUnavailableException("away", null);
        }

        @Override
        public boolean isShared() {
            return true;
        }
    }
}
