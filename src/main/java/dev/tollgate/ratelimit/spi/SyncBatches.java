package dev.tollgate.ratelimit.spi;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bursts of the {@code batched} sync: a local copy that took tokens waits here (once, however
 * many it took), and one thread starts the syncs of all waiting copies every {@code interval},
 * one after the other without waiting for each, so that the calls of a burst are on the wire
 * together (Lettuce pipelines them on its connection, in a cluster on each slot's master), and a
 * store may hold them back and send each wave's as one call (a script on Redis, a query and a
 * transaction of statement batches on the database). A burst goes in waves of at most {@value #IN_FLIGHT}
 * syncs, the next when one has ended, so a burst of many buckets neither fills the database
 * store's queue of calls nor makes a request wait behind it for longer than a round trip or two,
 * and a store that sends a wave's calls as one (Redis: one script) gets whole waves. Each sync goes through
 * the bucket's own proxy, so bucket4j's state and changed limits stay what they are in the other
 * modes.
 *
 * <p>No burst is sent while {@code paused} (the store's circuit is open): the copies keep their
 * tokens and wait for the first burst after the store answers again. The close sends what waits.
 */
final class SyncBatches implements AutoCloseable {

    /** Most syncs of one burst in flight at once. */
    static final int IN_FLIGHT = 128;
    /** Longest a burst goes on: what it has not started by then waits for the next one. */
    private static final long BURST_LIMIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private static final Logger LOG = LoggerFactory.getLogger(SyncBatches.class);

    /** A local copy's part: starts its sync and returns when it ends (never exceptionally), or {@code null} when it had none to send. */
    interface Copy {
        CompletableFuture<Void> sync();
    }

    private final String name;
    private final Queue<Copy> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final ScheduledExecutorService thread;
    private final BooleanSupplier paused;
    /** Sends what the store held back while syncs were being started (see {@link #onSendingThread()}). */
    private final Runnable flush;
    /** The thread starting a burst's syncs, while it does; else {@code null}. */
    private volatile Thread sending;

    /**
     * Bursts every {@code interval} for the store called {@code name}, none while {@code paused};
     * {@code flush} runs after each wave's syncs are started, on the thread that started them.
     */
    SyncBatches(String name, Duration interval, BooleanSupplier paused, Runnable flush) {
        this.name = name;
        this.paused = paused;
        this.flush = flush;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tollgate-sync-batches");
            t.setDaemon(true);
            // The thread outlives no request: no web application's class loader through it.
            t.setContextClassLoader(null);
            return t;
        });
        long millis = Math.max(1, interval.toMillis());
        thread.scheduleWithFixedDelay(this::burst, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** Puts a copy that took tokens in the next burst; the copy adds itself at most once until it is synced. */
    void add(Copy copy) {
        waiting.add(copy);
        size.incrementAndGet();
    }

    /** The copies waiting for the next burst. */
    int waiting() {
        return size.get();
    }

    /**
     * Whether the calling thread is starting a burst's syncs: a store may hold back the calls they
     * make and send them together when {@code flush} runs.
     */
    boolean onSendingThread() {
        return sending == Thread.currentThread();
    }

    private void burst() {
        try {
            if (!paused.getAsBoolean()) {
                send(size.get(), System.nanoTime() + BURST_LIMIT_NANOS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            // Never let the schedule end: a later burst sends what this one could not.
            LOG.warn("A burst of batched syncs to {} failed: {}", name, e.toString());
        }
    }

    /**
     * Starts the syncs of the first {@code count} waiting copies (those that wait now: a copy that
     * takes tokens during the burst waits for the next) in waves of at most {@link #IN_FLIGHT}:
     * a wave's syncs are started, {@code flush} sends what the store held back of them, and the
     * next wave starts when this one has ended, until {@code deadline} ({@link System#nanoTime()});
     * their ends. A copy not started by then waits again.
     */
    private List<CompletableFuture<Void>> send(int count, long deadline) throws InterruptedException {
        List<CompletableFuture<Void>> ends = new ArrayList<>();
        List<CompletableFuture<Void>> wave = new ArrayList<>();
        sending = Thread.currentThread();
        try {
            for (int n = count; n > 0; n--) {
                if (wave.size() == IN_FLIGHT) {
                    flush.run();
                    if (!ended(wave, deadline)) {
                        break;
                    }
                    wave.clear();
                }
                Copy copy = waiting.poll();
                if (copy == null) {
                    break;
                }
                size.decrementAndGet();
                CompletableFuture<Void> end;
                try {
                    end = copy.sync();
                } catch (RuntimeException | Error e) {
                    // The copy's tokens stay unsynced; a later request or the close pushes them.
                    LOG.warn("A batched sync to {} could not start: {}", name, e.toString());
                    end = null;
                }
                if (end != null) {
                    ends.add(end);
                    wave.add(end);
                }
            }
            flush.run();
        } finally {
            sending = null;
        }
        return ends;
    }

    /** Whether every sync of {@code wave} ended before {@code deadline}. */
    private static boolean ended(List<CompletableFuture<Void>> wave, long deadline) throws InterruptedException {
        try {
            CompletableFuture.allOf(wave.toArray(CompletableFuture[]::new)).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            // A sync's end never fails; were it to, the wave has ended all the same.
            return true;
        }
    }

    /**
     * Stops the bursts (waiting a second at most for one under way), then starts the syncs of the
     * copies still waiting, among them copies already dropped from the store's cache whose last
     * push failed, until {@code deadline}; their ends, for the store's close to wait for. The
     * copies left waiting are logged.
     */
    List<CompletableFuture<Void>> stop(long deadline) {
        thread.shutdownNow();
        try {
            if (!thread.awaitTermination(1, TimeUnit.SECONDS)) {
                // Never two threads sending at once: the copies left are the close's to push one by one.
                LOG.warn("A burst of batched syncs to {} did not stop within 1 s: the close pushes the copies it keeps, "
                        + "and the unsynced tokens of {} other waiting buckets may be lost", name, size.get());
                return List.of();
            }
            List<CompletableFuture<Void>> ends = send(Integer.MAX_VALUE, deadline);
            if (size.get() > 0) {
                LOG.warn("The unsynced tokens of {} buckets (at most sync-tokens each) could not be sent to {} before it closed",
                        size.get(), name);
            }
            return ends;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of();
        }
    }

    /** Stops the bursts and starts the last syncs for at most a second, without waiting for them. */
    @Override
    public void close() {
        stop(System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
    }
}
