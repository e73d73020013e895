package dev.tollgate.ratelimit;

/** A shared store could not answer in time (or its circuit is open); the limiter's outage behaviour applies. */
final class BucketStoreUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public BucketStoreUnavailableException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
