package dev.tollgate.ratelimit;

import dev.tollgate.it.RealRedisCases;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.it.RedisTestSupport;
import dev.tollgate.ratelimit.RateLimiter.OnStoreFailure;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Redeploys with changed limits, and two nodes running different limits at once, against the real
 * Redis: each "node" is a {@link RedisBucketStore} of its own on one prefix.
 */
class RedisLimitChangeIT extends RealRedisCases {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final Duration PROBE = Duration.ofMillis(200);


    /** A node with {@code limits}: its own Redis store, answering 503 when Redis fails. */
    private RateLimiter node(String limits) {
        Plans plans = Plans.of(Limits.parse(limits));
        return RateLimiter.builder(plans).store(RedisBucketStore.create(RedisTestSupport.URI, prefix, TIMEOUT, PROBE))
                .onStoreFailure(OnStoreFailure.REJECT).build();
    }

    private static RateLimitDecision take(RateLimiter node, String client) {
        RateLimitDecision d = node.tryConsume(client, node.plans().defaultPlan());
        assertTrue(d.counted(), "decided by Redis");
        return d;
    }

    private static int allowedOf(RateLimiter node, String client, int attempts) {
        int allowed = 0;
        for (int i = 0; i < attempts; i++) {
            allowed += take(node, client).allowed() ? 1 : 0;
        }
        return allowed;
    }

    @Test
    void shouldApplyTighterLimitsAtOnceToExistingBuckets() {
        try (RateLimiter before = node("100/1h, 5000/1d")) {
            assertEquals(3, allowedOf(before, "client:tighter-two", 3));
        }
        try (RateLimiter after = node("50/1h, 5000/1d")) {
            assertEquals(50, allowedOf(after, "client:tighter-two", 100), "the 97 left are cut to the new capacity");
        }
        try (RateLimiter before = node("10/1h")) {
            assertEquals(3, allowedOf(before, "client:tighter-one", 3));
        }
        try (RateLimiter after = node("3/1h")) {
            assertEquals(3, allowedOf(after, "client:tighter-one", 10), "the 7 left are cut to the new capacity");
        }
    }

    @Test
    void shouldApplyLooserLimitsAtOnceAndAgainAfterARollback() {
        try (RateLimiter before = node("3/1h")) {
            assertEquals(3, allowedOf(before, "client:looser", 10));
        }
        try (RateLimiter after = node("10/1h")) {
            assertEquals(7, allowedOf(after, "client:looser", 5) + allowedOf(after, "client:looser", 5), "the 7 added");
        }
        try (RateLimiter rolledBack = node("3/1h")) {
            assertEquals(0, allowedOf(rolledBack, "client:looser", 5), "back to 3, all used");
        }
        try (RateLimiter again = node("10/1h")) {
            assertEquals(7, allowedOf(again, "client:looser", 10));
        }
    }

    @Test
    void shouldLetTheLimitsStartedLastWinWhileTwoNodesRunDifferentLimits() {
        try (RateLimiter old = node("10/1h"); RateLimiter upgraded = node("5/1h")) {
            assertEquals(9, take(old, "client:rolling").remaining());
            assertEquals(8, take(old, "client:rolling").remaining());
            RateLimitDecision first = take(upgraded, "client:rolling");
            assertTrue(first.allowed());
            assertEquals(4, first.remaining(), "the 8 left cut to 5/1h, one taken");
            assertEquals("default-1h", first.policyItem(), "the deciding limit, named from the bucket's state in Redis");
            for (int remaining = 3; remaining >= 0; remaining--) {
                assertEquals(remaining, take(old, "client:rolling").remaining(), "the old node counts under the new limits too");
            }
            assertFalse(take(old, "client:rolling").allowed());
            assertFalse(take(upgraded, "client:rolling").allowed());
            try (RateLimiter rolledBack = node("10/1h")) {
                RateLimitDecision back = take(rolledBack, "client:rolling");
                assertTrue(back.allowed(), "started last: 10/1h again, the 5 added at once");
                assertEquals(4, back.remaining());
                assertEquals(3, take(upgraded, "client:rolling").remaining(), "every node follows the limits started last");
                assertEquals(2, take(old, "client:rolling").remaining());
            }
        }
    }
}
