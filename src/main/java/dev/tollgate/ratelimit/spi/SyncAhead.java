package dev.tollgate.ratelimit.spi;

import io.github.bucket4j.BucketConfiguration;
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
import io.github.bucket4j.distributed.remote.commands.CheckConfigurationVersionAndExecuteCommand;
import io.github.bucket4j.distributed.remote.commands.ConsumeIgnoringRateLimitsCommand;
import io.github.bucket4j.distributed.remote.commands.CreateInitialStateWithVersionOrReplaceConfigurationAndExecuteCommand;
import io.github.bucket4j.distributed.remote.commands.CreateSnapshotCommand;
import io.github.bucket4j.distributed.remote.commands.MultiCommand;
import io.github.bucket4j.distributed.remote.commands.SyncCommand;
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
 *
 * <p>With {@link SyncBatches} (the {@code batched} mode), for many clients that each send few
 * requests:
 * <ul>
 *   <li>A node that has no copy of a bucket makes one from the bucket's limits, full, and decides
 *       from it: bucket4j's first command finds no bucket here, and its command that creates the
 *       bucket runs on the node. A node holds at most {@code tokens} unsynced tokens of that bucket
 *       too, so the bound is the same: where other nodes emptied the bucket, this node admits at
 *       most {@code tokens} before its sync brings the store's state back. That holds once per
 *       bucket and window; a bucket whose copy the node dropped within its limits' longest period
 *       ({@link DroppedCopies}) gets a copy read from the store, as in the delayed mode.</li>
 *   <li>There is no time sync per bucket and no copy is too old to decide from: a copy that took
 *       tokens joins the next burst, which {@link SyncBatches} sends every {@code interval} for all
 *       such copies at once; a copy that reaches {@code tokens} unsynced tokens syncs at once, as
 *       above. (The bound never rested on the copy's age: every admitted token is in the store or
 *       among a node's at most {@code tokens} unsynced ones.)</li>
 *   <li>Every sync of such a copy carries the bucket's limits and their version, so it creates
 *       the bucket in the store when it is missing there (new, or expired) instead of losing the
 *       tokens, and moves it to changed limits as a request would ({@link LimitChanges}).</li>
 *   <li>A sync that fails keeps its tokens unsynced and the copy in the next burst; while the
 *       store's circuit is open no burst is sent, and the tokens wait.</li>
 * </ul>
 */
final class SyncAhead implements Optimization {

    private final long maxTokens;
    private final long maxNanos;
    private final Executor background;
    private final OptimizationListener listener;
    private final TimeMeter clock;
    /** The bursts of the batched mode; {@code null} in the delayed mode. */
    private final SyncBatches batches;
    /** Batched: whether a node without a copy makes one from the limits; else it reads the store first. */
    private final boolean makeCopies;

    /** The delayed mode, or with {@code batches} the batched one ({@code makeCopies}: see {@link DroppedCopies}). */
    SyncAhead(long maxTokens, Duration maxInterval, Executor background, SyncBatches batches, boolean makeCopies) {
        this(maxTokens, maxInterval.toNanos(), background, NopeOptimizationListener.INSTANCE, TimeMeter.SYSTEM_MILLISECONDS, batches,
                makeCopies);
    }

    SyncAhead(long maxTokens, long maxNanos, Executor background, OptimizationListener listener, TimeMeter clock, SyncBatches batches,
              boolean makeCopies) {
        if (maxTokens < 1 || maxNanos < 1) {
            throw new IllegalArgumentException("a delayed or batched sync needs at least one token and a positive interval");
        }
        this.maxTokens = maxTokens;
        this.maxNanos = maxNanos;
        this.background = background;
        this.listener = listener;
        this.clock = clock;
        this.batches = batches;
        this.makeCopies = batches != null && makeCopies;
    }

    @Override
    public Optimization withListener(OptimizationListener newListener) {
        return new SyncAhead(maxTokens, maxNanos, background, newListener, clock, batches, makeCopies);
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
    private final class LocalCopy implements AsyncCommandExecutor, SyncBatches.Copy {

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
        /** Batched: the bucket's limits and their version, from bucket4j's command that creates the bucket. */
        private BucketConfiguration configuration;
        private long version;
        /** Batched: whether this copy waits in {@link SyncBatches} for the next burst. */
        private boolean queued;

        LocalCopy(AsyncCommandExecutor remote) {
            this.remote = remote;
        }

        @Override
        public <T> CompletableFuture<CommandResult<T>> executeAsync(RemoteCommand<T> command) {
            CommandResult<T> local;
            CompletableFuture<Void> waitFor = null;
            CompletableFuture<Void> done = null;
            RemoteCommand<MultiResult> sync = null;
            boolean join = false;
            long pushed = 0;
            long now;
            synchronized (this) {
                now = clock.currentTimeNanos();
                if (batches != null && unsynced == 0 && isSync(command)) {
                    // Batched: a push of nothing (a proxy dropped from the cache, the close) needs no call.
                    @SuppressWarnings("unchecked")
                    CommandResult<T> nothing = (CommandResult<T>) (CommandResult<?>) CommandResult.NOTHING;
                    return CompletableFuture.completedFuture(nothing);
                }
                if (makeCopies && state == null && command instanceof CheckConfigurationVersionAndExecuteCommand) {
                    // Batched, no copy yet: bucket4j's answer to a missing bucket is its command that
                    // creates it, which runs here (tryLocally).
                    return CompletableFuture.completedFuture(CommandResult.bucketNotFound());
                }
                local = tryLocally(command, now);
                if (local != null) {
                    if (inFlight == null && (unsynced >= maxTokens || batches == null && 2 * (now - syncedAt) >= maxNanos)) {
                        // All the tokens or half the interval used up: sync now, without waiting for it.
                        done = new CompletableFuture<>();
                        inFlight = done;
                        pushed = unsynced;
                        sync = pushAndRead(pushed);
                    } else if (batches != null && unsynced > 0 && !queued) {
                        queued = true;
                        join = true;
                    }
                } else if (inFlight != null) {
                    waitFor = inFlight;
                } else {
                    done = new CompletableFuture<>();
                    inFlight = done;
                    pushed = unsynced;
                    sync = withLimits(new MultiCommand(List.of(new ConsumeIgnoringRateLimitsCommand(pushed), command, new CreateSnapshotCommand())));
                }
            }
            if (local != null) {
                listener.incrementSkipCount(1);
                if (sync != null) {
                    syncInBackground(sync, pushed, now, done);
                } else if (join) {
                    batches.add(this);
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

        /**
         * A burst of {@link SyncBatches}: sends this copy's unsynced tokens and takes the bucket's
         * state back, unless a sync is in flight already (its end puts the copy in the next burst
         * if tokens are left).
         */
        @Override
        public CompletableFuture<Void> sync() {
            CompletableFuture<Void> done;
            RemoteCommand<MultiResult> sync;
            long pushed;
            long now;
            synchronized (this) {
                queued = false;
                if (inFlight != null || unsynced == 0) {
                    return null;
                }
                now = clock.currentTimeNanos();
                done = new CompletableFuture<>();
                inFlight = done;
                pushed = unsynced;
                sync = pushAndRead(pushed);
            }
            send(sync, pushed, now, done);
            return done;
        }

        /** A sync of {@code pushed} tokens that reads the bucket back. */
        private RemoteCommand<MultiResult> pushAndRead(long pushed) {
            return withLimits(new MultiCommand(List.of(new ConsumeIgnoringRateLimitsCommand(pushed), new CreateSnapshotCommand())));
        }

        /**
         * Batched: {@code sync} under the bucket's limits, so that it creates a bucket the store does
         * not have, and moves one on older limits, before it runs; as it is otherwise.
         */
        private RemoteCommand<MultiResult> withLimits(MultiCommand sync) {
            return configuration == null ? sync : new LimitChanges.Replacement<>(configuration, sync, version);
        }

        private void syncInBackground(RemoteCommand<MultiResult> sync, long pushed, long sentAt, CompletableFuture<Void> done) {
            try {
                background.execute(() -> send(sync, pushed, sentAt, done));
            } catch (RejectedExecutionException e) {
                // The store is closing: the close pushes these tokens, or the next request does.
                ended(null, e, pushed, sentAt, done);
            }
        }

        /** Sends {@code sync} and takes its answer into the local copy; the future fails as the call does. */
        private CompletableFuture<CommandResult<MultiResult>> send(RemoteCommand<MultiResult> sync, long pushed, long sentAt,
                                                                  CompletableFuture<Void> done) {
            CompletableFuture<CommandResult<MultiResult>> call;
            try {
                call = remote.executeAsync(sync);
            } catch (RuntimeException | Error e) {
                // Whatever it was, the call ended: the tokens stay unsynced and nothing waits forever.
                call = CompletableFuture.failedFuture(e);
            }
            return call.whenComplete((result, failure) -> ended(result, failure, pushed, sentAt, done));
        }

        private void ended(CommandResult<MultiResult> result, Throwable failure, long pushed, long sentAt, CompletableFuture<Void> done) {
            boolean join = false;
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
                    Long freshVersion = fresh == null ? null : fresh.getConfigurationVersion();
                    if (batches != null && freshVersion != null && (configuration == null || freshVersion >= version)) {
                        // The bucket's limits as the store has them: a later sync can make the bucket again if it expires there.
                        configuration = fresh.getConfiguration();
                        version = freshVersion;
                    }
                }
                if (batches != null && unsynced > 0 && !queued) {
                    // Taken while the sync was on its way, or a sync that failed: in the next burst.
                    queued = true;
                    join = true;
                }
            }
            if (join) {
                batches.add(this);
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

        /** Whether {@code command} is bucket4j's sync (the optimization controller's), under a version check or not. */
        private static boolean isSync(RemoteCommand<?> command) {
            return command instanceof SyncCommand
                    || command instanceof CheckConfigurationVersionAndExecuteCommand<?> check && check.getTargetCommand() instanceof SyncCommand;
        }

        /** The command decided from the local copy, or {@code null} when it must go to the store. */
        private <T> CommandResult<T> tryLocally(RemoteCommand<T> command, long now) {
            boolean create = false;
            if (batches != null && command instanceof CreateInitialStateWithVersionOrReplaceConfigurationAndExecuteCommand<T> limits) {
                if (configuration == null || limits.getDesiredConfigurationVersion() >= version) {
                    configuration = limits.getConfiguration();
                    version = limits.getDesiredConfigurationVersion();
                }
                // Batched, no copy yet: the bucket is made here, full, from its limits.
                create = makeCopies && state == null;
            }
            if (!create && (state == null || batches == null && now - syncedAt > maxNanos
                    || command.isImmediateSyncRequired(unsynced, now - syncedAt))) {
                return null;
            }
            long estimate = command.estimateTokensToConsume();
            if (estimate == Long.MAX_VALUE || unsynced + estimate < 0 || unsynced + estimate > maxTokens) {
                return null;
            }
            MutableBucketEntry entry = new MutableBucketEntry(create ? null : state.copy());
            CommandResult<T> result = command.execute(entry, now);
            if (result.isConfigurationNeedToBeReplaced() || result.isBucketNotFound()) {
                return null;
            }
            long consumed = command.getConsumedTokens(result.getData());
            if (consumed == Long.MAX_VALUE || unsynced + consumed < 0 || unsynced + consumed > maxTokens) {
                return null;
            }
            unsynced += consumed;
            if (entry.isStateModified()) {
                state = entry.get();
                if (create) {
                    syncedAt = now;
                }
            }
            return result;
        }
    }
}
