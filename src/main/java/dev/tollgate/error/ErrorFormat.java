package dev.tollgate.error;

/**
 * Turns the neutral {@link ApiError} into bytes. One format is chosen per application (context-param
 * {@code tollgate.error-format}) and used by every Tollgate filter. Implementations must be
 * thread-safe and must write only what the error holds: never exception details.
 */
public interface ErrorFormat {

    /** The {@code Content-Type} of the body, with its charset. */
    String contentType();

    /**
     * The HTTP status to answer {@code error} with; the default is the error's own status. A format
     * whose clients expect another status for a code (say 403 for a bad key) overrides this; the
     * body it writes must carry the same status.
     */
    default int status(ApiError error) {
        return error.status();
    }

    /**
     * The body for {@code error}, which already carries the request id, method, path and time, and
     * whose status is the one {@link #status(ApiError)} chose.
     */
    byte[] write(ApiError error);
}
