package dev.tollgate.internal;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class OncePerPeriodTest {

    @Test
    void shouldSayYesOncePerKeyAndPeriod() {
        AtomicLong nanos = new AtomicLong();
        OncePerPeriod gate = OncePerPeriod.create(100, nanos::get);
        assertTrue(gate.first("a", Duration.ofMinutes(1)));
        assertFalse(gate.first("a", Duration.ofMinutes(1)));
        assertTrue(gate.first("b", Duration.ofMinutes(1)), "another key");
        nanos.addAndGet(Duration.ofSeconds(59).toNanos());
        assertFalse(gate.first("a", Duration.ofMinutes(1)), "still within the period");
        nanos.addAndGet(Duration.ofSeconds(2).toNanos());
        assertTrue(gate.first("a", Duration.ofMinutes(1)), "a new period");
    }

    @Test
    void shouldStayBoundedUnderAFloodOfKeys() {
        OncePerPeriod gate = OncePerPeriod.create(10, () -> 0L);
        for (int i = 0; i < 10_000; i++) {
            gate.first("client-" + i, Duration.ofDays(1));
        }
        assertTrue(gate.size() <= 10, "size " + gate.size());
    }
}
