package dev.tollgate.ratelimit.spi;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.tollgate.internal.JoinedKeys;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.VerboseResult;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.distributed.proxy.optimization.Optimization;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import jakarta.servlet.ServletException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A store whose buckets live in a server that several nodes share, reached through bucket4j's
 * asynchronous proxies; what every such store does the same way is here, and a subclass only
 * connects, names its keys' prefix and registers a plan's limits.
 *
 * <ul>
 *   <li>Keys are {@code <prefix><plan>:<client key>} (the filter ends the prefix with its
 *       namespace).</li>
 *   <li>One call waits at most {@code timeout} in all, whatever the server does; a failure or
 *       timeout opens a circuit so later requests do not wait at all, and one probe every
 *       {@code probe-interval} checks whether the server is back. Any failure, an {@link Error}
 *       too, opens the circuit; failures surface as {@link StoreUnavailableException} (a
 *       {@link VirtualMachineError} is rethrown as it is). The nanoseconds of every call that went
 *       to the server are reported to the filter's store-latency metric.</li>
 *   <li>Each bucket carries the version of its plan's limits ({@link #registerLimits}), and
 *       bucket4j moves a bucket to a higher version at its next request; each limit then keeps
 *       what was used in its window ({@link LimitChanges}).</li>
 *   <li>{@link SyncMode#exact}: concurrent requests for one bucket on this node are batched into
 *       one compare-and-swap (bucket4j's batching optimization on a proxy kept per key).
 *       {@link SyncMode#delayed}: the proxy keeps a copy of its bucket and decides from it, syncing
 *       in the background ({@link SyncAhead}). {@link SyncMode#batched}: the same copies, a new
 *       bucket's made on the node from its limits, and one burst per interval for all the buckets
 *       counted since ({@link SyncBatches}; a store may send a burst's calls as one,
 *       {@link #flushBurst()}). Unsynced tokens are pushed before a proxy is dropped from the cache
 *       and when the store closes.</li>
 *   <li>For a limiter that counts only some answers, the look before a request reads the bucket
 *       from the server every time in the exact mode ({@link #freshReads}), never from a state
 *       this node kept, so that it sees what other nodes counted.</li>
 * </ul>
 */
public abstract class SharedBucketStore implements BucketStore {

    /** The two calls a request makes; constants, so a call allocates no lambda. */
    private static final Function<AsyncBucketProxy, CompletableFuture<ConsumptionProbe>> TAKE_ONE =
            bucket -> bucket.tryConsumeAndReturnRemaining(1);
    private static final Function<AsyncBucketProxy, CompletableFuture<VerboseResult<ConsumptionProbe>>> TAKE_ONE_VERBOSE =
            bucket -> bucket.asVerbose().tryConsumeAndReturnRemaining(1);
    /** The optimization of fresh reads: none, but changed limits count what was used (LimitChanges). */
    private static final Optimization FRESH_READS = LimitChanges.countingUsed(Optimization.NONE_OPTIMIZED);

    /**
     * What every shared store reads from its {@code <prefix>} init-params: {@code timeout}
     * (milliseconds, default 100), {@code probe-interval} (milliseconds, default 1000), and the
     * {@link SyncMode}: {@code sync} ({@code exact}, {@code delayed} or {@code batched}), {@code sync-tokens}
     * (default 10), {@code sync-interval} (milliseconds, default 1000; batched 10000).
     */
    public record Options(Duration timeout, Duration probeInterval, SyncMode sync) {

        public static final int DEFAULT_TIMEOUT_MILLIS = 100;
        public static final int DEFAULT_PROBE_MILLIS = 1000;
        public static final int DEFAULT_SYNC_TOKENS = 10;
        public static final int DEFAULT_SYNC_INTERVAL_MILLIS = 1000;
        /**
         * The batched mode's: its bound does not depend on the interval, and a client that sends a
         * request every few seconds costs a push per request at 1 s, one per several at 10 s.
         */
        public static final int DEFAULT_BATCH_INTERVAL_MILLIS = 10_000;

        public Options {
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(probeInterval, "probeInterval");
            Objects.requireNonNull(sync, "sync");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive");
            }
            if (probeInterval.isNegative() || probeInterval.isZero()) {
                throw new IllegalArgumentException("probe interval must be positive");
            }
        }

        /** The names of these params under {@code prefix}, and a store's {@code own} params beside them. */
        public static Set<String> params(String prefix, String... own) {
            Set<String> names = new HashSet<>(Set.of(own));
            names.addAll(Set.of(prefix + "timeout", prefix + "probe-interval", prefix + "sync", prefix + "sync-tokens",
                    prefix + "sync-interval"));
            return Set.copyOf(names);
        }

        /** Reads and checks the params under {@code prefix}. */
        public static Options read(StoreSettings settings, String prefix) throws ServletException {
            int timeoutMillis = settings.integer(prefix + "timeout", DEFAULT_TIMEOUT_MILLIS, 1, 60_000);
            int probeMillis = settings.integer(prefix + "probe-interval", DEFAULT_PROBE_MILLIS, 100, 60_000);
            String mode = settings.choice(prefix + "sync", SyncMode.EXACT, Set.of(SyncMode.EXACT, SyncMode.DELAYED, SyncMode.BATCHED));
            int syncTokens = settings.integer(prefix + "sync-tokens", DEFAULT_SYNC_TOKENS, 1, 1_000_000);
            int syncMillis = settings.integer(prefix + "sync-interval",
                    mode.equals(SyncMode.BATCHED) ? DEFAULT_BATCH_INTERVAL_MILLIS : DEFAULT_SYNC_INTERVAL_MILLIS, 1, 3_600_000);
            SyncMode sync = switch (mode) {
                case SyncMode.DELAYED -> SyncMode.delayed(syncTokens, Duration.ofMillis(syncMillis));
                case SyncMode.BATCHED -> SyncMode.batched(syncTokens, Duration.ofMillis(syncMillis));
                default -> SyncMode.exact();
            };
            return new Options(Duration.ofMillis(timeoutMillis), Duration.ofMillis(probeMillis), sync);
        }
    }

    private final Logger log = LoggerFactory.getLogger(getClass());
    private final String name;
    private final String prefix;
    private final long timeoutNanos;
    private final Duration probeInterval;
    private final CircuitBreaker breaker;
    private final LongConsumer storeLatency;
    private final SyncMode sync;
    /** The configuration version of each plan, registered in the store on the plan's first use. */
    private final Map<BucketPlan, Long> versions = new ConcurrentHashMap<>();
    /** What the keys of each plan's buckets start with, and the keys of recent clients (no string per request). */
    private final Map<BucketPlan, String> planPrefixes = new ConcurrentHashMap<>();
    private final JoinedKeys joined = new JoinedKeys();
    /**
     * Proxies are reused per key so that bucket4j's batching can merge concurrent requests for one
     * bucket into one compare-and-swap instead of racing (and retrying) against each other.
     */
    private final Cache<String, AsyncBucketProxy> bucketProxies;
    /**
     * Batching ({@code exact}), or {@link SyncAhead} ({@code delayed}): a local copy of the bucket
     * between syncs; under {@link LimitChanges}, which makes bucket4j's configuration replacements.
     */
    private final Optimization optimization;
    /** The bursts of the {@code batched} mode; {@code null} in the others. */
    private final SyncBatches batches;
    /**
     * Batched: the buckets whose copies this node dropped lately, and the optimization of their
     * next copies, read from the store ({@link DroppedCopies}); {@code null} in the other modes.
     */
    private final DroppedCopies dropped;
    private final Optimization readFirst;
    /** Buckets whose unsynced tokens could not be pushed (dropped while the store was away), not yet logged. */
    private final AtomicLong unpushed = new AtomicLong();
    private volatile long unpushedLoggedAt;

    /**
     * A store called {@code name} in the log (where it is, and its keys), its keys starting with
     * {@code prefix}; {@code background} runs the delayed mode's syncs (the client's own threads);
     * at most {@code maxProxies} buckets' proxies are kept.
     */
    protected SharedBucketStore(String name, String prefix, Options options, LongConsumer storeLatency, Executor background,
                                int maxProxies) {
        this.name = Objects.requireNonNull(name, "name");
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        this.storeLatency = Objects.requireNonNull(storeLatency, "storeLatency");
        this.sync = options.sync();
        this.timeoutNanos = options.timeout().toNanos();
        this.probeInterval = options.probeInterval();
        this.breaker = new CircuitBreaker(name, probeInterval.toNanos(), System::nanoTime);
        this.dropped = sync.isBatched() ? new DroppedCopies(maxProxies, System::nanoTime) : null;
        // A dropped proxy of the delayed mode would take the tokens it has not synced yet with it: push them first.
        this.bucketProxies = Caffeine.newBuilder()
                .maximumSize(maxProxies)
                .expireAfterAccess(Duration.ofMinutes(10))
                .executor(Runnable::run)
                // Under the cache's lock, before the key can be mapped again: its next copy is read from the store.
                .evictionListener((String key, AsyncBucketProxy proxy, RemovalCause cause) -> {
                    if (dropped != null) {
                        dropped.add(key);
                    }
                })
                .removalListener((String key, AsyncBucketProxy proxy, RemovalCause cause) -> {
                    if (sync.keepsLocalCopies() && proxy != null && cause.wasEvicted()) {
                        pushUnsynced(key, proxy);
                    }
                })
                .build();
        this.batches = sync.isBatched() ? new SyncBatches(name, sync.interval(), breaker::isOpen, this::flushBurst) : null;
        // The delayed mode sends its syncs ahead of need from the client's own threads, not from request threads.
        // On top of either, so both see its replacement command: changed limits count what was used (LimitChanges).
        this.optimization = LimitChanges.countingUsed(sync.keepsLocalCopies()
                ? new SyncAhead(sync.tokens(), sync.interval(), background, batches, true)
                : Optimizations.batching());
        this.readFirst = sync.isBatched()
                ? LimitChanges.countingUsed(new SyncAhead(sync.tokens(), sync.interval(), background, batches, false))
                : optimization;
    }

    /**
     * The proxies of this store's buckets, connecting first if need be (waiting at most until
     * {@code deadline}, in {@link System#nanoTime()}); a failure is a {@link StoreUnavailableException}.
     * Called on every request: return the connected manager at once.
     */
    protected abstract AsyncProxyManager<String> proxies(long deadline);

    /**
     * Proxies that read every bucket from the store, never from a state this node kept (the look
     * before a request of a limiter that counts only some answers); by default {@link #proxies}.
     */
    protected AsyncProxyManager<String> freshReads(long deadline) {
        return proxies(deadline);
    }

    /**
     * Registers the limits of {@code plan} ({@link BucketPlan#limits()}) in the store and returns
     * their version: the version registered last if the limits are the same, else a higher one.
     * Called once per plan, then kept.
     */
    protected abstract long registerLimits(BucketPlan plan, long deadline)
            throws InterruptedException, ExecutionException, TimeoutException;

    /** Whether the store ever connected (only then are unsynced tokens pushed). */
    protected abstract boolean isConnected();

    /** Closes the connections and stops the client's threads, waiting a few seconds at most. */
    protected abstract void closeConnections();

    /**
     * Batched: whether the calling thread is starting a burst's syncs; a store may hold back the
     * calls they make and send them together in {@link #flushBurst()}.
     */
    protected final boolean onBurstThread() {
        return batches != null && batches.onSendingThread();
    }

    /**
     * Batched: sends what the store held back while a burst's syncs were started, on the burst's
     * thread; by default nothing was held back. Called once a wave of up to 128 syncs is started,
     * before the burst waits for them.
     */
    protected void flushBurst() {
    }

    /** Runs after every call on the calling thread (a client's per-thread state to drop, say). */
    protected void afterCall() {
    }

    /** What a failure says in the log and in the circuit's state: by default its innermost cause. */
    protected String failureMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    /**
     * Connects at startup, waiting at most the timeout (and at least 2 s); a store that does not
     * answer starts with its circuit open and is probed like one that failed later.
     */
    protected final void connectAtStartup() {
        try {
            proxies(System.nanoTime() + Math.max(timeoutNanos, TimeUnit.SECONDS.toNanos(2)));
        } catch (StoreUnavailableException e) {
            log.warn("{} unavailable at startup ({}); using the outage behaviour until it answers", name, e.getMessage());
            breaker.startOpen(e.getMessage());
        } finally {
            afterCall();
        }
    }

    /**
     * How long a bucket stays in the store after it would be full again: 10 s, and in the batched
     * mode two intervals more, so that a bucket a node pushes every burst is still there at the
     * next one (one swap, not a failed swap, a read and a create). A bucket gone from the store is
     * full, so the margin never changes a decision.
     */
    protected final Duration keyMargin() {
        Duration margin = Duration.ofSeconds(10);
        return sync.isBatched() ? margin.plus(sync.interval().multipliedBy(2)) : margin;
    }

    /** What every key of this store starts with. */
    protected final String prefix() {
        return prefix;
    }

    /** The timeout of one call, in nanoseconds. */
    protected final long timeoutNanos() {
        return timeoutNanos;
    }

    @Override
    public final ConsumptionProbe tryConsume(String key, BucketPlan plan) {
        return consume(key, plan, TAKE_ONE, false);
    }

    @Override
    public final VerboseResult<ConsumptionProbe> tryConsumeVerbose(String key, BucketPlan plan) {
        return consume(key, plan, TAKE_ONE_VERBOSE, false);
    }

    @Override
    public final ConsumptionProbe tryConsume(String key, BucketPlan plan, long tokens) {
        return consume(key, plan, bucket -> bucket.tryConsumeAndReturnRemaining(tokens), false);
    }

    @Override
    public final VerboseResult<ConsumptionProbe> tryConsumeVerbose(String key, BucketPlan plan, long tokens) {
        return consume(key, plan, bucket -> bucket.asVerbose().tryConsumeAndReturnRemaining(tokens), false);
    }

    /**
     * A read, always from the store in the exact mode (a state this node kept could miss what
     * another node took since); nothing is written but a bucket that did not exist or whose limits
     * changed. With the delayed sync, decided from the node's copy, like a consumption.
     */
    @Override
    public final VerboseResult<EstimationProbe> estimate(String key, BucketPlan plan, long tokens) {
        return consume(key, plan, bucket -> bucket.asVerbose().estimateAbilityToConsume(tokens), !sync.keepsLocalCopies());
    }

    /** A compare-and-swap like a consumption's. */
    @Override
    public final void consumeIgnoringLimits(String key, BucketPlan plan, long tokens) {
        consume(key, plan, bucket -> bucket.consumeIgnoringRateLimits(tokens), false);
    }

    /** {@code call} on the bucket of {@code key}; {@code fresh}: on a proxy that reads the bucket from the store. */
    private <T> T consume(String key, BucketPlan plan, Function<AsyncBucketProxy, CompletableFuture<T>> call, boolean fresh) {
        long started = breaker.now();
        if (!breaker.allowRequest()) {
            afterCall();
            throw new StoreUnavailableException("circuit open", null);
        }
        long deadline = System.nanoTime() + timeoutNanos;
        CompletableFuture<T> future = null;
        try {
            AsyncProxyManager<String> manager = proxies(deadline);
            Long known = versions.get(plan);
            long version = known != null ? known : register(plan, deadline);
            String storeKey = joined.join(planPrefix(plan), key);
            // A known bucket needs no mapping function (a capturing lambda is an object per call).
            // A fresh read may be the first call under changed limits: it replaces them as every call does.
            AsyncBucketProxy bucket = fresh ? freshReads(deadline).builder()
                    .withImplicitConfigurationReplacement(version, TokensInheritanceStrategy.ADDITIVE)
                    .withOptimization(FRESH_READS)
                    .build(storeKey, plan.asyncConfiguration()) : bucketProxies.getIfPresent(storeKey);
            if (bucket == null) {
                bucket = bucketProxies.get(storeKey, k -> manager.builder()
                        .withImplicitConfigurationReplacement(version, TokensInheritanceStrategy.ADDITIVE)
                        .withOptimization(dropped != null && dropped.mayHold(k) ? readFirst : optimization)
                        .build(k, plan.asyncConfiguration()));
            }
            future = call.apply(bucket);
            T probe = future.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            breaker.onSuccess(started);
            return probe;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            breaker.onFailure("interrupted");
            throw new StoreUnavailableException("interrupted", e);
        } catch (TimeoutException e) {
            if (future != null) {
                future.cancel(true);
            }
            breaker.onFailure("no answer within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
            throw new StoreUnavailableException("timeout", e);
        } catch (ExecutionException e) {
            breaker.onFailure(failureMessage(e));
            throw new StoreUnavailableException(failureMessage(e), e);
        } catch (StoreUnavailableException e) {
            breaker.onFailure(e.getMessage());
            throw e;
        } catch (RuntimeException e) {
            breaker.onFailure(failureMessage(e));
            throw new StoreUnavailableException(failureMessage(e), e);
        } catch (VirtualMachineError e) {
            // The JVM itself is in trouble: the breaker still hears of it, the error goes on.
            breaker.onFailure(failureMessage(e));
            throw e;
        } catch (Error e) {
            // A LinkageError from a missing or mismatched class, say: the store is unusable, not
            // the request; the outage behaviour answers and the breaker probes again later.
            breaker.onFailure(failureMessage(e));
            throw new StoreUnavailableException(failureMessage(e), e);
        } finally {
            // Only calls that went to the store: a request the open circuit turned away never got here.
            storeLatency.accept(breaker.now() - started);
            afterCall();
        }
    }

    /** {@code <key-prefix><plan>:}, what the keys of the plan's buckets start with; made once per plan. */
    private String planPrefix(BucketPlan plan) {
        String planPrefix = planPrefixes.get(plan);
        if (planPrefix == null) {
            planPrefix = prefix + plan.keyPrefix();
            planPrefixes.put(plan, planPrefix);
        }
        return planPrefix;
    }

    private long register(BucketPlan plan, long deadline) throws InterruptedException, ExecutionException, TimeoutException {
        if (dropped != null) {
            for (Bandwidth limit : plan.configuration().getBandwidths()) {
                dropped.coverAtLeast(limit.getRefillPeriodNanos() / Math.max(1, limit.getRefillTokens()) * limit.getCapacity());
            }
        }
        long version = registerLimits(plan, deadline);
        versions.put(plan, version);
        return version;
    }

    @Override
    public final boolean isShared() {
        return true;
    }

    /** What the status page calls this store: {@code redis}, {@code jdbc}; by default the class's simple name. */
    protected String kind() {
        return getClass().getSimpleName();
    }

    @Override
    public final StoreHealth health() {
        long failed = breaker.lastFailureEpochMillis();
        long recovered = breaker.lastRecoveryEpochMillis();
        return new StoreHealth(kind(), true, sync.toString(), breaker.isOpen(),
                failed == 0 ? null : Instant.ofEpochMilli(failed), breaker.lastFailureText(),
                recovered == 0 ? null : Instant.ofEpochMilli(recovered));
    }

    /**
     * Asks the store whether the bucket exists (so that a look never creates one), then reads it
     * from the store as a fresh read does, within one timeout; a failure counts for the circuit as
     * a request's would.
     */
    @Override
    public final Optional<VerboseResult<EstimationProbe>> peek(String key, BucketPlan plan) {
        if (breaker.isOpen()) {
            throw new StoreUnavailableException("circuit open", null);
        }
        long started = breaker.now();
        long deadline = System.nanoTime() + timeoutNanos;
        try {
            Optional<BucketConfiguration> configuration = freshReads(deadline)
                    .getProxyConfiguration(joined.join(planPrefix(plan), key))
                    .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            breaker.onSuccess(started);
            return configuration.isEmpty() ? Optional.empty()
                    : Optional.of(consume(key, plan, bucket -> bucket.asVerbose().estimateAbilityToConsume(1), true));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted", e);
        } catch (TimeoutException e) {
            breaker.onFailure("no answer within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
            throw new StoreUnavailableException("timeout", e);
        } catch (ExecutionException | RuntimeException e) {
            if (e instanceof StoreUnavailableException unavailable) {
                throw unavailable;
            }
            breaker.onFailure(failureMessage(e));
            throw new StoreUnavailableException(failureMessage(e), e);
        } finally {
            afterCall();
        }
    }

    /** Whether requests currently skip the store. */
    @Override
    public final boolean isCircuitOpen() {
        return breaker.isOpen();
    }

    @Override
    public final Duration probeInterval() {
        return probeInterval;
    }

    /**
     * Starts a sync of {@code proxy}'s unsynced tokens without waiting for it; a failure is logged,
     * and those tokens (at most {@code sync-tokens}) are lost to the shared count. While the store
     * is away none is sent: the bucket is counted, and the count logged at most every 10 s.
     */
    private CompletableFuture<Void> pushUnsynced(String key, AsyncBucketProxy proxy) {
        if (!isConnected() || breaker.isOpen()) {
            unpushed.incrementAndGet();
            logUnpushed(false);
            return CompletableFuture.completedFuture(null);
        }
        try {
            return proxy.getOptimizationController().syncImmediately().whenComplete((done, failure) -> {
                if (failure != null) {
                    log.debug("Could not push the unsynced tokens of {} to {}: {}", key, name, failureMessage(failure));
                }
            });
        } finally {
            afterCall();
        }
    }

    /**
     * Logs how many buckets' unsynced tokens were dropped while the store was away, at most every
     * 10 s unless {@code now}.
     */
    private void logUnpushed(boolean now) {
        long at = System.nanoTime();
        if (!now && at - unpushedLoggedAt < TimeUnit.SECONDS.toNanos(10)) {
            return;
        }
        unpushedLoggedAt = at;
        long buckets = unpushed.getAndSet(0);
        if (buckets > 0) {
            log.warn("{} was unavailable when this node dropped {} buckets' copies: the unsynced tokens of those that had "
                    + "any (at most sync-tokens each) are not in the shared count", name, buckets);
        }
    }

    /**
     * Pushes every bucket's unsynced tokens (batched: first those of the copies waiting for a burst,
     * dropped ones among them), waiting at most the timeout in all.
     */
    private void pushAllUnsynced() {
        List<CompletableFuture<?>> all = new ArrayList<>();
        if (batches != null) {
            all.addAll(batches.stop(System.nanoTime() + timeoutNanos));
        }
        bucketProxies.asMap().forEach((key, proxy) -> all.add(pushUnsynced(key, proxy)));
        CompletableFuture<?>[] pushes = all.toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(pushes).get(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.warn("Interrupted while pushing unsynced tokens to {}", name);
        } catch (ExecutionException | TimeoutException e) {
            log.warn("Could not push all unsynced tokens to {} on close: {}", name, failureMessage(e));
        }
    }

    /** Stops the bursts, pushes the unsynced tokens of the delayed and batched modes, then {@link #closeConnections()}. */
    @Override
    public final void close() {
        try {
            if (sync.keepsLocalCopies()) {
                pushAllUnsynced();
                logUnpushed(true);
            }
            closeConnections();
        } finally {
            afterCall();
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
