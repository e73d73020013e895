package dev.tollgate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final CircuitBreaker breaker = new CircuitBreaker("Redis", 500_000_000L, now::get);

    @Test
    void shouldStayOpenWhenARequestSentBeforeTheFailureSucceedsAfterIt() {
        breaker.onFailure("connection reset");
        breaker.onSuccess();

        assertTrue(breaker.isOpen());
        assertFalse(breaker.allowRequest(), "no request reaches the store before the probe interval");
    }

    @Test
    void shouldCloseWhenTheProbeSucceeds() {
        breaker.onFailure("connection reset");
        now.addAndGet(500_000_000L);

        assertTrue(breaker.allowRequest(), "the probe");
        assertFalse(breaker.allowRequest(), "one probe at a time");
        breaker.onSuccess();

        assertFalse(breaker.isOpen());
        assertTrue(breaker.allowRequest());
    }
}
