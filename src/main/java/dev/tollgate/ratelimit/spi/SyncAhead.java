package dev.tollgate.ratelimit.spi;

import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.proxy.AsyncCommandExecutor;
import io.github.bucket4j.distributed.proxy.CommandExecutor;
import io.github.bucket4j.distributed.proxy.optimization.DelayParameters;
import io.github.bucket4j.distributed.proxy.optimization.NopeOptimizationListener;
import io.github.bucket4j.distributed.proxy.optimization.Optimization;
import io.github.bucket4j.distributed.proxy.optimization.OptimizationListener;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.distributed.remote.CommandResult;
import io.github.bucket4j.distributed.remote.MultiResult;
import io.github.bucket4j.distributed.remote.MutableBucketEntry;
import io.github.bucket4j.distributed.remote.RemoteBucketState;
import io.github.bucket4j.distributed.remote.RemoteCommand;
import io.github.bucket4j.distributed.remote.commands.ConsumeIgnoringRateLimitsCommand;
import io.github.bucket4j.distributed.remote.commands.CreateSnapshotCommand;
import io.github.bucket4j.distributed.remote.commands.MultiCommand;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The delayed sync: a node decides from its own copy of a bucket and pushes what it took to the shared store
 * every so often, as bucket4j's delaying optimization does, but the sync starts as soon as it is
 * due and runs in the background, so that requests seldom wait for it.
 *
 * <p>bucket4j's optimization syncs when a request would take the node past {@code tokens} unsynced
 * tokens, or comes after {@code interval}; that request and every other request for the bucket on
 * the node wait for the sync, and the waiting request threads are parked and woken again. Here:
 * <ul>
 *   <li>A node still never holds more than {@code tokens} tokens that the store does not know of, and
 *       never decides from a copy older than {@code interval}, so the bound is unchanged: {@code k}
 *       nodes admit at most the limit plus {@code k * tokens}.</li>
 *   <li>The request that takes the last of the {@code tokens}, or that comes after half the
 *       {@code interval}, starts a sync (the tokens taken so far, and a fresh copy of the bucket
 *       back) and is decided from the local copy without waiting. Requests go on being decided
 *       locally while the sync is on its way, within the same bound; the tokens they take are
 *       taken from the fresh copy when it arrives.</li>
 *   <li>A request waits only when the node has no copy yet (its first request for the bucket), when
 *       it would go past {@code tokens} or {@code interval} before the sync in flight is back, or
 *       when the bucket's limits changed: then it goes to the store itself, or waits for the sync in
 *       flight and is decided again.</li>
 *   <li>At most one call per bucket is in flight from a node, so requests on one node never race
 *       each other's compare-and-swap.</li>
 *   <li>Syncs started ahead are sent from {@code background} (the store client's own threads), not
 *       from the request thread.</li>
 * </ul>
 * The price: a sync every {@code tokens} tokens where bucket4j's takes one more, and a time sync
 * every half interval while a bucket is in use.
 */
final class SyncAhead implements Optimization {

    private final long maxTokens;
    private final long maxNanos;
    private final Executor background;
    private final OptimizationListener listener;
    private final TimeMeter clock;

    SyncAhead(long maxTokens, Duration maxInterval, Executor background) {
        this(maxTokens, maxInterval.toNanos(), background, NopeOptimizationListener.INSTANCE, TimeMeter.SYSTEM_MILLISECONDS);
    }

    SyncAhead(long maxTokens, long maxNanos, Executor background, OptimizationListener listener, TimeMeter clock) {
        if (maxTokens < 1 || maxNanos < 1) {
            throw new IllegalArgumentException("a delayed sync needs at least one token and a positive interval");
        }
        this.maxTokens = maxTokens;
        this.maxNanos = maxNanos;
        this.background = background;
        this.listener = listener;
        this.clock = clock;
    }

    @Override
    public Optimization withListener(OptimizationListener newListener) {
        return new SyncAhead(maxTokens, maxNanos, background, newListener, clock);
    }

    /** The blocking API (not used by the store): bucket4j's delaying optimization with the same bound. */
    @Override
    public CommandExecutor apply(CommandExecutor originalExecutor) {
        return Optimizations.delaying(new DelayParameters(maxTokens, Duration.ofNanos(maxNanos))).withListener(listener)
                .apply(originalExecutor);
    }

    @Override
    public AsyncCommandExecutor apply(AsyncCommandExecutor originalExecutor) {
        return new LocalCopy(originalExecutor);
    }

    /** One bucket's local copy and the sync in flight; every field is guarded by {@code this}. */
    private final class LocalCopy implements AsyncCommandExecutor {

        /** Where a request's own command is in a sync's commands: after the pushed tokens, before the snapshot. */
        private static final int OWN = 1;

        private final AsyncCommandExecutor remote;
        /** The local copy of the bucket; {@code null} before the first sync and after one that found no bucket. */
        private RemoteBucketState state;
        /** When the sync that made {@link #state} was sent (its copy is at least that fresh). */
        private long syncedAt;
        /** Tokens taken on this node that the store does not know of, those of the sync in flight included. */
        private long unsynced;
        /** Completes, never exceptionally, when the call in flight has ended; {@code null} when none is. */
        private CompletableFuture<Void> inFlight;

        LocalCopy(AsyncCommandExecutor remote) {
            this.remote = remote;
        }

        @Override
        public <T> CompletableFuture<CommandResult<T>> executeAsync(RemoteCommand<T> command) {
            CommandResult<T> local;
            CompletableFuture<Void> waitFor = null;
            CompletableFuture<Void> done = null;
            MultiCommand sync = null;
            long pushed = 0;
            long now;
            synchronized (this) {
                now = clock.currentTimeNanos();
                local = tryLocally(command, now);
                if (local != null) {
                    if (inFlight == null && (unsynced >= maxTokens || 2 * (now - syncedAt) >= maxNanos)) {
                        // All the tokens or half the interval used up: sync now, without waiting for it.
                        done = new CompletableFuture<>();
                        inFlight = done;
                        pushed = unsynced;
                        sync = new MultiCommand(List.of(new ConsumeIgnoringRateLimitsCommand(pushed), new CreateSnapshotCommand()));
                    }
                } else if (inFlight != null) {
                    waitFor = inFlight;
                } else {
                    done = new CompletableFuture<>();
                    inFlight = done;
                    pushed = unsynced;
                    sync = new MultiCommand(List.of(new ConsumeIgnoringRateLimitsCommand(pushed), command, new CreateSnapshotCommand()));
                }
            }
            if (local != null) {
                listener.incrementSkipCount(1);
                if (sync != null) {
                    syncInBackground(sync, pushed, now, done);
                }
                return CompletableFuture.completedFuture(local);
            }
            if (waitFor != null) {
                // Decided again once the call in flight is back: from the fresh copy, most often.
                return waitFor.thenCompose(ignored -> executeAsync(command));
            }
            @SuppressWarnings("unchecked")
            CompletableFuture<CommandResult<T>> result = send(sync, pushed, now, done).thenApply(multi -> multi.isError()
                    ? (CommandResult<T>) (CommandResult<?>) multi
                    : (CommandResult<T>) multi.getData().getResults().get(OWN));
            return result;
        }

        private void syncInBackground(MultiCommand sync, long pushed, long sentAt, CompletableFuture<Void> done) {
            try {
                background.execute(() -> send(sync, pushed, sentAt, done));
            } catch (RejectedExecutionException e) {
                // The store is closing: the close pushes these tokens, or the next request does.
                ended(null, e, pushed, sentAt, done);
            }
        }

        /** Sends {@code sync} and takes its answer into the local copy; the future fails as the call does. */
        private CompletableFuture<CommandResult<MultiResult>> send(MultiCommand sync, long pushed, long sentAt, CompletableFuture<Void> done) {
            CompletableFuture<CommandResult<MultiResult>> call;
            try {
                call = remote.executeAsync(sync);
            } catch (RuntimeException | LinkageError e) {
                call = CompletableFuture.failedFuture(e);
            }
            return call.whenComplete((result, failure) -> ended(result, failure, pushed, sentAt, done));
        }

        private void ended(CommandResult<MultiResult> result, Throwable failure, long pushed, long sentAt, CompletableFuture<Void> done) {
            synchronized (this) {
                inFlight = null;
                // A failed call may or may not have reached the store; its tokens stay unsynced and go with the next sync.
                if (failure == null) {
                    // As bucket4j does: an answer, even one that found no bucket, settles the pushed tokens.
                    unsynced -= pushed;
                    RemoteBucketState fresh = snapshot(result);
                    if (fresh != null && unsynced > 0) {
                        // Taken here while the sync was on its way: not in the store's copy yet.
                        MutableBucketEntry entry = new MutableBucketEntry(fresh);
                        new ConsumeIgnoringRateLimitsCommand(unsynced).execute(entry, clock.currentTimeNanos());
                        fresh = entry.get();
                    }
                    state = fresh;
                    syncedAt = sentAt;
                }
            }
            done.complete(null);
        }

        private RemoteBucketState snapshot(CommandResult<MultiResult> result) {
            if (result.isError()) {
                return null;
            }
            // Read last: when the pushed tokens found no bucket (it had expired), a request's own
            // command in between may have made one.
            List<CommandResult<?>> results = result.getData().getResults();
            CommandResult<?> snapshot = results.get(results.size() - 1);
            return snapshot.isError() ? null : (RemoteBucketState) snapshot.getData();
        }

        /** The command decided from the local copy, or {@code null} when it must go to the store. */
        private <T> CommandResult<T> tryLocally(RemoteCommand<T> command, long now) {
            if (state == null || now - syncedAt > maxNanos || command.isImmediateSyncRequired(unsynced, now - syncedAt)) {
                return null;
            }
            long estimate = command.estimateTokensToConsume();
            if (estimate == Long.MAX_VALUE || unsynced + estimate < 0 || unsynced + estimate > maxTokens) {
                return null;
            }
            MutableBucketEntry entry = new MutableBucketEntry(state.copy());
            CommandResult<T> result = command.execute(entry, now);
            if (result.isConfigurationNeedToBeReplaced()) {
                return null;
            }
            long consumed = command.getConsumedTokens(result.getData());
            if (consumed == Long.MAX_VALUE || unsynced + consumed < 0 || unsynced + consumed > maxTokens) {
                return null;
            }
            unsynced += consumed;
            if (entry.isStateModified()) {
                state = entry.get();
            }
            return result;
        }
    }
}
