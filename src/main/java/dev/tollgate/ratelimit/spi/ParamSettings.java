package dev.tollgate.ratelimit.spi;

import dev.tollgate.internal.InitParams;
import jakarta.servlet.ServletException;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongConsumer;

/** {@link StoreSettings} over a filter's init-params, read with the filter's rules and messages ({@link InitParams}). */
record ParamSettings(String store, InitParams params, String owner, String namespace, int maxClients, LongConsumer storeLatency)
        implements StoreSettings {

    /** What the rate-limit filter's messages start with. */
    static final String FILTER = "RateLimitFilter";

    ParamSettings(String store, Function<String, String> params, String owner, String namespace, int maxClients,
                  LongConsumer storeLatency) {
        this(store, InitParams.of(FILTER, params::apply), owner, namespace, maxClients, storeLatency);
    }

    @Override
    public String valueOrNull(String name) {
        return params.valueOrNull(name);
    }

    @Override
    public String string(String name, String defaultValue) {
        return params.string(name, defaultValue);
    }

    @Override
    public int integer(String name, int defaultValue, int min, int max) throws ServletException {
        return params.integer(name, defaultValue, min, max);
    }

    @Override
    public String choice(String name, String defaultValue, Set<String> choices) throws ServletException {
        return params.choice(name, defaultValue, choices);
    }

    @Override
    public <T> T parse(String name, String defaultValue, Function<String, T> parser) throws ServletException {
        return params.parse(name, defaultValue, parser);
    }

    @Override
    public ServletException invalid(String name, String value, String rule) {
        return params.invalid(name, value, rule);
    }

    @Override
    public ServletException required(String name, String example) {
        return failure("init-param [" + name + "] is required with store=" + store + ", like " + example);
    }

    @Override
    public ServletException failure(String problem) {
        return new ServletException(FILTER + ": " + problem);
    }
}
