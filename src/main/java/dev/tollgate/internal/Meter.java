package dev.tollgate.internal;

import java.util.List;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * One value of a filter's metrics, described once at init and exported twice: as an attribute of
 * the filter's MBean and as a Micrometer meter. Both read the same counter, so there is one
 * counting path. A meter without {@code name} is JMX only, one without {@code attribute} is
 * Micrometer only.
 *
 * <p>Not API: public because the filters' packages describe their meters with it; it may change in
 * any release.
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
public record Meter(String name, List<String> tags, String attribute, Type type, String description, LongSupplier value,
        LongSupplier count, Supplier<String> text) {

    public enum Type {
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

    public static Meter counter(String name, String attribute, String description, LongSupplier value, String... tags) {
        return new Meter(name, List.of(tags), attribute, Type.COUNTER, description, value, null, null);
    }

    public static Meter gauge(String name, String attribute, String description, LongSupplier value, String... tags) {
        return new Meter(name, List.of(tags), attribute, Type.GAUGE, description, value, null, null);
    }

    public static Meter gaugeNanos(String name, String attribute, String description, LongSupplier nanos) {
        return new Meter(name, List.of(), attribute, Type.GAUGE_NANOS, description, nanos, null, null);
    }

    public static Meter timer(String name, String attribute, String description, LongSupplier count, LongSupplier totalNanos) {
        return new Meter(name, List.of(), attribute, Type.TIMER, description, totalNanos, count, null);
    }

    public static Meter text(String attribute, String description, Supplier<String> text) {
        return new Meter(null, List.of(), attribute, Type.TEXT, description, null, null, text);
    }

    /** An error code as the part of an attribute name: {@code missing_api_key} as {@code MissingApiKey}. */
    public static String camel(String code) {
        StringBuilder out = new StringBuilder();
        for (String part : code.split("_")) {
            if (!part.isEmpty()) {
                out.append(Character.toUpperCase(part.charAt(0))).append(part, 1, part.length());
            }
        }
        return out.toString();
    }
}
