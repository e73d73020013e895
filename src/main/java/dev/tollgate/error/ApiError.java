package dev.tollgate.error;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The neutral error value every rejection becomes before a format writes it: HTTP status, stable
 * code, public message, field errors, the response headers that belong to the rejection (a
 * challenge, a retry time), and (filled in by the renderer) the request id, method, path and time.
 * It knows nothing of JSON. Immutable; build with {@link #builder(int)}.
 */
public final class ApiError {

    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");

    private final int status;
    private final String code;
    private final String message;
    private final FieldErrors fieldErrors;
    private final Map<String, List<String>> headers;
    private final String requestId;
    private final String method;
    private final String path;
    private final Instant timestamp;

    private ApiError(Builder b) {
        this.status = b.status;
        this.code = b.code != null ? b.code : ErrorCodes.forStatus(b.status);
        this.message = b.message != null ? b.message : ErrorCodes.messageForStatus(b.status);
        this.fieldErrors = b.fieldErrors;
        this.headers = b.headers();
        this.requestId = b.requestId;
        this.method = b.method;
        this.path = b.path;
        this.timestamp = b.timestamp;
    }

    /** A builder for an error with {@code status} (400-599). */
    public static Builder builder(int status) {
        return new Builder(status);
    }

    /** An error with the default code and message of {@code status}. */
    public static ApiError of(int status) {
        return new Builder(status).build();
    }

    /** An error with {@code status}, {@code code} and {@code message}. */
    public static ApiError of(int status, String code, String message) {
        return new Builder(status).code(code).message(message).build();
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public String message() {
        return message;
    }

    public FieldErrors fieldErrors() {
        return fieldErrors;
    }

    /**
     * The response headers that belong to this error, by name (as first added) with their values
     * in order: the renderer sets them on the error response, replacing headers of the same name.
     * Empty for most errors; unmodifiable.
     */
    public Map<String, List<String>> headers() {
        return headers;
    }

    /** The request id, or {@code null} before the renderer fills it in. */
    public String requestId() {
        return requestId;
    }

    /** The request method, or {@code null} before the renderer fills it in. */
    public String method() {
        return method;
    }

    /** The request path (without the query string), or {@code null} before the renderer fills it in. */
    public String path() {
        return path;
    }

    /** When the error was rendered, or {@code null} before the renderer fills it in. */
    public Instant timestamp() {
        return timestamp;
    }

    public Builder toBuilder() {
        Builder b = new Builder(status).code(code).message(message).fieldErrors(fieldErrors);
        b.sharedHeaders = headers;
        b.requestId = requestId;
        b.method = method;
        b.path = path;
        b.timestamp = timestamp;
        return b;
    }

    @Override
    public String toString() {
        return "ApiError[" + status + " " + code + " \"" + message + "\" " + fieldErrors
                + (headers.isEmpty() ? "" : " headers=" + headers.keySet()) + " request_id=" + requestId + "]";
    }

    /** Builds an {@link ApiError}; code and message default from the status. */
    public static final class Builder {
        private final int status;
        private String code;
        private String message;
        private FieldErrors fieldErrors = FieldErrors.none();
        /** Headers taken over unchanged from an error (no copy), until {@link #header} adds one. */
        private Map<String, List<String>> sharedHeaders = Map.of();
        private LinkedHashMap<String, List<String>> addedHeaders;
        private String requestId;
        private String method;
        private String path;
        private Instant timestamp;

        Builder(int status) {
            if (status < 400 || status > 599) {
                throw new IllegalArgumentException("Error status [" + status + "] must be between 400 and 599");
            }
            this.status = status;
        }

        public Builder code(String code) {
            this.code = code;
            return this;
        }

        public Builder message(String message) {
            this.message = message;
            return this;
        }

        public Builder fieldErrors(FieldErrors fieldErrors) {
            this.fieldErrors = Objects.requireNonNull(fieldErrors, "fieldErrors");
            return this;
        }

        /**
         * Adds a response header of this error, such as a challenge or a retry time; a header with
         * several values is added once per value. Names are compared as given, so use one
         * spelling per header.
         *
         * @throws IllegalArgumentException if the name is not an HTTP token or the value has a
         *     control character
         */
        public Builder header(String name, String value) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
            if (!HEADER_NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("header name [" + name + "] must be an HTTP token");
            }
            if (value.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
                throw new IllegalArgumentException("value of header [" + name + "] must have no control characters");
            }
            if (addedHeaders == null) {
                addedHeaders = new LinkedHashMap<>();
                sharedHeaders.forEach((n, values) -> addedHeaders.put(n, new ArrayList<>(values)));
            }
            addedHeaders.computeIfAbsent(name, n -> new ArrayList<>(1)).add(value);
            return this;
        }

        private Map<String, List<String>> headers() {
            if (addedHeaders == null) {
                return sharedHeaders;
            }
            LinkedHashMap<String, List<String>> copy = new LinkedHashMap<>();
            addedHeaders.forEach((n, values) -> copy.put(n, List.copyOf(values)));
            return Collections.unmodifiableMap(copy);
        }

        public Builder requestId(String requestId) {
            this.requestId = requestId;
            return this;
        }

        public Builder method(String method) {
            this.method = method;
            return this;
        }

        public Builder path(String path) {
            this.path = path;
            return this;
        }

        public Builder timestamp(Instant timestamp) {
            this.timestamp = timestamp;
            return this;
        }

        public ApiError build() {
            return new ApiError(this);
        }
    }
}
