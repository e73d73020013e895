package dev.tollgate.ratelimit.spi;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops requests from waiting on a store that just failed: after a failure the circuit is open and
 * every request gets the outage behaviour at once; after {@code probeInterval} one request at a
 * time is let through as a probe, and a success closes the circuit. A probe whose outcome is never
 * reported (it died with an {@link Error}, say) does not hold the store away for ever: one
 * interval after it started, the next probe may go. Logs once when the store goes away and once
 * when it is back, never per request.
 */
final class CircuitBreaker {

    private static final Logger LOG = LoggerFactory.getLogger(CircuitBreaker.class);

    private final String name;
    private final long probeIntervalNanos;
    private final LongSupplier nanoTime;
    private final AtomicBoolean open = new AtomicBoolean();
    /** When the circuit last failed or last let a probe through: the next probe waits an interval from it. */
    private final AtomicLong lastAttempt = new AtomicLong();
    /** When the store last failed: only a request started after it can show that the store is back. */
    private volatile long lastFailure;
    /** The status page's view of the last outage: wall-clock times and what the failure said. */
    private volatile long lastFailureEpochMillis;
    private volatile String lastFailureText;
    private volatile long lastRecoveryEpochMillis;

    CircuitBreaker(String name, long probeIntervalNanos, LongSupplier nanoTime) {
        this.name = name;
        this.probeIntervalNanos = probeIntervalNanos;
        this.nanoTime = nanoTime;
    }

    /** Whether this request may use the store: always when closed; when open, one probe per interval. */
    boolean allowRequest() {
        if (!open.get()) {
            return true;
        }
        long last = lastAttempt.get();
        long now = nanoTime.getAsLong();
        return now - last >= probeIntervalNanos && lastAttempt.compareAndSet(last, now);
    }

    /** The clock's time now: what a request passes to {@link #onSuccess(long)} as its start. */
    long now() {
        return nanoTime.getAsLong();
    }

    /**
     * A request that started at {@code startedNanos} succeeded. Only a request that started after
     * the last failure closes the circuit: one sent before the store failed may still succeed after
     * it, and must not close the circuit (and log "back") in the middle of an outage.
     */
    void onSuccess(long startedNanos) {
        if (open.get() && startedNanos - lastFailure >= 0 && open.compareAndSet(true, false)) {
            lastRecoveryEpochMillis = System.currentTimeMillis();
            LOG.warn("{} answers again; limiting through it resumes", name);
        }
    }

    void onFailure(String what) {
        long now = nanoTime.getAsLong();
        lastFailure = now;
        lastFailureEpochMillis = System.currentTimeMillis();
        lastFailureText = what;
        lastAttempt.set(now);
        if (!open.getAndSet(true)) {
            LOG.warn("{} unavailable ({}); using the outage behaviour until it answers, probing every {} ms",
                    name, what, probeIntervalNanos / 1_000_000);
        }
    }

    /** Opens the circuit without a log line (the caller has logged why: {@code what}). */
    void startOpen(String what) {
        long now = nanoTime.getAsLong();
        lastFailure = now;
        lastFailureEpochMillis = System.currentTimeMillis();
        lastFailureText = what;
        lastAttempt.set(now);
        open.set(true);
    }

    boolean isOpen() {
        return open.get();
    }

    /** When the store last failed (Unix millis), 0 if never. */
    long lastFailureEpochMillis() {
        return lastFailureEpochMillis;
    }

    /** What the last failure said, or {@code null}. */
    String lastFailureText() {
        return lastFailureText;
    }

    /** When the store last answered again after failing (Unix millis), 0 if never. */
    long lastRecoveryEpochMillis() {
        return lastRecoveryEpochMillis;
    }
}
