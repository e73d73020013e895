package dev.tollgate.error;

/**
 * Thrown by application code to answer with a status, a public message and field errors. The
 * {@link ErrorRenderingFilter} renders it in the application's error format; the message is
 * shown to the client as it is, so it must be safe to show.
 *
 * <pre>{@code
 * throw ApiException.badRequest("Validation failed", FieldErrors.builder()
 *         .add("email", "required", "This field is required")
 *         .build());
 * }</pre>
 */
public class ApiException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient ApiError error;

    public ApiException(ApiError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    public ApiException(int status, String message) {
        this(ApiError.builder(status).message(message).build());
    }

    public ApiException(int status, String message, FieldErrors fieldErrors) {
        this(ApiError.builder(status).message(message).fieldErrors(fieldErrors)
                .code(fieldErrors.isEmpty() ? null : ErrorCodes.VALIDATION_FAILED).build());
    }

    /** 400 with field errors (code {@code validation_failed}). */
    public static ApiException badRequest(String message, FieldErrors fieldErrors) {
        return new ApiException(400, message, fieldErrors);
    }

    /** 400 (code {@code bad_request}). */
    public static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    /** 401 (code {@code authentication_required}). */
    public static ApiException unauthorized(String message) {
        return new ApiException(401, message);
    }

    /** 403 (code {@code access_denied}). */
    public static ApiException forbidden(String message) {
        return new ApiException(403, message);
    }

    /** 404 (code {@code not_found}). */
    public static ApiException notFound(String message) {
        return new ApiException(404, message);
    }

    /** 409 (code {@code conflict}), optionally with the conflicting fields. */
    public static ApiException conflict(String message, FieldErrors fieldErrors) {
        return new ApiException(ApiError.builder(409).message(message).fieldErrors(fieldErrors).build());
    }

    /** 409 (code {@code conflict}). */
    public static ApiException conflict(String message) {
        return new ApiException(409, message);
    }

    /** 422 with field errors (code {@code validation_failed}). */
    public static ApiException unprocessable(String message, FieldErrors fieldErrors) {
        return new ApiException(422, message, fieldErrors);
    }

    /** 429 (code {@code rate_limited}). */
    public static ApiException tooManyRequests(String message) {
        return new ApiException(429, message);
    }

    /** The neutral error this exception answers with. */
    public ApiError error() {
        return error;
    }

    public int status() {
        return error.status();
    }

    public FieldErrors fieldErrors() {
        return error.fieldErrors();
    }
}
