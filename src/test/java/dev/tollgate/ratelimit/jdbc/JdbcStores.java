package dev.tollgate.ratelimit.jdbc;

import dev.tollgate.ratelimit.spi.SharedBucketStore;
import dev.tollgate.ratelimit.spi.StoreSettings;
import jakarta.servlet.ServletException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import javax.sql.DataSource;

/** Database stores opened as the filter opens them, through {@link JdbcStoreProvider}, for tests in other packages. */
public final class JdbcStores {

    private JdbcStores() {
    }

    /** A store on {@code db}'s {@code table} in {@code namespace}, with {@code params} beside the URL and the table. */
    public static SharedBucketStore open(TestDatabase db, String table, String namespace, Map<String, String> params) throws ServletException {
        return open(db, table, namespace, params, 100_000);
    }

    /** The same, for a filter whose {@code max-clients} is {@code maxClients}. */
    public static SharedBucketStore open(TestDatabase db, String table, String namespace, Map<String, String> params, int maxClients)
            throws ServletException {
        Map<String, String> all = new HashMap<>(params);
        all.putIfAbsent("jdbc-url", db.url());
        all.putIfAbsent("jdbc-user", db.user());
        all.putIfAbsent("jdbc-password", db.password());
        all.putIfAbsent("jdbc-table", table);
        return (SharedBucketStore) new JdbcStoreProvider().open(StoreSettings.of("jdbc", all::get, "RateLimitFilter [test]", namespace,
                maxClients, nanos -> { }));
    }

    /** A store on {@code table} whose connections come from {@code dataSource}, as with {@code jdbc-datasource}. */
    public static SharedBucketStore open(DataSource dataSource, String table, String namespace, SharedBucketStore.Options options) {
        return JdbcBucketStore.create("the test DataSource", new BucketTable(table), Connections.of(dataSource), 4, namespace + ":", options,
                nanos -> { });
    }

    /**
     * Statements the store ran, by kind, counted on the JDBC objects of a {@link #counted} data
     * source: {@code executeQuery}, {@code executeUpdate}, {@code executeBatch}, {@code commit}.
     */
    public static final class Executions {
        private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
        private volatile String batchPrefix;
        private volatile Runnable beforeBatch;
        private volatile boolean countsHidden;
        private final AtomicBoolean failAfterCommit = new AtomicBoolean();

        /**
         * Makes the first {@code setAutoCommit(true)} after a commit fail, as on a connection
         * that broke just after the database committed.
         */
        public void failOnceAfterACommit() {
            failAfterCommit.set(true);
        }

        /**
         * Answers every batch with {@code SUCCESS_NO_INFO} for each statement, after running it, as
         * drivers do in some bulk modes (MariaDB's {@code useBulkStmts=true}).
         */
        public void hideBatchCounts() {
            this.countsHidden = true;
        }

        /** Runs {@code action} once, before the first batch of a statement whose SQL starts with {@code sqlPrefix} runs. */
        public void beforeFirstBatch(String sqlPrefix, Runnable action) {
            this.batchPrefix = sqlPrefix;
            this.beforeBatch = action;
        }

        void beforeBatch(String sql) {
            Runnable action = beforeBatch;
            if (action != null && sql != null && sql.startsWith(batchPrefix)) {
                beforeBatch = null;
                action.run();
            }
        }

        public long of(String kind) {
            AtomicLong count = counts.get(kind);
            return count == null ? 0 : count.get();
        }

        public Map<String, Long> snapshot() {
            Map<String, Long> copy = new TreeMap<>();
            counts.forEach((kind, count) -> copy.put(kind, count.get()));
            return copy;
        }

        void note(String kind) {
            counts.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
        }
    }

    /** A data source of new connections to {@code db} whose statements' executions and commits are counted in {@code executions}. */
    public static DataSource counted(TestDatabase db, Executions executions) {
        return (DataSource) Proxy.newProxyInstance(JdbcStores.class.getClassLoader(), new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
            if (method.getName().equals("getConnection")) {
                Connection real = DriverManager.getConnection(db.url(), db.user(), db.password());
                return counting(real, Connection.class, null, executions, new AtomicBoolean());
            }
            throw new UnsupportedOperationException(method.getName());
        });
    }

    /**
     * {@code real} behind a proxy of {@code type} that counts executions and commits, and wraps the
     * statements it prepares; {@code sql}: a statement's.
     */
    private static <T> T counting(Object real, Class<T> type, String sql, Executions executions,
                                  AtomicBoolean committed) {
        return type.cast(Proxy.newProxyInstance(JdbcStores.class.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
            String name = method.getName();
            if (name.equals("setAutoCommit") && Boolean.TRUE.equals(args[0]) && committed.getAndSet(false)
                    && executions.failAfterCommit.compareAndSet(true, false)) {
                throw new SQLException("the connection broke after the commit", "08006");
            }
            if (name.startsWith("execute") || name.equals("commit") || name.equals("rollback")) {
                executions.note(name);
            }
            if (name.equals("executeBatch")) {
                executions.beforeBatch(sql);
            }
            Object result;
            try {
                result = method.invoke(real, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
            if (name.equals("commit")) {
                committed.set(true);
            }
            if (result instanceof int[] counts && name.equals("executeBatch") && executions.countsHidden) {
                Arrays.fill(counts, Statement.SUCCESS_NO_INFO);
            }
            if (result instanceof PreparedStatement statement && name.startsWith("prepare")) {
                return counting(statement, PreparedStatement.class, (String) args[0], executions, committed);
            }
            return result;
        }));
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
