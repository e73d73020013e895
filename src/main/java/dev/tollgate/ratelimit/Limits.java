package dev.tollgate.ratelimit;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConfigurationBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One or several limits that apply at once, in a compact syntax: {@code 100/1m, 5000/1d} allows 100
 * requests a minute and 5000 a day. Each limit is {@code <capacity>/<period>}, the period a
 * positive number and a unit ({@code ms}, {@code s}, {@code m}, {@code h}, {@code d}; a bare unit
 * means 1 of it: {@code 60/m}); capacities from 1 to 1000000000 (and at most 1000000 per ms of the
 * period, bucket4j's fastest refill), periods up to 366 days.
 *
 * <p>Refill is greedy by default: tokens come back continuously ({@code 100/1m} gives one back every
 * 600 ms), so a client can never burst more than the capacity in any window. A limit followed by
 * {@code interval} ({@code 100/1m interval}) gets all its tokens back at once when each period
 * ends, like a fixed window. Immutable.
 */
final class Limits {

    private static final Pattern LIMIT = Pattern.compile("(-?\\d+)\\s*/\\s*(\\d*)\\s*(ms|s|m|h|d)(?:\\s+(interval|greedy))?");
    private static final long MAX_CAPACITY = 1_000_000_000L;
    private static final long MAX_PERIOD_MILLIS = Duration.ofDays(366).toMillis();
    /** bucket4j refills at most one token a nanosecond. */
    private static final long MAX_PER_MILLI = 1_000_000L;

    /** One limit: {@code capacity} requests per {@code period}. */
    public record Limit(long capacity, Duration period, boolean interval) {
        /** Holds the rules of {@link #parse} for limits made in code too. */
        public Limit {
            Objects.requireNonNull(period, "period");
            if (capacity < 1 || capacity > MAX_CAPACITY) {
                throw new IllegalArgumentException("limit capacity [" + capacity + "] must be a whole number from 1 to " + MAX_CAPACITY);
            }
            if (period.compareTo(Duration.ofMillis(1)) < 0 || period.compareTo(Duration.ofMillis(MAX_PERIOD_MILLIS)) > 0) {
                throw new IllegalArgumentException("limit period [" + period + "] must be from 1ms to 366d");
            }
            if (capacity > period.toNanos()) {
                throw new IllegalArgumentException("limit capacity [" + capacity + "] must be at most " + MAX_PER_MILLI
                        + " per ms of period [" + format(period) + "]");
            }
        }

        @Override
        public String toString() {
            return capacity + "/" + format(period) + (interval ? " interval" : "");
        }
    }

    private final List<Limit> limits;
    private final BucketConfiguration configuration;

    private Limits(List<Limit> limits) {
        this.limits = List.copyOf(limits);
        ConfigurationBuilder builder = BucketConfiguration.builder();
        for (int i = 0; i < limits.size(); i++) {
            Limit limit = limits.get(i);
            // Named by period (unique in a plan): a changed configuration carries each limit's tokens over by it.
            String id = format(limit.period());
            builder.addLimit(limit.interval()
                    ? Bandwidth.builder().capacity(limit.capacity()).refillIntervally(limit.capacity(), limit.period()).id(id).build()
                    : Bandwidth.builder().capacity(limit.capacity()).refillGreedy(limit.capacity(), limit.period()).id(id).build());
        }
        this.configuration = builder.build();
    }

    /** Parses {@code 100/1m, 5000/1d}; a bad part is named with its rule. */
    public static Limits parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("at least one limit <capacity>/<period> is needed, like 100/1m");
        }
        List<Limit> limits = new ArrayList<>();
        // -1: an empty part, even the last one, is a bad limit, not nothing.
        for (String part : text.split(",", -1)) {
            String item = part.strip();
            Matcher m = LIMIT.matcher(item);
            if (!m.matches()) {
                throw new IllegalArgumentException("limit [" + item + "] must be <capacity>/<period> like 100/1m or 5000/1d "
                        + "(units ms, s, m, h, d), optionally followed by 'interval'");
            }
            long capacity = parseLong(m.group(1));
            if (capacity < 1 || capacity > MAX_CAPACITY) {
                throw new IllegalArgumentException("limit [" + item + "]: capacity must be a whole number from 1 to " + MAX_CAPACITY);
            }
            long amount = m.group(2).isEmpty() ? 1 : parseLong(m.group(2));
            if (amount < 1) {
                throw new IllegalArgumentException("limit [" + item + "]: period must be positive");
            }
            // Checked in the unit before a Duration is made: a huge amount would overflow it.
            long unitMillis = switch (m.group(3)) {
                case "ms" -> 1L;
                case "s" -> 1000L;
                case "m" -> 60_000L;
                case "h" -> 3_600_000L;
                default -> 86_400_000L;
            };
            if (amount > MAX_PERIOD_MILLIS / unitMillis) {
                throw new IllegalArgumentException("limit [" + item + "]: period must be at most 366d");
            }
            Duration period = Duration.ofMillis(amount * unitMillis);
            if (capacity > period.toMillis() * MAX_PER_MILLI) {
                throw new IllegalArgumentException("limit [" + item + "]: capacity must be at most " + MAX_PER_MILLI + " per ms of period");
            }
            for (Limit other : limits) {
                if (other.period().equals(period)) {
                    throw new IllegalArgumentException("limit [" + item + "]: two limits with the same period " + format(period));
                }
            }
            limits.add(new Limit(capacity, period, "interval".equals(m.group(4))));
        }
        return new Limits(limits);
    }

    /** Limits made in code. */
    public static Limits of(List<Limit> limits) {
        return parse(String.join(", ", limits.stream().map(Limit::toString).toList()));
    }

    private static long parseLong(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    static String format(Duration period) {
        long millis = period.toMillis();
        if (millis % 86_400_000L == 0) {
            return millis / 86_400_000L + "d";
        }
        if (millis % 3_600_000L == 0) {
            return millis / 3_600_000L + "h";
        }
        if (millis % 60_000L == 0) {
            return millis / 60_000L + "m";
        }
        if (millis % 1000L == 0) {
            return millis / 1000L + "s";
        }
        return millis + "ms";
    }

    public List<Limit> limits() {
        return limits;
    }

    /** The first limit as written: the one the {@code X-Throttle-Limit} header names. */
    public Limit first() {
        return limits.get(0);
    }

    /** The longest period: after it, an idle client's bucket is full again. */
    public Duration longestPeriod() {
        Duration longest = Duration.ZERO;
        for (Limit limit : limits) {
            if (limit.period().compareTo(longest) > 0) {
                longest = limit.period();
            }
        }
        return longest;
    }

    /** The bucket4j configuration of these limits, built once. */
    public BucketConfiguration configuration() {
        return configuration;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Limits other && limits.equals(other.limits);
    }

    @Override
    public int hashCode() {
        return limits.hashCode();
    }

    /** The canonical syntax, e.g. {@code 100/1m, 5000/1d}. */
    @Override
    public String toString() {
        return String.join(", ", limits.stream().map(Limit::toString).toList());
    }
}
