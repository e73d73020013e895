package dev.tollgate.metrics;

import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One value of a filter's metrics, described once at init and exported twice: as an attribute of
 * the filter's MBean and as a Micrometer meter. Both read the same counter, so there is one
 * counting path. A meter without {@code name} is JMX only, one without {@code attribute} is
 * Micrometer only.
 *
 * @param name        the Micrometer name ({@code tollgate.ratelimit.requests}), or {@code null}
 * @param tags        the meter's own tags as key, value pairs (the filter and context tags are added)
 * @param attribute   the MBean attribute ({@code Allowed}), or {@code null}
 * @param type        how it is exported
 * @param description one line for both
 * @param value       the count, the gauge's value, a timer's total nanoseconds
 * @param count       a timer's count; {@code null} otherwise
 * @param text        a text attribute's value (JMX only); {@code null} otherwise
 */
record Meter(String name, List<String> tags, String attribute, Type type, String description, LongSupplier value,
        LongSupplier count, Supplier<String> text) {

    enum Type {
        /** Grows only. */
        COUNTER,
        /** A value now. */
        GAUGE,
        /** A value now, in nanoseconds: exported to Micrometer in seconds. */
        GAUGE_NANOS,
        /** Count and total nanoseconds: JMX attributes {@code <attribute>Count} and {@code <attribute>TotalNanos}. */
        TIMER,
        /** A string, JMX only. */
        TEXT
    }

    static Meter counter(String name, String attribute, String description, LongSupplier value, String... tags) {
        return new Meter(name, List.of(tags), attribute, Type.COUNTER, description, value, null, null);
    }

    static Meter gauge(String name, String attribute, String description, LongSupplier value, String... tags) {
        return new Meter(name, List.of(tags), attribute, Type.GAUGE, description, value, null, null);
    }

    static Meter gaugeNanos(String name, String attribute, String description, LongSupplier nanos) {
        return new Meter(name, List.of(), attribute, Type.GAUGE_NANOS, description, nanos, null, null);
    }

    static Meter timer(String name, String attribute, String description, LongSupplier count, LongSupplier totalNanos) {
        return new Meter(name, List.of(), attribute, Type.TIMER, description, totalNanos, count, null);
    }

    static Meter text(String attribute, String description, Supplier<String> text) {
        return new Meter(null, List.of(), attribute, Type.TEXT, description, null, null, text);
    }
}
