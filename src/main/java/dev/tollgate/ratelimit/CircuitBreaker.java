package dev.tollgate.ratelimit;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops requests from waiting on a store that just failed: after a failure the circuit is open and
 * every request gets the outage behaviour at once; after {@code probeInterval} one request at a
 * time is let through as a probe, and a success closes the circuit. Logs once when the store goes
 * away and once when it is back, never per request.
 */
final class CircuitBreaker {

    private static final Logger LOG = LoggerFactory.getLogger(CircuitBreaker.class);
    private static final int CLOSED = 0;
    private static final int OPEN = 1;
    private static final int PROBING = 2;

    private final String name;
    private final long probeIntervalNanos;
    private final LongSupplier nanoTime;
    private final AtomicInteger state = new AtomicInteger(CLOSED);
    private volatile long openedAt;

    CircuitBreaker(String name, long probeIntervalNanos, LongSupplier nanoTime) {
        this.name = name;
        this.probeIntervalNanos = probeIntervalNanos;
        this.nanoTime = nanoTime;
    }

    /** Whether this request may use the store: always when closed; when open, one probe per interval. */
    boolean allowRequest() {
        int s = state.get();
        if (s == CLOSED) {
            return true;
        }
        return s == OPEN && nanoTime.getAsLong() - openedAt >= probeIntervalNanos && state.compareAndSet(OPEN, PROBING);
    }

    /**
     * Only the probe's success closes the circuit: a request that was sent before the store failed
     * may still succeed after it, and must not close the circuit (and log "back") during an outage.
     */
    void onSuccess() {
        if (state.get() == PROBING && state.compareAndSet(PROBING, CLOSED)) {
            LOG.warn("{} answers again; limiting through it resumes", name);
        }
    }

    void onFailure(String what) {
        openedAt = nanoTime.getAsLong();
        if (state.getAndSet(OPEN) == CLOSED) {
            LOG.warn("{} unavailable ({}); using the outage behaviour until it answers, probing every {} ms",
                    name, what, probeIntervalNanos / 1_000_000);
        }
    }

    /** Opens the circuit without a log line (the caller has logged why). */
    void startOpen() {
        openedAt = nanoTime.getAsLong();
        state.set(OPEN);
    }

    boolean isOpen() {
        return state.get() != CLOSED;
    }
}
