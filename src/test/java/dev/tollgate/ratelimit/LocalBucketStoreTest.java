package dev.tollgate.ratelimit;

import dev.tollgate.testing.FakeTime;
import dev.tollgate.ratelimit.spi.BucketStore;
import dev.tollgate.ratelimit.spi.BucketPlan;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.tollgate.it.LogCapture;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.VerboseResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What the bound on clients may drop: a flood of new clients must not hand an existing client a
 * fresh quota. Time is injected; a flood is {@code max-clients} and more new keys, as an attacker
 * rotating source addresses (an IPv6 /48 holds 65,536 /64s) sends them.
 */
class LocalBucketStoreTest {

    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    private final FakeTime time = new FakeTime(START);

    /** Each of {@code keys} new /64s sends one request; returns how many were allowed. */
    private static int flood(BucketStore store, BucketPlan plan, int keys) {
        int allowed = 0;
        for (int i = 0; i < keys; i++) {
            if (store.tryConsume("ip:2001:db8:1:" + Integer.toHexString(i) + "::/64", plan).isConsumed()) {
                allowed++;
            }
        }
        return allowed;
    }

    @Test
    void shouldStillRefuseADrainedClientAfterAFloodOfNewClientsPastTheBound() {
        Plans plans = Plans.of(Limits.parse("5000/1d"));
        BucketPlan plan = plans.defaultPlan().bucketPlan();
        LocalBucketStore store = LocalBucketStore.create(plans, 1_000, time);
        int drained = 0;
        while (store.tryConsume("ip:203.0.113.9", plan).isConsumed()) {
            drained++;
        }
        assertEquals(5000, drained);
        for (int i = 0; i < 2500; i++) {
            store.tryConsume("ip:198.51.100.7", plan);
        }
        time.advance(Duration.ofMinutes(1));
        flood(store, plan, 65_536);

        // In the minute, 5000/1d gave back 3 tokens (one per 17.28 s); a fresh bucket would give 5000.
        int regained = 0;
        while (regained < 5000 && store.tryConsume("ip:203.0.113.9", plan).isConsumed()) {
            regained++;
        }
        assertEquals(3, regained, "tokens the drained client got after the flood");
        long left = store.tryConsume("ip:198.51.100.7", plan).getRemainingTokens();
        assertEquals(2502, left, "what the half-used client has left after one more request");
    }

    @Test
    void shouldCountNewClientsInOneSharedOverflowBucketWhenFullOfBucketsInUse() {
        Plans plans = Plans.of(Limits.parse("3/1d"), List.of(Plan.of("gold", Limits.parse("5/1d"))), Map.of());
        BucketPlan plan = plans.defaultPlan().bucketPlan();
        LocalBucketStore store = LocalBucketStore.create(plans, 4, time);
        for (int i = 0; i < 4; i++) {
            store.tryConsume("ip:192.0.2." + i, plan);
        }
        try (LogCapture log = new LogCapture(LocalBucketStore.class)) {
            // Four buckets in use, none full again: ten new clients share one bucket of 3/1d.
            assertEquals(3, flood(store, plan, 10), "allowed among the new clients");
            assertEquals(10, store.overflowRequests());
            assertEquals(4, store.heldBuckets(), "the bound holds");
            for (int i = 0; i < 4; i++) {
                assertEquals(1, store.tryConsume("ip:192.0.2." + i, plan).getRemainingTokens(), "a known client keeps its own bucket");
            }
            // Each plan has its own overflow bucket, with that plan's limits.
            assertEquals(4, store.tryConsume("client:acme", plans.byName("gold").bucketPlan()).getRemainingTokens());
            assertEquals(11, store.overflowRequests());

            List<ILoggingEvent> events = log.events();
            assertEquals(1, events.size(), "logged once: " + log.text());
            assertEquals(Level.WARN, events.get(0).getLevel());
            String message = events.get(0).getFormattedMessage();
            assertTrue(message.contains("max-clients") && message.contains("4"), message);
            assertFalse(message.contains("2001:db8") || message.contains("acme") || message.contains("192.0.2"),
                    "never a key: " + message);

            // 3/1d gives a token back every 8 h: after 10 minutes the buckets are still in use, and it is said again.
            time.advance(Duration.ofMinutes(10));
            assertFalse(store.tryConsume("ip:198.51.100.1", plan).isConsumed(), "the overflow bucket is drained");
            assertEquals(2, log.events().size(), "at most once every 10 minutes: " + log.text());
        }
    }

    @Test
    void shouldDropABucketThatIsFullAgainToMakeRoomForANewClient() {
        Plans plans = Plans.of(Limits.parse("10/1m, 100/1h"));
        BucketPlan plan = plans.defaultPlan().bucketPlan();
        LocalBucketStore store = LocalBucketStore.create(plans, 2, time);
        store.tryConsume("ip:192.0.2.1", plan);
        for (int i = 0; i < 10; i++) {
            store.tryConsume("ip:192.0.2.2", plan);
        }
        // 6 s later the first client's 1m limit is full again, not its 1h limit (a token per 36 s).
        time.advance(Duration.ofSeconds(6));
        assertEquals(9, store.tryConsume("ip:192.0.2.3", plan).getRemainingTokens(), "a fresh overflow bucket");
        assertEquals(1, store.overflowRequests(), "no bucket is full again: the new client shares the overflow bucket");
        // 37 s after its request, every limit of the first client is full again: dropping it changes no answer.
        time.advance(Duration.ofSeconds(31));
        assertEquals(9, store.tryConsume("ip:192.0.2.4", plan).getRemainingTokens(), "a bucket of its own");
        assertEquals(1, store.overflowRequests());
        assertEquals(8, store.tryConsume("ip:192.0.2.4", plan).getRemainingTokens(), "kept");
        assertEquals(2, store.heldBuckets());
        // The drained client kept its count: 6 of its 10 tokens came back in 37 s, 9 left for a fresh bucket.
        assertEquals(5, store.tryConsume("ip:192.0.2.2", plan).getRemainingTokens());
    }

    @Test
    void shouldStampWhenABucketIsFullAgainOnAVerboseConsumptionToo() {
        Plans plans = Plans.of(Limits.parse("5/1d"));
        BucketPlan plan = plans.defaultPlan().bucketPlan();
        LocalBucketStore store = LocalBucketStore.create(plans, 1, time);
        assertEquals(4, store.tryConsumeVerbose("ip:192.0.2.1", plan).getValue().getRemainingTokens());
        // A token comes back every 4.8 h: an hour later the bucket is in use and stays.
        time.advance(Duration.ofHours(1));
        assertTrue(store.tryConsumeVerbose("ip:192.0.2.2", plan).getValue().isConsumed());
        assertEquals(1, store.overflowRequests());
        // 5 h after its request it is full again, and makes room.
        time.advance(Duration.ofHours(4));
        assertEquals(4, store.tryConsumeVerbose("ip:192.0.2.3", plan).getValue().getRemainingTokens());
        assertEquals(1, store.overflowRequests(), "a bucket of its own");
        assertEquals(3, store.tryConsumeVerbose("ip:192.0.2.3", plan).getValue().getRemainingTokens());
    }

    @Test
    void shouldKeepABucketDrainedByCountedAnswersOrCostsThroughAFloodOfNewClients() {
        // count-statuses drains a bucket after the fact, costs take several tokens at once: neither
        // may leave the bucket looking full to the look-out for a bucket to drop. A new bucket is
        // kept for the longest period (a day here), so the draining comes 23 h after it was made.
        Plans plans = Plans.of(Limits.parse("5/1d"));
        BucketPlan plan = plans.defaultPlan().bucketPlan();
        LocalBucketStore store = LocalBucketStore.create(plans, 2, time);
        assertTrue(store.estimate("ip:192.0.2.1", plan, 1).getValue().canBeConsumed());
        assertTrue(store.tryConsume("ip:192.0.2.2", plan, 1).isConsumed());
        time.advance(Duration.ofHours(23));
        store.consumeIgnoringLimits("ip:192.0.2.1", plan, 5);
        assertEquals(0, store.tryConsume("ip:192.0.2.2", plan, 5).getRemainingTokens(), "full again, then one export of 5");
        // Two hours on, neither bucket has a token back (one every 4.8 h); two new clients arrive,
        // as many as the store holds, and go to the overflow bucket (which a longer flood would drain).
        time.advance(Duration.ofHours(2));
        assertEquals(2, flood(store, plan, 2));
        assertEquals(2, store.overflowRequests());

        assertFalse(store.estimate("ip:192.0.2.1", plan, 1).getValue().canBeConsumed(), "the guesser after the flood");
        assertFalse(store.tryConsume("ip:192.0.2.2", plan, 1).isConsumed(), "the exporter after the flood");
    }

    @Test
    void shouldKeepADrainedClientLimitedInTheLocalFallbackOfASharedStore() {
        Plans plans = Plans.of(Limits.parse("5/1d"));
        Plan plan = plans.defaultPlan();
        BucketStore away = new AwayStore();
        // The default fallback: a local store bounded like the filter's, on the system clock.
        RateLimiter limiter = RateLimiter.builder(plans).store(away).onStoreFailure(RateLimiter.OnStoreFailure.LOCAL)
                .fallbackMaxClients(100).build();
        for (int i = 0; i < 5; i++) {
            assertTrue(limiter.tryConsume("ip:203.0.113.9", plan).allowed());
        }
        assertFalse(limiter.tryConsume("ip:203.0.113.9", plan).allowed());
        for (int i = 0; i < 1_000; i++) {
            limiter.tryConsume("ip:2001:db8:1:" + Integer.toHexString(i) + "::/64", plan);
        }
        assertFalse(limiter.tryConsume("ip:203.0.113.9", plan).allowed(), "the drained client after the flood");
        assertEquals(100, limiter.trackedClients());
        assertEquals(901, limiter.overflowRequests(), "99 new clients had room, the other 901 shared the overflow bucket");
    }

    @Test
    void shouldHoldTheBoundAndTheDrainedClientUnderConcurrentNewClients() throws Exception {
        Plans plans = Plans.of(Limits.parse("2/1d"));
        BucketPlan plan = plans.defaultPlan().bucketPlan();
        LocalBucketStore store = LocalBucketStore.create(plans, 100, time);
        store.tryConsume("ip:203.0.113.9", plan);
        store.tryConsume("ip:203.0.113.9", plan);
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                done.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < 20_000; i = next.getAndIncrement()) {
                        store.tryConsume("ip:2001:db8:2:" + Integer.toHexString(i) + "::/64", plan);
                        store.tryConsume("ip:203.0.113.9", plan);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        assertEquals(100, store.heldBuckets(), "the drained client and 99 new ones");
        assertFalse(store.tryConsume("ip:203.0.113.9", plan).isConsumed());
        assertEquals(20_000 - 99, store.overflowRequests());
    }
}
