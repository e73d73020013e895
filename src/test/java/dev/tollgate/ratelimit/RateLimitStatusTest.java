package dev.tollgate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.github.bucket4j.Bandwidth;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateLimitStatusTest {

    @Test
    void aLimitThatRefillsTokenByTokenIsFullWhenItsMissingTokensAreBack() {
        Bandwidth minute = Bandwidth.builder().capacity(3).refillGreedy(3, Duration.ofMinutes(1)).build();
        assertEquals(0L, RateLimitStatus.fullSeconds(minute, 3, 0));
        assertEquals(20L, RateLimitStatus.fullSeconds(minute, 2, 0));
        assertEquals(60L, RateLimitStatus.fullSeconds(minute, 0, 0));
        // Owed tokens (a count-after-the-fact below zero) take longer.
        assertEquals(80L, RateLimitStatus.fullSeconds(minute, -1, 0));
        // 15 s of the next token already refilled (rounding error in nanos times refill tokens).
        assertEquals(5L, RateLimitStatus.fullSeconds(minute, 2, Duration.ofSeconds(15).toNanos() * 3));
    }

    @Test
    void aLimitThatRefillsAtItsIntervalsEndDoesNotTellWhen() {
        Bandwidth interval = Bandwidth.builder().capacity(3).refillIntervally(3, Duration.ofMinutes(1)).build();
        assertNull(RateLimitStatus.fullSeconds(interval, 1, 0));
    }
}
