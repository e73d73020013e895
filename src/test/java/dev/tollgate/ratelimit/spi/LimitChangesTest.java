package dev.tollgate.ratelimit.spi;

import dev.tollgate.ratelimit.TestPlans;
import dev.tollgate.testing.FakeTime;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketListener;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.proxy.AsyncCommandExecutor;
import io.github.bucket4j.distributed.proxy.DefaultAsyncBucketProxy;
import io.github.bucket4j.distributed.proxy.ImplicitConfigurationReplacement;
import io.github.bucket4j.distributed.proxy.RecoveryStrategy;
import io.github.bucket4j.distributed.proxy.optimization.Optimization;
import io.github.bucket4j.distributed.remote.CommandResult;
import io.github.bucket4j.distributed.remote.MutableBucketEntry;
import io.github.bucket4j.distributed.remote.RemoteBucketState;
import io.github.bucket4j.distributed.remote.RemoteCommand;
import io.github.bucket4j.distributed.remote.commands.ConsumeIgnoringRateLimitsCommand;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Changed limits on one shared bucket, through bucket4j's own proxy with its implicit configuration
 * replacement, over a bucket kept in memory and run on a fake clock: each node is a proxy with its
 * limits and their version, as the Redis store makes them.
 */
class LimitChangesTest {

    private final FakeTime time = new FakeTime(Instant.parse("2026-01-01T00:00:00Z"));
    private final StoredBucket stored = new StoredBucket();

    /** A node with {@code limits} registered as {@code version}, its replacements made by {@link LimitChanges}. */
    private AsyncBucketProxy node(String limits, long version) {
        return stored.node(limits, version, LimitChanges.countingUsed(Optimization.NONE_OPTIMIZED));
    }

    private static int allowedOf(AsyncBucketProxy node, int attempts) {
        int allowed = 0;
        for (int i = 0; i < attempts; i++) {
            allowed += take(node).isConsumed() ? 1 : 0;
        }
        return allowed;
    }

    private static ConsumptionProbe take(AsyncBucketProxy node) {
        return node.tryConsumeAndReturnRemaining(1).join();
    }

    @Test
    void shouldLeaveEachLimitItsNewCapacityLessWhatWasUsed() {
        assertEquals(30, allowedOf(node("100/1m, 1000/1d", 1), 30));
        assertTrue(take(node("50/1m, 400/1d", 2)).isConsumed());
        assertEquals(19, stored.left("1m"), "50 - 30 used, one taken");
        assertEquals(369, stored.left("1d"), "400 - 30 used, one taken");

        StoredBucket other = new StoredBucket();
        assertEquals(90, allowedOf(other.node("100/1m, 1000/1d", 1), 90));
        assertFalse(take(other.node("50/1m, 400/1d", 2)).isConsumed(), "90 used is over the new 50");
        assertEquals(0, other.left("1m"));
        assertEquals(310, other.left("1d"));
    }

    @Test
    void shouldLeaveNothingWhenWhatWasUsedReachesTheNewCapacity() {
        assertEquals(3, allowedOf(node("10/1h", 1), 3));
        AsyncBucketProxy tightened = node("3/1h", 2);
        assertEquals(0, allowedOf(tightened, 10), "3 used of a new limit of 3");
        time.advance(Duration.ofMinutes(20));
        assertEquals(1, allowedOf(tightened, 10), "then one back every 20 minutes");
    }

    @Test
    void shouldCountWhatWasUsedInTheWindowAfterTokensCameBack() {
        assertEquals(100, allowedOf(node("100/1m", 1), 100));
        time.advance(Duration.ofSeconds(45));
        assertEquals(75, stored.left("1m"), "75 back: 25 used in the last minute");
        AsyncBucketProxy tightened = node("50/1m", 2);
        assertTrue(take(tightened).isConsumed());
        assertEquals(24, stored.left("1m"), "50 - 25 used, one taken");
    }

    @Test
    void shouldAddTheGrowthOfALooserLimitAsBucket4jDoes() {
        assertEquals(3, allowedOf(node("3/1h", 1), 10));
        assertEquals(7, allowedOf(node("10/1h", 2), 10));

        StoredBucket other = new StoredBucket();
        assertEquals(30, allowedOf(other.node("50/1m, 400/1d", 1), 30));
        assertTrue(take(other.node("100/1m, 1000/1d", 2)).isConsumed());
        assertEquals(69, other.left("1m"));
        assertEquals(969, other.left("1d"));
    }

    @Test
    void shouldStartAnAddedLimitFullAndDropARemovedOne() {
        assertEquals(30, allowedOf(node("100/1m, 5000/7d", 1), 30));
        assertTrue(take(node("50/1m, 400/1d", 2)).isConsumed());
        assertEquals(19, stored.left("1m"));
        assertEquals(399, stored.left("1d"), "nothing was counted under the new day limit");
        assertEquals(List.of("1m", "1d"), stored.ids());
    }

    @Test
    void shouldKeepTheWindowOfAnIntervalLimit() {
        assertEquals(40, allowedOf(node("100/1h interval", 1), 40));
        time.advance(Duration.ofMinutes(20));
        AsyncBucketProxy tightened = node("50/1h interval", 2);
        assertEquals(10, allowedOf(tightened, 20), "50 - 40 used");
        time.advance(Duration.ofMinutes(40).minusSeconds(1));
        assertFalse(take(tightened).isConsumed(), "the hour that started before the change has not ended");
        time.advance(Duration.ofSeconds(1));
        assertEquals(50, allowedOf(tightened, 60), "it ends when it would have: all 50 back");
    }

    @Test
    void shouldKeepADebtAndAddNone() {
        assertEquals(1, allowedOf(node("10/1h", 1), 1));
        stored.run(new ConsumeIgnoringRateLimitsCommand(14));
        assertEquals(-5, stored.left("1h"), "the delayed sync pushed more than the limit");
        assertFalse(take(node("3/1h", 2)).isConsumed());
        assertEquals(-5, stored.left("1h"), "not 0, and not -12: the change itself charges nothing");
    }

    @Test
    void shouldReplaceOncePerVersionAndLetTheVersionRegisteredLastWin() {
        AsyncBucketProxy old = node("10/1h", 1);
        assertEquals(2, allowedOf(old, 2));
        AsyncBucketProxy upgraded = node("5/1h", 2);
        stored.commands.clear();
        assertEquals(3, allowedOf(upgraded, 2) + allowedOf(old, 3), "5 - 2 used, on both nodes");
        assertEquals(1, stored.commands.stream().filter(LimitChanges.Replacement.class::isInstance).count(), stored.commands::toString);
        assertEquals(List.of("1h"), stored.ids());
        assertEquals(5, stored.capacity("1h"), "the old node counts under the limits registered last");
    }

    @Test
    void shouldCorrectBucket4jsAdditiveWhichForgivesWhatWasUsedWhenALimitShrinks() {
        assertEquals(3, allowedOf(stored.node("10/1h", 1, Optimization.NONE_OPTIMIZED), 3));
        assertEquals(3, allowedOf(stored.node("3/1h", 2, Optimization.NONE_OPTIMIZED), 10),
                "bucket4j 8.19.0 keeps min(left, new capacity): if this fails, ADDITIVE changed and LimitChanges may go");
    }

    /**
     * One bucket as Redis holds it: each command runs on a copy of the stored state at the fake
     * time and is stored if it changed it, as the compare-and-swap proxy runs commands.
     */
    private final class StoredBucket implements AsyncCommandExecutor {

        private RemoteBucketState state;
        final List<RemoteCommand<?>> commands = new ArrayList<>();

        @Override
        public synchronized <T> CompletableFuture<CommandResult<T>> executeAsync(RemoteCommand<T> command) {
            return CompletableFuture.completedFuture(run(command));
        }

        synchronized <T> CommandResult<T> run(RemoteCommand<T> command) {
            commands.add(command);
            MutableBucketEntry entry = new MutableBucketEntry(state == null ? null : state.copy());
            CommandResult<T> result = command.execute(entry, time.currentTimeNanos());
            if (entry.isStateModified()) {
                state = entry.get();
            }
            return result;
        }

        /** A node with {@code limits} registered as {@code version}, as the Redis store makes it over {@code optimization}. */
        AsyncBucketProxy node(String limits, long version, Optimization optimization) {
            return new DefaultAsyncBucketProxy(optimization.apply(this), RecoveryStrategy.RECONSTRUCT,
                    TestPlans.plan("default", limits).asyncConfiguration(),
                    new ImplicitConfigurationReplacement(version, TokensInheritanceStrategy.ADDITIVE), BucketListener.NOPE);
        }

        AsyncBucketProxy node(String limits, long version) {
            return node(limits, version, LimitChanges.countingUsed(Optimization.NONE_OPTIMIZED));
        }

        /** The tokens left now under the limit with {@code id}. */
        synchronized long left(String id) {
            RemoteBucketState now = state.copy();
            now.refillAllBandwidth(time.currentTimeNanos());
            return now.getState().getCurrentSize(index(id));
        }

        synchronized long capacity(String id) {
            return state.getConfiguration().getBandwidths()[index(id)].getCapacity();
        }

        synchronized List<String> ids() {
            List<String> ids = new ArrayList<>();
            for (Bandwidth limit : state.getConfiguration().getBandwidths()) {
                ids.add(limit.getId());
            }
            return ids;
        }

        private int index(String id) {
            Bandwidth[] limits = state.getConfiguration().getBandwidths();
            for (int i = 0; i < limits.length; i++) {
                if (id.equals(limits[i].getId())) {
                    return i;
                }
            }
            throw new AssertionError("no limit " + id + " in " + ids());
        }
    }
}
