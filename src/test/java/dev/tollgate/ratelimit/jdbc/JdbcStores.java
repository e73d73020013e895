package dev.tollgate.ratelimit.jdbc;

import dev.tollgate.ratelimit.spi.SharedBucketStore;
import dev.tollgate.ratelimit.spi.StoreSettings;
import jakarta.servlet.ServletException;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
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
        return StoreSettings.of("jdbc", params::get, "RateLimitFilter [test]", namespace, 100_000, latency);
    }
}
