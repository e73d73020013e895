package dev.tollgate.ratelimit.spi;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bursts of the {@code batched} sync: a local copy that took tokens waits here (once, however
 * many it took), and one thread starts the syncs of all waiting copies every {@code interval}, one
 * after the other without waiting for any, so that the calls of a burst are on the wire together
 * (Lettuce pipelines them on its connection, in a cluster on each slot's master; the database store
 * runs them on its pool). Each sync goes through the bucket's own proxy, so bucket4j's state and
 * changed limits stay what they are in the other modes.
 *
 * <p>No burst is sent while {@code paused} (the store's circuit is open): the copies keep their
 * tokens and wait for the first burst after the store answers again.
 */
final class SyncBatches implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SyncBatches.class);

    private final Queue<Runnable> waiting = new ConcurrentLinkedQueue<>();
    private final ScheduledExecutorService thread;
    private final BooleanSupplier paused;
    private final LongAdder bursts = new LongAdder();
    private final LongAdder syncs = new LongAdder();

    /** Bursts every {@code interval} for the store called {@code name}, none while {@code paused}. */
    SyncBatches(String name, Duration interval, BooleanSupplier paused) {
        this.paused = paused;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tollgate-sync-batches");
            t.setDaemon(true);
            // The thread outlives no request: no web application's class loader through it.
            t.setContextClassLoader(null);
            return t;
        });
        long millis = Math.max(1, interval.toMillis());
        thread.scheduleWithFixedDelay(() -> burst(name), millis, millis, TimeUnit.MILLISECONDS);
    }

    /** Puts a copy that took tokens in the next burst; the copy adds itself at most once until it is synced. */
    void add(Runnable copy) {
        waiting.add(copy);
    }

    /** The copies waiting for the next burst. */
    int waiting() {
        return waiting.size();
    }

    /** Bursts sent so far (those with at least one copy). */
    long bursts() {
        return bursts.sum();
    }

    /** Syncs started by bursts so far. */
    long syncs() {
        return syncs.sum();
    }

    private void burst(String name) {
        if (paused.getAsBoolean()) {
            return;
        }
        // Only the copies that wait now: one that takes tokens during the burst waits for the next.
        int started = 0;
        for (int n = waiting.size(); n > 0; n--) {
            Runnable copy = waiting.poll();
            if (copy == null) {
                break;
            }
            try {
                copy.run();
                started++;
            } catch (RuntimeException e) {
                // The copy's tokens stay unsynced; a later request or the close pushes them.
                LOG.warn("A batched sync to {} could not start: {}", name, e.toString());
            }
        }
        if (started > 0) {
            bursts.increment();
            syncs.add(started);
        }
    }

    /** Stops the bursts, waiting a second at most for one under way; the copies keep their tokens. */
    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
