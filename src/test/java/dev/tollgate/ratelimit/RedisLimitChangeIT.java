package dev.tollgate.ratelimit;

import dev.tollgate.ratelimit.redis.RedisStores;
import dev.tollgate.ratelimit.spi.SharedBucketStore;
import dev.tollgate.ratelimit.spi.SyncMode;
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
 * Redis: each "node" is a {@link SharedBucketStore} of its own on one prefix. Whatever the
 * direction, a changed limit counts what was used in its window: what is left is the new capacity
 * minus the tokens used, never less than 0. Periods of hours and days, so that no token comes back
 * while a test runs.
 */
class RedisLimitChangeIT extends RealRedisCases {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final Duration PROBE = Duration.ofMillis(200);
    /** A sync every 3 tokens; the interval is long enough never to start one by itself. */
    private static final SyncMode DELAYED = SyncMode.delayed(3, Duration.ofHours(1));

    /** A node with {@code limits}: its own Redis store, answering 503 when Redis fails. */
    private RateLimiter node(String limits) {
        return node(limits, SyncMode.exact());
    }

    private RateLimiter node(String limits, SyncMode sync) {
        Plans plans = Plans.of(Limits.parse(limits));
        return RateLimiter.builder(plans).store(RedisStores.create(RedisTestSupport.URI, prefix, TIMEOUT, PROBE, sync))
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
    void shouldCountWhatWasUsedWhenALimitTightens() {
        try (RateLimiter before = node("10/1h")) {
            assertEquals(3, allowedOf(before, "client:tighter-used-up", 3));
        }
        try (RateLimiter after = node("3/1h")) {
            assertEquals(0, allowedOf(after, "client:tighter-used-up", 10), "3 used of a new limit of 3 leaves 0");
        }
        try (RateLimiter before = node("100/1h")) {
            assertEquals(90, allowedOf(before, "client:tighter-over", 90));
        }
        try (RateLimiter after = node("50/1h")) {
            assertEquals(0, allowedOf(after, "client:tighter-over", 10), "90 used is over the new limit of 50: none left");
        }
        try (RateLimiter before = node("100/1h, 5000/1d")) {
            assertEquals(3, allowedOf(before, "client:tighter-two", 3));
        }
        try (RateLimiter after = node("50/1h, 5000/1d")) {
            assertEquals(47, allowedOf(after, "client:tighter-two", 100), "50 less the 3 used");
        }
    }

    @Test
    void shouldCountWhatWasUsedWhenTheFirstCallUnderATightenedLimitOnlyLooks() {
        // count-statuses looks at the bucket (a read of Redis's own state) before the application answers.
        try (RateLimiter before = node("10/1h")) {
            assertEquals(3, allowedOf(before, "client:tighter-look", 3));
        }
        try (RateLimiter after = node("3/1h")) {
            Plan plan = after.plans().defaultPlan();
            RateLimitDecision look = after.check("client:tighter-look", plan, 1);
            assertTrue(look.counted(), "decided by Redis");
            assertFalse(look.allowed(), "3 used of a new limit of 3 leaves nothing");
            assertEquals(0, allowedOf(after, "client:tighter-look", 5));
        }
    }

    @Test
    void shouldCountWhatWasUsedForEachLimitWhenSeveralTighten() {
        try (RateLimiter before = node("100/1h, 1000/1d")) {
            assertEquals(30, allowedOf(before, "client:several-hour", 30));
        }
        try (RateLimiter after = node("50/1h, 400/1d")) {
            RateLimitDecision first = take(after, "client:several-hour");
            assertEquals(19, first.remaining(), "50 - 30 used, one taken: the hour decides");
            assertEquals("default-1h", first.policyItem());
            assertEquals(19, allowedOf(after, "client:several-hour", 40));
        }
        try (RateLimiter before = node("100/1h, 200/1d")) {
            assertEquals(30, allowedOf(before, "client:several-day", 30));
        }
        try (RateLimiter after = node("90/1h, 40/1d")) {
            RateLimitDecision first = take(after, "client:several-day");
            assertEquals(9, first.remaining(), "40 - 30 used, one taken: the day decides (the hour has 90 - 31)");
            assertEquals("default-1d", first.policyItem());
            assertEquals(9, allowedOf(after, "client:several-day", 40));
            RateLimitDecision rejected = take(after, "client:several-day");
            assertFalse(rejected.allowed());
            assertEquals("default-1d", rejected.policyItem());
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
        try (RateLimiter before = node("50/1h, 400/1d")) {
            assertEquals(30, allowedOf(before, "client:looser-several", 30));
        }
        try (RateLimiter after = node("100/1h, 1000/1d")) {
            RateLimitDecision first = take(after, "client:looser-several");
            assertEquals(69, first.remaining(), "100 - 30 used, one taken (the day has 1000 - 31)");
            assertEquals(69, allowedOf(after, "client:looser-several", 100));
        }
    }

    @Test
    void shouldLetTheLimitsStartedLastWinWhileTwoNodesRunDifferentLimits() {
        try (RateLimiter old = node("10/1h"); RateLimiter upgraded = node("5/1h")) {
            assertEquals(9, take(old, "client:rolling").remaining());
            assertEquals(8, take(old, "client:rolling").remaining());
            RateLimitDecision first = take(upgraded, "client:rolling");
            assertTrue(first.allowed());
            assertEquals(2, first.remaining(), "5 less the 2 used, one taken");
            assertEquals("default-1h", first.policyItem(), "the deciding limit, named from the bucket's state in Redis");
            for (int remaining = 1; remaining >= 0; remaining--) {
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

    @Test
    void shouldCountWhatWasUsedWhenALimitTightensWithDelayedSync() {
        try (RateLimiter before = node("10/1h", DELAYED)) {
            assertEquals(3, allowedOf(before, "client:delayed-redeploy", 3));
        }
        try (RateLimiter after = node("3/1h", DELAYED)) {
            assertEquals(0, allowedOf(after, "client:delayed-redeploy", 10), "the 3 pushed when the old node stopped, all counted");
        }
        try (RateLimiter before = node("100/1h, 1000/1d", DELAYED)) {
            assertEquals(30, allowedOf(before, "client:delayed-several", 30));
        }
        try (RateLimiter after = node("50/1h, 400/1d", DELAYED)) {
            assertEquals(20, allowedOf(after, "client:delayed-several", 40), "50 - 30 used");
        }
    }

    @Test
    void shouldCountWhatRedisKnowsWasUsedWhileAnOldNodeWithDelayedSyncStillRuns() {
        try (RateLimiter old = node("10/1h", DELAYED); RateLimiter upgraded = node("3/1h", DELAYED)) {
            // The first request syncs; the next two are taken from the node's copy, below the 3 that start a sync.
            assertEquals(3, allowedOf(old, "client:delayed-rolling", 3));
            assertEquals(2, allowedOf(upgraded, "client:delayed-rolling", 10),
                    "3 less the 1 that Redis knows of; the old node's 2 unsynced are the delayed mode's excess (at most 3 per node)");
        }
    }
}
