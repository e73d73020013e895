package dev.tollgate.error;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Field errors of a request: field name to its messages, in the order the fields were first
 * added (a stable order, so bodies are reproducible). Immutable; build with {@link #builder()}.
 *
 * <pre>{@code
 * FieldErrors errors = FieldErrors.builder()
 *         .add("email", "This field is required")
 *         .add("password", "too_short", "Password must be at least 8 characters")
 *         .build();
 * }</pre>
 */
public final class FieldErrors {

    private static final FieldErrors NONE = new FieldErrors(Map.of());

    private final Map<String, List<FieldError>> byField;

    private FieldErrors(Map<String, List<FieldError>> byField) {
        this.byField = byField;
    }

    /** No field errors. */
    public static FieldErrors none() {
        return NONE;
    }

    public static Builder builder() {
        return new Builder();
    }

    public boolean isEmpty() {
        return byField.isEmpty();
    }

    /** Field name to its errors, in insertion order; unmodifiable. */
    public Map<String, List<FieldError>> asMap() {
        return byField;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FieldErrors other && byField.equals(other.byField);
    }

    @Override
    public int hashCode() {
        return byField.hashCode();
    }

    @Override
    public String toString() {
        return byField.toString();
    }

    /** Collects field errors; fields keep the order in which they were first added. */
    public static final class Builder {
        private final Map<String, List<FieldError>> byField = new LinkedHashMap<>();

        Builder() {
        }

        /** Adds a message without a code to {@code field}. */
        public Builder add(String field, String message) {
            return add(field, null, message);
        }

        /** Adds a message with a stable code ({@code required}, {@code taken}, ...) to {@code field}. */
        public Builder add(String field, String code, String message) {
            Objects.requireNonNull(field, "field");
            byField.computeIfAbsent(field, f -> new ArrayList<>()).add(new FieldError(code, message));
            return this;
        }

        public FieldErrors build() {
            if (byField.isEmpty()) {
                return NONE;
            }
            Map<String, List<FieldError>> copy = new LinkedHashMap<>();
            byField.forEach((field, errors) -> copy.put(field, List.copyOf(errors)));
            return new FieldErrors(Collections.unmodifiableMap(copy));
        }
    }
}
