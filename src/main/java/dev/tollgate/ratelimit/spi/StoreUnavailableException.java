package dev.tollgate.ratelimit.spi;

/** A shared store could not answer in time (or its circuit is open); the limiter's outage behaviour applies. */
public final class StoreUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
