package dev.tollgate.error;

/**
 * The stable machine codes of the neutral error model, and the default code and public message
 * for an HTTP status. Formats translate these codes into their own types or numbers.
 */
public final class ErrorCodes {

    public static final String BAD_REQUEST = "bad_request";
    public static final String VALIDATION_FAILED = "validation_failed";
    public static final String MALFORMED_JSON = "malformed_json";
    public static final String AUTHENTICATION_REQUIRED = "authentication_required";
    public static final String MISSING_API_KEY = "missing_api_key";
    public static final String INVALID_API_KEY = "invalid_api_key";
    public static final String EXPIRED_API_KEY = "expired_api_key";
    public static final String ACCESS_DENIED = "access_denied";
    public static final String NOT_FOUND = "not_found";
    public static final String METHOD_NOT_ALLOWED = "method_not_allowed";
    public static final String NOT_ACCEPTABLE = "not_acceptable";
    public static final String CONFLICT = "conflict";
    public static final String PAYLOAD_TOO_LARGE = "payload_too_large";
    public static final String UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type";
    public static final String RATE_LIMITED = "rate_limited";
    public static final String INTERNAL_ERROR = "internal_error";
    public static final String SERVICE_UNAVAILABLE = "service_unavailable";
    public static final String REQUEST_TIMEOUT = "request_timeout";
    public static final String LIMITER_UNAVAILABLE = "limiter_unavailable";

    private ErrorCodes() {
    }

    /** The code used for {@code status} when nothing more specific is known. */
    public static String forStatus(int status) {
        return switch (status) {
            case 400 -> BAD_REQUEST;
            case 401 -> AUTHENTICATION_REQUIRED;
            case 403 -> ACCESS_DENIED;
            case 404 -> NOT_FOUND;
            case 405 -> METHOD_NOT_ALLOWED;
            case 406 -> NOT_ACCEPTABLE;
            case 409 -> CONFLICT;
            case 413 -> PAYLOAD_TOO_LARGE;
            case 415 -> UNSUPPORTED_MEDIA_TYPE;
            case 422 -> VALIDATION_FAILED;
            case 429 -> RATE_LIMITED;
            case 500 -> INTERNAL_ERROR;
            case 503 -> SERVICE_UNAVAILABLE;
            default -> "http_" + status;
        };
    }

    /** The public message used for {@code status} when nothing more specific is known. */
    public static String messageForStatus(int status) {
        return switch (status) {
            case 400 -> "Bad request";
            case 401 -> "Authentication required";
            case 403 -> "Permission denied";
            case 404 -> "Resource not found";
            case 405 -> "Method not allowed";
            case 406 -> "Not acceptable";
            case 408 -> "Request timeout";
            case 409 -> "Conflict";
            case 410 -> "Gone";
            case 413 -> "Payload too large";
            case 415 -> "Unsupported media type";
            case 422 -> "Validation failed";
            case 429 -> "Rate limit exceeded";
            case 500 -> "Internal server error";
            case 501 -> "Not implemented";
            case 502 -> "Bad gateway";
            case 503 -> "Service unavailable";
            case 504 -> "Gateway timeout";
            default -> status >= 500 ? "Internal server error" : "Request failed";
        };
    }
}
