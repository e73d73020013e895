package dev.tollgate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link Limits#parse} on random and adversarial text: it either parses (and its canonical form
 * parses to the same limits) or throws {@link IllegalArgumentException} with a message; nothing else.
 */
class LimitsFuzzTest {

    private static final List<String> PIECES = List.of(
            "0", "1", "7", "60", "100", "5000", "1000000000", "1000000001", "2147483648", "9223372036854775807",
            "9223372036854775808", "99999999999999999999", "106751991167300", "31622400000", "527040", "8784", "366", "367",
            "ms", "s", "m", "h", "d", "w", "M", "D", "/", "//", " ", "  ", "\t", "\n", "\u00a0", "\u2003", ",", ", ", ",,",
            "-", "+", ".", "e", "E", "_", "interval", "greedy", " interval", " greedy", "\u0661\u0662", "\uff11\uff10",
            "\u0967", "\u00b2", "\u216b", "\ud835\udfd9", "0x10", "1e3", "NaN", "\u0000", "%", ";", "=", ":");

    private static void check(String text) {
        try {
            Limits limits = Limits.parse(text);
            assertEquals(limits, Limits.parse(limits.toString()), () -> "canonical form of [" + text + "]");
        } catch (IllegalArgumentException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                fail("no message for [" + text + "]", e);
            }
        } catch (RuntimeException | Error e) {
            fail("[" + text + "] threw " + e, e);
        }
    }

    @Test
    void shouldParseOrRefuseWithAMessageWhateverTheText() {
        Random random = new Random(20261125L);
        for (int i = 0; i < 200_000; i++) {
            StringBuilder text = new StringBuilder();
            int pieces = 1 + random.nextInt(8);
            for (int p = 0; p < pieces; p++) {
                if (random.nextInt(10) == 0) {
                    text.append((char) random.nextInt(0x3000));
                } else {
                    text.append(PIECES.get(random.nextInt(PIECES.size())));
                }
            }
            check(text.toString());
        }
    }

    @Test
    void shouldParseOrRefuseEveryWellFormedLimitWithExtremeNumbers() {
        List<String> numbers = List.of("0", "1", "-1", "+1", "00001", "366", "367", "8784", "8785", "527040", "527041",
                "31622400", "31622401", "31622400000", "31622400001", "999999999", "1000000000", "1000000001",
                "2147483647", "2147483648", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
                "99999999999999999999", "");
        for (String capacity : numbers) {
            for (String amount : numbers) {
                for (String unit : List.of("ms", "s", "m", "h", "d")) {
                    check(capacity + "/" + amount + unit);
                    check(capacity + " / " + amount + " " + unit + " interval");
                    check("1/1s, " + capacity + "/" + amount + unit);
                }
            }
        }
    }

    @Test
    void shouldRefuseHugePeriodsWithTheRule() {
        for (String text : List.of("100/99999999999999999999d", "100/9223372036854775807ms", "100/106751991167301d",
                "1/9223372036854775807h", "1/153722867280912931m", "1/9223372036854775808s", "1/367d", "1/8785h",
                "1/527041m", "1/31622401s", "1/31622400001ms")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Limits.parse(text), text);
            assertEquals("limit [" + text + "]: period must be at most 366d", e.getMessage());
        }
        for (String text : List.of("1/366d", "1/8784h", "1/527040m", "1/31622400s", "1/31622400000ms")) {
            assertEquals("1/366d", Limits.parse(text).toString(), text);
        }
    }

    @Test
    void shouldRefuseHugePeriodsMadeInCode() {
        for (Duration period : List.of(Duration.ofDays(367), Duration.ofSeconds(Long.MAX_VALUE), Duration.ofDays(-1), Duration.ZERO)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Limits.of(List.of(new Limits.Limit(1, period, false))), period::toString);
            assertFalse(e.getMessage().isBlank());
        }
        assertEquals("5/366d", Limits.of(List.of(new Limits.Limit(5, Duration.ofDays(366), false))).toString());
    }

    @Test
    void shouldRefuseNonAsciiDigits() {
        for (String text : List.of("\u0661\u0660\u0660/1m", "100/\u0661m", "\uff11\uff10/1m")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Limits.parse(text), text);
            assertFalse(e.getMessage().isBlank());
        }
    }
}
