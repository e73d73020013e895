package dev.tollgate.error;

import java.util.Objects;

/**
 * One message about one field of the request, with an optional stable code
 * ({@code required}, {@code taken}, {@code too_long}, {@code invalid}, ...).
 *
 * @param code    stable machine code, or {@code null} when the application gave none
 * @param message public, human-readable message
 */
public record FieldError(String code, String message) {

    public FieldError {
        Objects.requireNonNull(message, "message");
        if (code != null && code.isBlank()) {
            code = null;
        }
    }
}
