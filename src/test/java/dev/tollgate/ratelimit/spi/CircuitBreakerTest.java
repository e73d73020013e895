package dev.tollgate.ratelimit.spi;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

    private static final long INTERVAL = 1_000_000_000L;

    private final AtomicLong now = new AtomicLong(5_000_000_000L);
    private final CircuitBreaker breaker = new CircuitBreaker("test store", INTERVAL, now::get);

    @Test
    void shouldLetOneProbeThroughPerIntervalAndCloseOnSuccess() {
        assertTrue(breaker.allowRequest());
        breaker.onFailure("down");
        assertTrue(breaker.isOpen());
        assertFalse(breaker.allowRequest());
        now.addAndGet(INTERVAL - 1);
        assertFalse(breaker.allowRequest());
        now.addAndGet(1);
        assertTrue(breaker.allowRequest(), "the probe");
        assertFalse(breaker.allowRequest(), "one probe at a time");
        breaker.onSuccess(now.get());
        assertFalse(breaker.isOpen());
        assertTrue(breaker.allowRequest());
    }

    @Test
    void shouldWaitAnotherIntervalWhenTheProbeFails() {
        breaker.onFailure("down");
        now.addAndGet(INTERVAL);
        assertTrue(breaker.allowRequest());
        breaker.onFailure("still down");
        assertFalse(breaker.allowRequest());
        now.addAndGet(INTERVAL - 1);
        assertFalse(breaker.allowRequest());
        now.addAndGet(1);
        assertTrue(breaker.allowRequest());
    }

    @Test
    void shouldProbeAgainWhenAProbeNeverReportsItsOutcome() {
        breaker.onFailure("down");
        now.addAndGet(INTERVAL);
        assertTrue(breaker.allowRequest(), "the probe, which then dies with an Error and reports nothing");
        now.addAndGet(INTERVAL - 1);
        assertFalse(breaker.allowRequest(), "the probe still has its interval");
        now.addAndGet(1);
        assertTrue(breaker.allowRequest(), "a lost probe does not keep the store away for ever");
        assertFalse(breaker.allowRequest());
        breaker.onSuccess(now.get());
        assertFalse(breaker.isOpen());
    }

    @Test
    void shouldStayOpenWhenARequestSentBeforeTheFailureSucceedsAfterIt() {
        long sentBefore = now.get();
        now.addAndGet(1);
        breaker.onFailure("connection reset");
        breaker.onSuccess(sentBefore);

        assertTrue(breaker.isOpen());
        assertFalse(breaker.allowRequest(), "no request reaches the store before the probe interval");
        now.addAndGet(INTERVAL);
        long probe = now.get();
        assertTrue(breaker.allowRequest(), "the probe");
        breaker.onSuccess(probe);
        assertFalse(breaker.isOpen());
    }
}
