package dev.tollgate.ratelimit.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.MathType;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.BucketState;
import io.github.bucket4j.distributed.proxy.AsyncCommandExecutor;
import io.github.bucket4j.distributed.proxy.optimization.NopeOptimizationListener;
import io.github.bucket4j.distributed.remote.CommandResult;
import io.github.bucket4j.distributed.remote.MutableBucketEntry;
import io.github.bucket4j.distributed.remote.RemoteBucketState;
import io.github.bucket4j.distributed.remote.RemoteCommand;
import io.github.bucket4j.distributed.remote.RemoteStat;
import io.github.bucket4j.distributed.remote.commands.CheckConfigurationVersionAndExecuteCommand;
import io.github.bucket4j.distributed.remote.commands.TryConsumeCommand;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The batched mode's local copy over a store held in memory (one bucket, commands run as the
 * compare-and-swap proxy runs them): what reaches the store and when.
 */
class SyncAheadBatchedTest {

    private static final BucketConfiguration LIMITS = BucketConfiguration.builder()
            .addLimit(Bandwidth.builder().capacity(100).refillGreedy(100, Duration.ofHours(1)).id("3600").build())
            .build();
    private static final long VERSION = 5;

    private final AtomicInteger calls = new AtomicInteger();
    private final long now = System.currentTimeMillis() * 1_000_000L;
    /** The store's bucket; {@code null} when it has none. */
    private RemoteBucketState stored;
    private final AsyncCommandExecutor store = new AsyncCommandExecutor() {
        @Override
        public <T> CompletableFuture<CommandResult<T>> executeAsync(RemoteCommand<T> command) {
            calls.incrementAndGet();
            MutableBucketEntry entry = new MutableBucketEntry(stored == null ? null : stored.copy());
            CommandResult<T> result = command.execute(entry, now);
            if (entry.isStateModified()) {
                stored = entry.get();
            }
            return CompletableFuture.completedFuture(result);
        }
    };
    private final SyncBatches batches = new SyncBatches("the test store", Duration.ofHours(1), () -> false, () -> { });

    @AfterEach
    void stopBursts() {
        batches.close();
    }

    private AsyncCommandExecutor copy(boolean makeCopies) {
        TimeMeter clock = new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return now;
            }

            @Override
            public boolean isWallClockBased() {
                return true;
            }
        };
        return new SyncAhead(10, Duration.ofHours(1).toNanos(), Runnable::run, NopeOptimizationListener.INSTANCE, clock, batches, makeCopies)
                .apply(store);
    }

    /** One request, as bucket4j's proxy sends it: its command under a version check, then, for a missing bucket, the command that makes it. */
    private static boolean take(AsyncCommandExecutor copy) throws Exception {
        CommandResult<Boolean> result = copy.executeAsync(new CheckConfigurationVersionAndExecuteCommand<>(TryConsumeCommand.TRY_CONSUME_ONE, VERSION))
                .get();
        if (result.isBucketNotFound() || result.isConfigurationNeedToBeReplaced()) {
            result = copy.executeAsync(new LimitChanges.Replacement<>(LIMITS, TryConsumeCommand.TRY_CONSUME_ONE, VERSION)).get();
        }
        return result.getData();
    }

    private long availableInStore() {
        return stored.getState().getAvailableTokens();
    }

    @Test
    void shouldRecreateABucketThatExpiredInTheStoreFromACopyReadFromTheStore() throws Exception {
        stored = new RemoteBucketState(BucketState.createInitialState(LIMITS, MathType.INTEGER_64_BITS, now), new RemoteStat(0), VERSION);
        AsyncCommandExecutor copy = copy(false);
        // Read first: the request goes to the store, which holds the bucket.
        assertTrue(take(copy));
        assertEquals(1, calls.get());
        assertEquals(99, availableInStore());
        // Decided on the node: one unsynced token.
        assertTrue(take(copy));
        assertEquals(1, calls.get());
        // The bucket expires in the store; the burst pushes the token all the same, making the bucket again.
        stored = null;
        CompletableFuture<Void> pushed = ((SyncBatches.Copy) copy).sync();
        assertNotNull(pushed, "a copy with an unsynced token has a sync to send");
        pushed.get();
        assertNotNull(stored, "the push made the bucket from the limits it learnt from the store");
        assertEquals(99, availableInStore(), "the pushed token is counted");
    }

    @Test
    void shouldDecideANewClientOnTheNodeAndSendNothingForACleanCopy() throws Exception {
        AsyncCommandExecutor copy = copy(true);
        for (int i = 0; i < 3; i++) {
            assertTrue(take(copy));
        }
        assertEquals(0, calls.get(), "a new client's first requests are decided from a bucket made from the limits");
        assertNull(stored);
        assertEquals(1, batches.waiting(), "the copy waits once for the next burst, however many tokens it took");
        ((SyncBatches.Copy) copy).sync().get();
        assertEquals(1, calls.get());
        assertEquals(97, availableInStore(), "the burst made the bucket in the store with the 3 tokens");
        assertNull(((SyncBatches.Copy) copy).sync(), "nothing unsynced: no call");
        assertEquals(1, calls.get());
    }
}
