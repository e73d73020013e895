package dev.tollgate.internal;

/**
 * Bucket keys ({@code client:<id>}, {@code <plan>|<key>}) without a new string per request for
 * the clients seen lately: a small direct-mapped table of recent joins. A miss joins as before
 * (and replaces the slot's old entry), so the table only saves work and never holds more than its
 * size. Thread-safe: entries are immutable, and a lost race only means one join made twice.
 */
public final class JoinedKeys {

    /** Entries kept (a power of two). */
    public static final int SIZE = 1024;

    private record Joined(String prefix, String suffix, String text) {
    }

    private final Joined[] table = new Joined[SIZE];

    /** {@code prefix + suffix}. */
    public String join(String prefix, String suffix) {
        int slot = (prefix.hashCode() * 31 + suffix.hashCode()) & (SIZE - 1);
        Joined joined = table[slot];
        if (joined != null && joined.prefix().equals(prefix) && joined.suffix().equals(suffix)) {
            return joined.text();
        }
        String text = prefix.concat(suffix);
        table[slot] = new Joined(prefix, suffix, text);
        return text;
    }
}
