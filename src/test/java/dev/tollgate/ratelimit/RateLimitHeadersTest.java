package dev.tollgate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.error.ApiError;
import dev.tollgate.testing.Fakes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RateLimitHeadersTest {

    private static final Plan GOLD = Plan.of("gold", Limits.parse("5/1m, 100/1d"));
    private static final RateLimitDecision ALLOWED = new RateLimitDecision(true, GOLD, 4, 0, 1_700_000_012, 12, true, "gold-1m");
    private static final RateLimitDecision REJECTED = new RateLimitDecision(false, GOLD, 0, 7, 1_700_000_007, 7, true, "gold-1m");

    private static Map<String, String> allowedHeaders(RateLimitHeaders headers) {
        Map<String, String> out = new LinkedHashMap<>();
        headers.allowed(Fakes.response(out), ALLOWED);
        return out;
    }

    @Test
    void shouldSetThrottleAndIetfHeadersOnAnAllowedRequest() {
        assertEquals(Map.of("X-Throttle-Limit", "5", "X-Throttle-Remaining", "4", "X-Throttle-Reset", "1700000012",
                "RateLimit-Policy", "\"gold-1m\";q=5;w=60, \"gold-1d\";q=100;w=86400", "RateLimit", "\"gold-1m\";r=4;t=12"),
                allowedHeaders(new RateLimitHeaders(true, true)));
        assertTrue(allowedHeaders(new RateLimitHeaders(false, false)).isEmpty());
    }

    @Test
    void shouldReplaceTheThrottleHeadersAnEarlierFilterSetNotRepeatThem() {
        Map<String, String> out = new LinkedHashMap<>(Map.of("X-Throttle-Limit", "1000", "X-Throttle-Remaining", "999",
                "X-Throttle-Reset", "1700000099"));
        new RateLimitHeaders(true, false).allowed(Fakes.response(out), ALLOWED);
        assertEquals(Map.of("X-Throttle-Limit", "5", "X-Throttle-Remaining", "4", "X-Throttle-Reset", "1700000012"), out);
    }

    @Test
    void shouldWriteTheSameTextsForEveryRequestOfTheSecondAndTheNextOnesAfter() {
        RateLimitHeaders headers = new RateLimitHeaders(true, false);
        for (long second = 1_700_000_000L; second < 1_700_000_600L; second += 7) {
            for (long remaining : new long[] {0, 1, 99, 1023, 1024, 999_999_999}) {
                Map<String, String> out = new LinkedHashMap<>();
                headers.allowed(Fakes.response(out), new RateLimitDecision(true, GOLD, remaining, 0, second, 12, true, "gold-1m"));
                assertEquals(Long.toString(remaining), out.get("X-Throttle-Remaining"));
                assertEquals(Long.toString(second), out.get("X-Throttle-Reset"));
            }
        }
    }

    @Test
    void shouldCarryTheHeadersOfA429InTheError() {
        ApiError error = new RateLimitHeaders(false, true).rejection(REJECTED);
        assertEquals(429, error.status());
        assertEquals("rate_limited", error.code());
        assertEquals(Map.of("X-Throttle-Limit", List.of("5"), "X-Throttle-Remaining", List.of("0"),
                "X-Throttle-Reset", List.of("1700000007"), "Retry-After", List.of("7"),
                "RateLimit-Policy", List.of("\"gold-1m\";q=5;w=60, \"gold-1d\";q=100;w=86400"),
                "RateLimit", List.of("\"gold-1m\";r=0;t=7")), error.headers());
        assertEquals(List.of("X-Throttle-Limit", "X-Throttle-Remaining", "X-Throttle-Reset", "Retry-After"),
                List.copyOf(new RateLimitHeaders(false, false).rejection(REJECTED).headers().keySet()));
    }

    @Test
    void shouldAnswer503WithRetryAfterOnlyWhenNotCounted() {
        ApiError error = new RateLimitHeaders(true, true).rejection(RateLimitDecision.uncounted(false, GOLD, 3));
        assertEquals(503, error.status());
        assertEquals("limiter_unavailable", error.code());
        assertEquals(Map.of("Retry-After", List.of("3")), error.headers());
    }
}
