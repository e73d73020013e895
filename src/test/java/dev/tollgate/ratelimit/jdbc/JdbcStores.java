package dev.tollgate.ratelimit.jdbc;

import dev.tollgate.internal.InitParams;
import dev.tollgate.ratelimit.spi.SharedBucketStore;
import dev.tollgate.ratelimit.spi.StoreSettings;
import jakarta.servlet.ServletException;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.LongConsumer;

/** Database stores opened as the filter opens them, through {@link JdbcStoreProvider}, for tests in other packages. */
public final class JdbcStores {

    private JdbcStores() {
    }

    /** A store on {@code db}'s {@code table} in {@code namespace}, with {@code params} beside the URL and the table. */
    public static SharedBucketStore open(TestDatabase db, String table, String namespace, Map<String, String> params) throws ServletException {
        Map<String, String> all = new HashMap<>(params);
        all.putIfAbsent("jdbc-url", db.url());
        all.putIfAbsent("jdbc-user", db.user());
        all.putIfAbsent("jdbc-password", db.password());
        all.putIfAbsent("jdbc-table", table);
        return (SharedBucketStore) new JdbcStoreProvider().open(settings(all, namespace, nanos -> { }));
    }

    /** A store on {@code table} whose connections come from {@code dataSource}, as with {@code jdbc-datasource}. */
    public static SharedBucketStore open(javax.sql.DataSource dataSource, String table, String namespace, SharedBucketStore.Options options) {
        return JdbcBucketStore.create("the test DataSource", new BucketTable(table), Connections.of(dataSource), 4, namespace + ":", options,
                nanos -> { });
    }

    /** Deletes the expired rows of {@code store}, as its sweep does every minute; the number deleted. */
    public static int sweep(SharedBucketStore store) throws SQLException {
        return ((JdbcBucketStore) store).sweep();
    }

    /** The filter's settings over {@code params}, as its init-params. */
    public static StoreSettings settings(Map<String, String> params, String namespace, LongConsumer latency) {
        InitParams init = InitParams.of("RateLimitFilter", params::get);
        return new StoreSettings() {
            @Override
            public String store() {
                return "jdbc";
            }

            @Override
            public String owner() {
                return "RateLimitFilter [test]";
            }

            @Override
            public String namespace() {
                return namespace;
            }

            @Override
            public int maxClients() {
                return 100_000;
            }

            @Override
            public LongConsumer storeLatency() {
                return latency;
            }

            @Override
            public String valueOrNull(String name) {
                return init.valueOrNull(name);
            }

            @Override
            public String string(String name, String defaultValue) {
                return init.string(name, defaultValue);
            }

            @Override
            public int integer(String name, int defaultValue, int min, int max) throws ServletException {
                return init.integer(name, defaultValue, min, max);
            }

            @Override
            public String choice(String name, String defaultValue, Set<String> choices) throws ServletException {
                return init.choice(name, defaultValue, choices);
            }

            @Override
            public <T> T parse(String name, String defaultValue, Function<String, T> parser) throws ServletException {
                return init.parse(name, defaultValue, parser);
            }

            @Override
            public ServletException invalid(String name, String value, String rule) {
                return init.invalid(name, value, rule);
            }

            @Override
            public ServletException required(String name, String example) {
                return failure("init-param [" + name + "] is required with store=jdbc, like " + example);
            }

            @Override
            public ServletException failure(String problem) {
                return new ServletException("RateLimitFilter: " + problem);
            }
        };
    }
}
