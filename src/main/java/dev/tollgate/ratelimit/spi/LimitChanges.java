package dev.tollgate.ratelimit.spi;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BandwidthBuilder.BandwidthBuilderBuildStage;
import io.github.bucket4j.BandwidthBuilder.BandwidthBuilderRefillStage;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.BucketState;
import io.github.bucket4j.ConfigurationBuilder;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.distributed.proxy.AsyncCommandExecutor;
import io.github.bucket4j.distributed.proxy.CommandExecutor;
import io.github.bucket4j.distributed.proxy.optimization.Optimization;
import io.github.bucket4j.distributed.proxy.optimization.OptimizationListener;
import io.github.bucket4j.distributed.remote.CommandResult;
import io.github.bucket4j.distributed.remote.MutableBucketEntry;
import io.github.bucket4j.distributed.remote.RemoteBucketState;
import io.github.bucket4j.distributed.remote.RemoteCommand;
import io.github.bucket4j.distributed.remote.commands.CreateInitialStateWithVersionOrReplaceConfigurationAndExecuteCommand;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * How a shared bucket moves to changed limits: each limit keeps what was used in its window, so
 * what is left is the new capacity less the tokens used, never below 0, whether the limit grew or
 * shrank ({@code 10/1h} with 3 used becomes {@code 3/1h} with none left, {@code 100/1m} with 30
 * used becomes {@code 50/1m} with 20 left, and {@code 3/1h} with 3 used becomes {@code 10/1h} with
 * 7 left).
 *
 * <p>bucket4j's {@code ADDITIVE} inheritance does this only for a limit that grows
 * ({@code left + new - old}); for one that shrinks it keeps {@code min(left, new)}, so a tighter
 * limit forgave what was used, up to the old capacity in its first window. bucket4j sends a
 * replacement command when a bucket's configuration version is lower than the node's; the
 * optimization {@link #countingUsed} swaps that command for a {@link Replacement}, which applies
 * {@code ADDITIVE} and then takes from each shrunk limit what it forgave. The replacement runs where
 * bucket4j's would have run, in the compare-and-swap of the request that found the lower version,
 * so it happens once per bucket and version and the count stays exact under concurrency; a request
 * on an unchanged configuration costs one {@code instanceof} more.
 *
 * <p>Limits are matched by id, their period, as bucket4j matches them: a limit new to the bucket
 * starts full (nothing was counted under it), one no longer in the plan is dropped. A limit that was
 * below 0 (the delayed sync pushes tokens a node took while it decided alone) keeps that debt, and a
 * change adds none.
 */
final class LimitChanges {

    private LimitChanges() {
    }

    /** {@code optimization}, with bucket4j's configuration replacements made by {@link Replacement}s. */
    static Optimization countingUsed(Optimization optimization) {
        return new CountingUsed(Objects.requireNonNull(optimization, "optimization"));
    }

    /**
     * {@code state}, refilled up to {@code now}, moved to the limits of {@code next}: for each limit
     * of both, {@code max(0, new capacity - used)}, where {@code used} is the old capacity less
     * what was left.
     */
    static BucketState replace(BucketState state, BucketConfiguration next, long now) {
        BucketState additive = state.replaceConfiguration(next, TokensInheritanceStrategy.ADDITIVE, now);
        Bandwidth[] before = state.getConfiguration().getBandwidths();
        Bandwidth[] after = next.getBandwidths();
        long[] forgiven = new long[after.length];
        long most = 0;
        for (int i = 0; i < after.length; i++) {
            if (after[i].getId() == null) {
                // Matched by position or not at all; Limits always names its limits.
                return additive;
            }
            int old = indexOf(before, after[i].getId());
            if (old < 0 || after[i].getCapacity() >= before[old].getCapacity()) {
                continue;
            }
            long left = state.getCurrentSize(old);
            long used = before[old].getCapacity() - left;
            long wanted = Math.max(Math.min(0, left), after[i].getCapacity() - used);
            forgiven[i] = additive.getCurrentSize(i) - wanted;
            most = Math.max(most, forgiven[i]);
        }
        if (most == 0) {
            return additive;
        }
        // A bucket takes tokens from all its limits at once: take the most any limit forgave from
        // all, then give each limit back what it did not forgive by growing its capacity by that
        // much (ADDITIVE adds the growth to what is left), and shrink the capacities back (what is
        // left is below them, so it stays). The refill times carry over at each step.
        additive.consume(most);
        ConfigurationBuilder widened = BucketConfiguration.builder();
        for (int i = 0; i < after.length; i++) {
            widened.addLimit(withCapacity(after[i], after[i].getCapacity() + most - forgiven[i]));
        }
        BucketState given = additive.replaceConfiguration(widened.build(), TokensInheritanceStrategy.ADDITIVE, now);
        return given.replaceConfiguration(next, TokensInheritanceStrategy.ADDITIVE, now);
    }

    private static int indexOf(Bandwidth[] limits, String id) {
        for (int i = 0; i < limits.length; i++) {
            if (id.equals(limits[i].getId())) {
                return i;
            }
        }
        return -1;
    }

    /** {@code limit} with another capacity: the same id, refill and period. */
    private static Bandwidth withCapacity(Bandwidth limit, long capacity) {
        BandwidthBuilderRefillStage refill = Bandwidth.builder().capacity(capacity);
        Duration period = Duration.ofNanos(limit.getRefillPeriodNanos());
        BandwidthBuilderBuildStage built = limit.isGready()
                ? refill.refillGreedy(limit.getRefillTokens(), period)
                : refill.refillIntervally(limit.getRefillTokens(), period);
        return built.id(limit.getId()).build();
    }

    /**
     * bucket4j's command for a bucket that is missing or has a lower configuration version, with
     * the configuration replaced by {@link #replace}. Everything else (it needs the store at once, the
     * tokens it takes) is bucket4j's, so batching and the delayed sync treat it as theirs. (It is
     * never serialized: the compare-and-swap proxy runs commands in this JVM.)
     */
    // bucket4j's class declares its serialization handle raw.
    @SuppressWarnings("unchecked")
    static final class Replacement<T> extends CreateInitialStateWithVersionOrReplaceConfigurationAndExecuteCommand<T> {

        Replacement(BucketConfiguration configuration, RemoteCommand<T> target, long version) {
            super(configuration, target, version, TokensInheritanceStrategy.ADDITIVE);
        }

        @Override
        public CommandResult<T> execute(MutableBucketEntry entry, long now) {
            if (entry.exists()) {
                RemoteBucketState stored = entry.get();
                Long version = stored.getConfigurationVersion();
                if (version == null || version < getDesiredConfigurationVersion()) {
                    stored.refillAllBandwidth(now);
                    BucketState replaced = replace(stored.getState(), getConfiguration(), now);
                    entry.set(new RemoteBucketState(replaced, stored.getRemoteStat(), getDesiredConfigurationVersion()));
                }
            }
            // Now at the version: bucket4j's command only runs the target (or creates a missing bucket).
            return super.execute(entry, now);
        }
    }

    /** Swaps bucket4j's replacement command for a {@link Replacement}; passes every other command on as it is. */
    private static <T> RemoteCommand<T> counting(RemoteCommand<T> command) {
        if (command instanceof CreateInitialStateWithVersionOrReplaceConfigurationAndExecuteCommand<T> replacement
                && !(command instanceof Replacement)) {
            return new Replacement<>(replacement.getConfiguration(), replacement.getTargetCommand(),
                    replacement.getDesiredConfigurationVersion());
        }
        return command;
    }

    /** Another optimization (batching, the delayed sync) under the swap, so that it sees the replacement. */
    private record CountingUsed(Optimization inner) implements Optimization {

        @Override
        public Optimization withListener(OptimizationListener listener) {
            return new CountingUsed(inner.withListener(listener));
        }

        @Override
        public CommandExecutor apply(CommandExecutor originalExecutor) {
            CommandExecutor next = inner.apply(originalExecutor);
            return new CommandExecutor() {
                @Override
                public <T> CommandResult<T> execute(RemoteCommand<T> command) {
                    return next.execute(counting(command));
                }
            };
        }

        @Override
        public AsyncCommandExecutor apply(AsyncCommandExecutor originalExecutor) {
            AsyncCommandExecutor next = inner.apply(originalExecutor);
            return new AsyncCommandExecutor() {
                @Override
                public <T> CompletableFuture<CommandResult<T>> executeAsync(RemoteCommand<T> command) {
                    return next.executeAsync(counting(command));
                }
            };
        }
    }
}
