package dev.tollgate.ratelimit.spi;

import jakarta.servlet.ServletException;
import java.util.Set;

/**
 * Makes a rate-limit filter's store from the filter's init-params. The filter's {@code store}
 * init-param names a built-in store ({@code local}, {@code redis}) or the class of a provider
 * (public, with a public no-argument constructor); the filter asks the provider for the params it
 * reads, accepts them beside its own, and opens the store once at startup.
 *
 * <p>Each provider reads and checks its own params, all starting with its own prefix
 * ({@code redis-}), through {@link StoreSettings}, so that a bad value fails startup with the same
 * {@code init-param [...] has invalid value [...]} message as the filter's own params. The
 * provider class itself must not need the store's optional libraries: the filter loads it to learn
 * its params even when another store is chosen.
 */
public interface StoreProvider {

    /** The init-params this store reads. */
    Set<String> params();

    /**
     * The store for one filter instance, its bucket keys apart from other filters' by
     * {@link StoreSettings#namespace()}. A shared store that cannot reach its server yet should
     * still open (and answer with {@link StoreUnavailableException} until the server answers).
     */
    BucketStore open(StoreSettings settings) throws ServletException;
}
