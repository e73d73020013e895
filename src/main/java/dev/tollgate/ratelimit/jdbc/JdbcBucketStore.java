package dev.tollgate.ratelimit.jdbc;

import dev.tollgate.internal.Jdbc;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tollgate.ratelimit.spi.BucketPlan;
import dev.tollgate.ratelimit.spi.SharedBucketStore;
import dev.tollgate.ratelimit.spi.StoreUnavailableException;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.distributed.proxy.ClientSideConfig;
import io.github.bucket4j.distributed.proxy.generic.compare_and_swap.AbstractCompareAndSwapBasedProxyManager;
import io.github.bucket4j.distributed.proxy.generic.compare_and_swap.AsyncCompareAndSwapOperation;
import io.github.bucket4j.distributed.proxy.generic.compare_and_swap.CompareAndSwapOperation;
import io.github.bucket4j.distributed.remote.RemoteBucketState;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buckets in a table of the application's own database, so several nodes enforce one limit
 * without a Redis: bucket4j's compare-and-swap proxy over plain JDBC. A write is one
 * {@code UPDATE ... WHERE bucket_key = ? AND version = ?} (an {@code INSERT} for a new bucket),
 * which every SQL database runs atomically; a read is one {@code SELECT} by primary key, skipped
 * for a bucket this node wrote last within 10 s (its written state stands in: a stale one
 * fails the compare-and-swap, which bucket4j retries after a fresh read). So one round trip per
 * request while one node serves a client, two when nodes take turns. The timeout, the circuit
 * breaker, the sync modes and changed limits are {@link SharedBucketStore}'s; a plan's limits are
 * registered as a row {@code <namespace>:<plan>#limits} of the same table. In the batched mode a
 * burst's reads and swaps are held back and sent per wave as one query and one transaction of
 * statement batches ({@link #flushBurst()}), and a written state stands in for a read as long as
 * its row lives.
 *
 * <p>JDBC blocks, so calls run on the store's own threads ({@code jdbc-pool-size}), each with a
 * connection of the application's pool or of its own; a request thread waits for its call at most
 * the timeout, and when every store thread is busy and the queue is full a call fails at once (the
 * outage behaviour answers). A statement runs at most {@code ceil(timeout)} seconds on the
 * database (its query timeout); a store thread blocked longer than that (a dead socket, an
 * exhausted pool) delays only other calls, never a request.
 *
 * <p>Rows expire when their bucket would be full again (plus 10 s); a sweep every minute deletes
 * at most {@value #SWEEP_ROWS} expired rows in one batch, on a store thread (never on the thread
 * that sends the delayed mode's syncs), and sweeps again after a second while it finds that many.
 */
final class JdbcBucketStore extends SharedBucketStore {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcBucketStore.class);
    static final int SWEEP_ROWS = 10_000;
    static final Duration SWEEP_INTERVAL = Duration.ofMinutes(1);
    /**
     * How long a state this node wrote stands in for reading it back. Only a cost, never a count:
     * a state another node wrote over since fails the compare-and-swap on its version, and bucket4j
     * reads again. 10 s, so a client that calls every few seconds among many still costs one round
     * trip while one node serves it.
     */
    private static final long KEPT_STATE_FRESH_NANOS = TimeUnit.SECONDS.toNanos(10);
    private static final int QUEUE = 1024;
    static final int DEFAULT_MAX_CLIENTS = 100_000;

    private final BucketTable table;
    private final Connections connections;
    private final ThreadPoolExecutor calls;
    private final ScheduledExecutorService background;
    /** Every thread the store started, joined on close: a container checks for live ones right after. */
    private final Set<Thread> threads;
    private final int queryTimeoutSeconds;
    private final AsyncProxyManager<String> proxies;
    private final AsyncProxyManager<String> freshReads;
    /** Whether the table is known to be there; the first call after a start without the database checks it (and creates it if allowed). */
    private volatile boolean tableReady;
    private final boolean createTable;
    /** Set when the database did not answer at startup: the first look at the proxies fails, so the circuit starts open. */
    private volatile boolean unavailableAtStartup;
    /** The states this node wrote last, by key: a read of one within {@link #keptStateFreshNanos} is answered here. */
    private final Cache<String, Written> written;
    /**
     * How long a written state stands in for a read: {@link #KEPT_STATE_FRESH_NANOS}, and in the
     * batched mode as long as the row stays after its bucket is full again, so that a bucket pushed
     * every burst is one swap per burst, with no read.
     */
    private final long keptStateFreshNanos;
    /**
     * The batched sync's swaps held back while a burst starts its syncs, sent as one transaction
     * of statement batches by {@link #flushBurst()}; only the burst's thread touches the list.
     */
    private final List<HeldSwap> held = new ArrayList<>();
    /** The batched sync's reads held back the same way, sent as one query by {@link #flushBurst()}. */
    private final List<HeldRead> heldReads = new ArrayList<>();
    /** Cleared once the driver answers a batch without the rows of each update: the bursts' swaps then go one by one. */
    private volatile boolean batchesCounted = true;

    private record HeldSwap(BucketTable.Swap swap, CompletableFuture<Boolean> answer) {
    }

    /** A read held back; its answer is the row, or {@code null} when there is none. */
    private record HeldRead(String key, CompletableFuture<BucketTable.Row> answer) {
    }

    private record Written(byte[] state, long version, long at) {
    }

    private JdbcBucketStore(String name, String prefix, Options options, LongConsumer storeLatency, BucketTable table,
                            Connections connections, ThreadPoolExecutor calls, ScheduledExecutorService background, Set<Thread> threads,
                            boolean answered, boolean createTable, int maxClients) {
        super(name, prefix, options, storeLatency, background, maxClients);
        this.tableReady = answered;
        this.createTable = createTable;
        this.threads = threads;
        this.unavailableAtStartup = !answered;
        this.table = table;
        this.connections = connections;
        this.calls = calls;
        this.background = background;
        this.queryTimeoutSeconds = (int) Math.max(1, (options.timeout().toMillis() + 999) / 1000);
        this.written = Caffeine.newBuilder().maximumSize(maxClients).executor(Runnable::run).build();
        this.keptStateFreshNanos = options.sync().isBatched() ? keyMargin().toNanos() : KEPT_STATE_FRESH_NANOS;
        ClientSideConfig config = ClientSideConfig.getDefault()
                .withExpirationAfterWriteStrategy(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(keyMargin()));
        this.proxies = new CasProxies(config, true).asAsync();
        this.freshReads = new CasProxies(config, false).asAsync();
        background.schedule(this::sweepQuietly, SWEEP_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
        connectAtStartup();
    }

    /**
     * A store on {@code table}, its keys starting with {@code prefix}, its calls on {@code threads}
     * threads with connections from {@code connections}.
     */
    static JdbcBucketStore create(String name, BucketTable table, Connections connections, int threads, String prefix,
                                  Options options, LongConsumer storeLatency) {
        return create(name, table, connections, threads, prefix, options, storeLatency, true, false, DEFAULT_MAX_CLIENTS);
    }

    /**
     * The same; {@code answered}: whether the database answered the provider's check of the table
     * at startup (if not, the first call that reaches it checks the table, and creates it with
     * {@code createTable}); at most {@code maxClients} buckets' proxies and written states are kept.
     */
    static JdbcBucketStore create(String name, BucketTable table, Connections connections, int threads, String prefix,
                                  Options options, LongConsumer storeLatency, boolean answered, boolean createTable, int maxClients) {
        AtomicInteger count = new AtomicInteger();
        Set<Thread> started = ConcurrentHashMap.newKeySet();
        ThreadFactory factory = r -> {
            Thread t = new Thread(r, "tollgate-jdbc-" + count.incrementAndGet());
            t.setDaemon(true);
            started.add(t);
            return t;
        };
        ThreadPoolExecutor calls = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(QUEUE), factory,
                new ThreadPoolExecutor.AbortPolicy());
        ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tollgate-jdbc-background");
            t.setDaemon(true);
            started.add(t);
            return t;
        });
        return new JdbcBucketStore(name, prefix, options, storeLatency, table, connections, calls, background, started, answered,
                createTable, maxClients);
    }

    /** A key the column holds: long ones (an application's own client ids) by their SHA-256. */
    static String columnKey(String key) {
        if (key.length() <= BucketTable.MAX_KEY_LENGTH) {
            return key;
        }
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return key.substring(0, 64) + "#" + HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** A database call on a store thread. */
    private interface Call<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> CompletableFuture<T> submit(Call<T> call) {
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            calls.execute(() -> {
                Connection c = null;
                boolean broken = false;
                try {
                    c = connections.get();
                    if (!tableReady) {
                        if (table.ensure(c, createTable, queryTimeoutSeconds)) {
                            LOG.info("Created the table {} of {}", table.name(), this);
                        }
                        tableReady = true;
                    }
                    result.complete(call.run(c));
                } catch (SQLException | RuntimeException e) {
                    // A lost race (a key inserted first, a serialization conflict) leaves the connection as good as it was.
                    broken = !BucketTable.isLostRace(e);
                    result.completeExceptionally(e);
                } catch (Error e) {
                    broken = true;
                    result.completeExceptionally(e);
                    throw e;
                } finally {
                    if (c != null) {
                        connections.release(c, broken);
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(new StoreUnavailableException("every database thread is busy", e));
        }
        return result;
    }

    @Override
    protected AsyncProxyManager<String> proxies(long deadline) {
        if (unavailableAtStartup) {
            unavailableAtStartup = false;
            throw new StoreUnavailableException("did not answer at startup", null);
        }
        return proxies;
    }

    @Override
    protected AsyncProxyManager<String> freshReads(long deadline) {
        return freshReads;
    }

    @Override
    protected long registerLimits(BucketPlan plan, long deadline) throws InterruptedException, ExecutionException, TimeoutException {
        String key = columnKey(prefix() + plan.name() + "#limits");
        CompletableFuture<Long> version = submit(c -> table.register(c, key, plan.limits(), queryTimeoutSeconds));
        try {
            return version.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            version.cancel(true);
            throw e;
        }
    }

    /**
     * Sends what a burst held back. First the reads, as one query, waited for here: their answers
     * run bucket4j's next step on this thread, so the swaps that follow are held back too. Then
     * the swaps: one transaction (the updates as one statement batch, the inserts as another), on
     * a store thread. A batch that lost a race (a key another node inserted first, a
     * serialization conflict) is rolled back and its swaps run one by one, where only the lost
     * one fails, as outside a burst. A burst of buckets this node wrote last is one statement
     * batch and a commit; of new buckets, one query, one batch and a commit.
     */
    @Override
    protected void flushBurst() {
        if (held == null || heldReads == null) {
            // A burst scheduled before this constructor ended (the base class starts the schedule): nothing is held yet.
            return;
        }
        // An answer given on this thread (a read; a swap that fails at once because every store thread
        // is busy, which bucket4j retries) may hold back more: send until nothing is held.
        while (!heldReads.isEmpty() || !held.isEmpty()) {
            if (!heldReads.isEmpty()) {
                readHeld();
            }
            if (!held.isEmpty()) {
                sendHeld();
            }
        }
    }

    /** Reads the held-back keys in one query and answers each read on this thread. */
    private void readHeld() {
        List<HeldRead> reads = new ArrayList<>(heldReads);
        heldReads.clear();
        List<String> keys = reads.stream().map(HeldRead::key).distinct().toList();
        CompletableFuture<Map<String, BucketTable.Row>> query = submit(c -> table.readAll(c, keys, queryTimeoutSeconds));
        Map<String, BucketTable.Row> rows = null;
        Throwable failure = null;
        try {
            // As long as the query may run on the database (the burst thread waits, no request does).
            rows = query.get(Math.max(timeoutNanos(), TimeUnit.SECONDS.toNanos(queryTimeoutSeconds)), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            failure = e.getCause();
        } catch (TimeoutException e) {
            query.cancel(true);
            failure = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = e;
        }
        for (HeldRead read : reads) {
            if (failure != null) {
                read.answer().completeExceptionally(failure);
            } else {
                read.answer().complete(rows.get(read.key()));
            }
        }
    }

    /** Sends the held-back swaps as one transaction of statement batches on a store thread. */
    private void sendHeld() {
        List<HeldSwap> wave = new ArrayList<>(held);
        held.clear();
        wave.sort(Comparator.comparing(h -> h.swap().key()));
        List<BucketTable.Swap> swaps = wave.stream().map(HeldSwap::swap).toList();
        submit(c -> table.swapAll(c, swaps, queryTimeoutSeconds)).whenComplete((applied, failure) -> {
            if (failure == null && applied != null) {
                for (int i = 0; i < wave.size(); i++) {
                    remember(swaps.get(i), applied[i]);
                    wave.get(i).answer().complete(applied[i]);
                }
            } else if (failure == null || BucketTable.isLostRace(failure)) {
                if (failure == null && batchesCounted) {
                    batchesCounted = false;
                    LOG.info("The driver of {} does not report the rows of each update in a batch; the bursts' swaps go one by one",
                            table.name());
                }
                for (HeldSwap h : wave) {
                    swapAlone(h.swap()).whenComplete((swapped, error) -> complete(h.answer(), swapped, error));
                }
            } else {
                for (HeldSwap h : wave) {
                    written.invalidate(h.swap().key());
                    h.answer().completeExceptionally(failure);
                }
            }
        });
    }

    private static void complete(CompletableFuture<Boolean> answer, Boolean swapped, Throwable failure) {
        if (failure != null) {
            answer.completeExceptionally(failure);
        } else {
            answer.complete(swapped);
        }
    }

    /** One swap in a call of its own. */
    private CompletableFuture<Boolean> swapAlone(BucketTable.Swap swap) {
        CompletableFuture<Boolean> swapped = submit(c -> table.swap(c, swap, queryTimeoutSeconds));
        return swapped.whenComplete((applied, failure) -> remember(swap, failure == null && applied));
    }

    /** Keeps the state of an applied swap for the next read of its key; forgets the key's state otherwise. */
    private void remember(BucketTable.Swap swap, boolean applied) {
        if (applied) {
            written.put(swap.key(), new Written(swap.state(), swap.next(), System.nanoTime()));
        } else {
            written.invalidate(swap.key());
        }
    }

    @Override
    protected String kind() {
        return "jdbc";
    }

    /** Drivers repeat the URL in some messages: never a password in a log line. */
    @Override
    protected String failureMessage(Throwable e) {
        return Jdbc.mask(super.failureMessage(e));
    }

    @Override
    protected boolean isConnected() {
        return true;
    }

    /** Deletes at most {@value #SWEEP_ROWS} expired rows; the number deleted. */
    int sweep() throws SQLException {
        try {
            return submit(c -> table.sweep(c, System.currentTimeMillis(), SWEEP_ROWS, queryTimeoutSeconds))
                    .get(Math.max(10, queryTimeoutSeconds * 4L), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new SQLException("the sweep of " + table.name() + " failed: " + failureMessage(e), e);
        }
    }

    /**
     * Starts a sweep on a store thread and schedules the next: in a minute, or in a second while a
     * sweep finds a full batch. Never waits on the background thread, which sends the delayed
     * mode's syncs.
     */
    private void sweepQuietly() {
        if (isCircuitOpen()) {
            scheduleSweep(SWEEP_INTERVAL);
            return;
        }
        submit(c -> table.sweep(c, System.currentTimeMillis(), SWEEP_ROWS, queryTimeoutSeconds)).whenComplete((deleted, failure) -> {
            if (failure != null) {
                LOG.warn("The sweep of {} failed: {}", table.name(), failureMessage(failure));
            } else {
                LOG.debug("Deleted {} expired rows of {}", deleted, table.name());
            }
            scheduleSweep(deleted != null && deleted >= SWEEP_ROWS ? Duration.ofSeconds(1) : SWEEP_INTERVAL);
        });
    }

    private void scheduleSweep(Duration in) {
        try {
            background.schedule(this::sweepQuietly, in.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("The store is closed: no more sweeps of {}", table.name());
        }
    }

    @Override
    protected void closeConnections() {
        background.shutdownNow();
        calls.shutdown();
        try {
            if (!calls.awaitTermination(2, TimeUnit.SECONDS)) {
                calls.shutdownNow();
                calls.awaitTermination(1, TimeUnit.SECONDS);
            }
            background.awaitTermination(1, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            for (Thread t : threads) {
                t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            connections.close();
        }
    }

    /** bucket4j's compare-and-swap proxies over the table; {@code keepWritten}: reads may be answered by {@link #written}. */
    private final class CasProxies extends AbstractCompareAndSwapBasedProxyManager<String> {
        private final boolean keepWritten;

        CasProxies(ClientSideConfig config, boolean keepWritten) {
            super(config);
            this.keepWritten = keepWritten;
        }

        @Override
        public boolean isAsyncModeSupported() {
            return true;
        }

        @Override
        public boolean isExpireAfterWriteSupported() {
            return true;
        }

        @Override
        protected CompareAndSwapOperation beginCompareAndSwapOperation(String key) {
            throw new UnsupportedOperationException("the store calls bucket4j asynchronously only");
        }

        @Override
        protected AsyncCompareAndSwapOperation beginAsyncCompareAndSwapOperation(String key) {
            return new Operation(columnKey(key));
        }

        @Override
        public void removeProxy(String key) {
            throw new UnsupportedOperationException("buckets expire; they are never removed one by one");
        }

        @Override
        protected CompletableFuture<Void> removeAsync(String key) {
            return CompletableFuture.failedFuture(new UnsupportedOperationException("buckets expire; they are never removed one by one"));
        }

        /** One request's read and compare-and-swap of one bucket; the version read is the swap's predicate. */
        private final class Operation implements AsyncCompareAndSwapOperation {
            private final String key;
            /** The version of the state read; 0: no row. */
            private volatile long version;

            Operation(String key) {
                this.key = key;
            }

            @Override
            public CompletableFuture<Optional<byte[]>> getStateData(Optional<Long> timeoutNanos) {
                if (keepWritten) {
                    Written kept = written.getIfPresent(key);
                    if (kept != null && System.nanoTime() - kept.at() < keptStateFreshNanos) {
                        version = kept.version();
                        return CompletableFuture.completedFuture(Optional.of(kept.state()));
                    }
                    if (batchesCounted && onBurstThread()) {
                        CompletableFuture<BucketTable.Row> row = new CompletableFuture<>();
                        heldReads.add(new HeldRead(key, row));
                        return row.thenApply(this::found);
                    }
                }
                return submit(c -> found(table.read(c, key, queryTimeoutSeconds)));
            }

            /** The state of {@code row}, noting its version for the swap; {@code null}: no row. */
            private Optional<byte[]> found(BucketTable.Row row) {
                version = row == null ? 0 : row.version();
                return row == null ? Optional.empty() : Optional.of(row.state());
            }

            @Override
            public CompletableFuture<Boolean> compareAndSwap(byte[] originalData, byte[] newData, RemoteBucketState newState,
                                                             Optional<Long> timeoutNanos) {
                long ttl = getClientSideConfig().getExpirationAfterWriteStrategy().orElseThrow()
                        .calculateTimeToLiveMillis(newState, currentTimeNanos());
                long expiresAt = System.currentTimeMillis() + Math.max(0, ttl);
                BucketTable.Swap swap = BucketTable.Swap.of(key, version, newData, expiresAt);
                if (batchesCounted && onBurstThread()) {
                    CompletableFuture<Boolean> answer = new CompletableFuture<>();
                    held.add(new HeldSwap(swap, answer));
                    return answer;
                }
                return swapAlone(swap);
            }
        }
    }
}
