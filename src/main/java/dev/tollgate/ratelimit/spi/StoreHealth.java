package dev.tollgate.ratelimit.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * How a store is doing, as the status page shows it: which store, how it syncs, whether its circuit
 * is open, and its last outage. Read off the store when asked, never on the request path.
 *
 * @param store           {@code local}, {@code redis}, {@code jdbc}, or a provider's own name
 * @param shared          whether the buckets live outside this JVM
 * @param sync            how the store syncs ({@link SyncMode#toString()}), {@code local} for a local store
 * @param circuitOpen     whether requests skip the store now (the outage behaviour answers)
 * @param lastFailureAt   when the store last failed, or {@code null} if it never did
 * @param lastFailure     what that failure said (its innermost cause, credentials masked), or {@code null}
 * @param lastRecoveryAt  when the store last answered again after a failure, or {@code null}
 */
public record StoreHealth(String store, boolean shared, String sync, boolean circuitOpen, Instant lastFailureAt,
        String lastFailure, Instant lastRecoveryAt) {

    public StoreHealth {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(sync, "sync");
    }

    /** A store in this JVM: nothing to fail. */
    public static StoreHealth local() {
        return new StoreHealth("local", false, "local", false, null, null, null);
    }
}
