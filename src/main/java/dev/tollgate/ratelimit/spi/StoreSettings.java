package dev.tollgate.ratelimit.spi;

import jakarta.servlet.ServletException;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * What a {@link StoreProvider} is given to open a store: the filter's init-params, read with the
 * filter's own rules and messages, and what the store reports to the filter.
 */
public interface StoreSettings {

    /**
     * The settings the rate-limit filter gives a provider: {@code params} looks up one init-param
     * by name ({@code null} when absent), read and checked with the filter's rules and messages
     * ({@code RateLimitFilter: init-param [name] has invalid value [value]: rule}). Also what a
     * test of a provider of one's own can open a store with.
     */
    static StoreSettings of(String store, Function<String, String> params, String owner, String namespace, int maxClients,
                            LongConsumer storeLatency) {
        return new ParamSettings(store, params, owner, namespace, maxClients, storeLatency);
    }

    /** The value of the {@code store} init-param. */
    String store();

    /** What the log calls the filter, e.g. {@code RateLimitFilter [api-limit]}. */
    String owner();

    /** The filter's namespace: a shared store puts it in its keys, so two filters never share a bucket. */
    String namespace();

    /** The filter's {@code max-clients}: the bound on buckets this node may hold. */
    int maxClients();

    /** Hears the nanoseconds of each call to the store (the filter's store-latency metric). */
    LongConsumer storeLatency();

    /** The init-param's value, trimmed; {@code null} when it is absent or empty. */
    String valueOrNull(String name);

    /** The init-param's value, or {@code defaultValue}. */
    String string(String name, String defaultValue);

    /** The init-param as an integer within {@code [min, max]}, or {@code defaultValue}. */
    int integer(String name, int defaultValue, int min, int max) throws ServletException;

    /** The init-param, one of {@code choices} (case-insensitive, returned in lower case), or {@code defaultValue}. */
    String choice(String name, String defaultValue, Set<String> choices) throws ServletException;

    /** {@code parser} applied to the init-param (or {@code defaultValue}); its {@link IllegalArgumentException} names the rule. */
    <T> T parse(String name, String defaultValue, Function<String, T> parser) throws ServletException;

    /** The startup failure for a bad value: {@code init-param [name] has invalid value [value]: rule}. */
    ServletException invalid(String name, String value, String rule);

    /** The startup failure for a param this store needs: {@code init-param [name] is required with store=..., like example}. */
    ServletException required(String name, String example);

    /** Any other startup failure, said as the filter says its own: {@code RateLimitFilter: problem}. */
    ServletException failure(String problem);
}
