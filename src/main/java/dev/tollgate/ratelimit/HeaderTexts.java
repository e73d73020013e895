package dev.tollgate.ratelimit;

/**
 * The text of the numbers the headers carry, without a new string per request where the same
 * number comes back: small counts ({@code X-Throttle-Remaining}) from a table, Unix seconds
 * ({@code X-Throttle-Reset}) from a small table of the recent ones, which many requests share
 * within a second. Thread-safe: the tables hold immutable values, and a lost race only means one
 * string made twice.
 */
final class HeaderTexts {

    /** Counts below this are kept as text once made. */
    static final int SMALL = 1024;
    /** Recent seconds kept, by the second modulo this (a power of two). */
    static final int SECONDS = 256;

    private static final String[] SMALL_TEXT = new String[SMALL];

    /** A second and its text. */
    private record Second(long value, String text) {
    }

    private final Second[] seconds = new Second[SECONDS];

    /** {@code value} as decimal text; small non-negative values come from a table. */
    static String count(long value) {
        if (value < 0 || value >= SMALL) {
            return Long.toString(value);
        }
        String text = SMALL_TEXT[(int) value];
        if (text == null) {
            text = Long.toString(value);
            SMALL_TEXT[(int) value] = text;
        }
        return text;
    }

    /** {@code epochSeconds} as decimal text, the same string as long as it is among the recent ones. */
    String seconds(long epochSeconds) {
        int slot = (int) (epochSeconds & (SECONDS - 1));
        Second cached = seconds[slot];
        if (cached != null && cached.value() == epochSeconds) {
            return cached.text();
        }
        String text = Long.toString(epochSeconds);
        seconds[slot] = new Second(epochSeconds, text);
        return text;
    }
}
