package dev.tollgate.ratelimit.jdbc;

import dev.tollgate.internal.Jdbc;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The store's one table and the statements on it; every statement names one row by its primary
 * key, so a bucket's compare-and-swap is one {@code UPDATE ... WHERE bucket_key = ? AND version = ?}
 * that any SQL database runs atomically, without locks held between statements.
 *
 * <pre>
 * bucket_key  VARCHAR(255) PRIMARY KEY   -- namespace:plan:client (a hash for long ones)
 * state       binary                     -- bucket4j's serialized bucket, or a plan's limits text
 * version     BIGINT                     -- bumped by every write: the compare-and-swap's predicate
 * expires_at  BIGINT                     -- epoch millis when the bucket is full again (+10 s)
 * </pre>
 */
final class BucketTable {

    /** A table name, optionally with its schema: letters, digits and {@code _}, not starting with a digit. */
    /** Its index is named after it with {@code _expires}: at most 56 characters, so the index name fits MySQL's 64. */
    static final Pattern NAME = Pattern.compile("([A-Za-z_][A-Za-z0-9_]{0,62}\\.)?[A-Za-z_][A-Za-z0-9_]{0,55}");
    static final String NAME_RULE = "must be a table name of at most 56 letters, digits and _ (not starting with a digit), "
            + "optionally after a schema and a dot, like tollgate_buckets or app.tollgate_buckets";
    /** Keys longer than this (an application's own long client ids) are stored by their hash. */
    static final int MAX_KEY_LENGTH = 191;

    private final String table;
    private final String select;
    private final String insert;
    private final String update;
    private final String expired;
    private final String delete;

    BucketTable(String table) {
        if (!NAME.matcher(table).matches()) {
            throw new IllegalArgumentException(NAME_RULE);
        }
        this.table = table;
        this.select = "SELECT state, version FROM " + table + " WHERE bucket_key = ?";
        this.insert = "INSERT INTO " + table + " (bucket_key, state, version, expires_at) VALUES (?, ?, ?, ?)";
        this.update = "UPDATE " + table + " SET state = ?, version = ?, expires_at = ? WHERE bucket_key = ? AND version = ?";
        this.expired = "SELECT bucket_key FROM " + table + " WHERE expires_at < ?";
        this.delete = "DELETE FROM " + table + " WHERE bucket_key = ? AND expires_at < ?";
    }

    String name() {
        return table;
    }

    /** A row: its data and the version it was read at. */
    record Row(byte[] state, long version) {
    }

    /** The row of {@code key}, or {@code null}. */
    Row read(Connection c, String key, int timeoutSeconds) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(select)) {
            s.setQueryTimeout(timeoutSeconds);
            s.setString(1, key);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? new Row(r.getBytes(1), r.getLong(2)) : null;
            }
        }
    }

    /** The rows of {@code keys} that are there, by key: one query. */
    Map<String, Row> readAll(Connection c, List<String> keys, int timeoutSeconds) throws SQLException {
        String sql = "SELECT bucket_key, state, version FROM " + table + " WHERE bucket_key IN ("
                + String.join(", ", Collections.nCopies(keys.size(), "?")) + ")";
        Map<String, Row> rows = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setQueryTimeout(timeoutSeconds);
            for (int i = 0; i < keys.size(); i++) {
                s.setString(i + 1, keys.get(i));
            }
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    rows.put(r.getString(1), new Row(r.getBytes(2), r.getLong(3)));
                }
            }
        }
        return rows;
    }

    /**
     * The version a new row starts at: the time in microseconds, so a row deleted by the sweep and
     * inserted again never comes back at a version a node may still hold (its state from before
     * would pass the compare-and-swap).
     */
    static long firstVersion() {
        return System.currentTimeMillis() * 1000;
    }

    /** Inserts {@code key} at {@code version}; {@code false} when another node inserted it first. */
    boolean insert(Connection c, String key, byte[] state, long version, long expiresAt, int timeoutSeconds) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(insert)) {
            s.setQueryTimeout(timeoutSeconds);
            bindInsert(s, key, state, version, expiresAt);
            s.executeUpdate();
            return true;
        } catch (SQLException e) {
            if (Jdbc.isDuplicateKey(e) || isConflict(e)) {
                return false;
            }
            throw e;
        }
    }

    /** Writes {@code state} at {@code version + 1} if the row is still at {@code version}. */
    boolean update(Connection c, String key, long version, byte[] state, long expiresAt, int timeoutSeconds) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(update)) {
            s.setQueryTimeout(timeoutSeconds);
            bindUpdate(s, key, version, state, expiresAt);
            return s.executeUpdate() == 1;
        } catch (SQLException e) {
            if (isConflict(e)) {
                return false;
            }
            throw e;
        }
    }

    /** The insert's parameters: a new row of {@code key} at {@code version}. */
    private static void bindInsert(PreparedStatement s, String key, byte[] state, long version, long expiresAt) throws SQLException {
        s.setString(1, key);
        s.setBytes(2, state);
        s.setLong(3, version);
        s.setLong(4, expiresAt);
    }

    /** The update's parameters: {@code state} at {@code version + 1} where the row is at {@code version}. */
    private static void bindUpdate(PreparedStatement s, String key, long version, byte[] state, long expiresAt) throws SQLException {
        s.setBytes(1, state);
        s.setLong(2, version + 1);
        s.setLong(3, expiresAt);
        s.setString(4, key);
        s.setLong(5, version);
    }

    /**
     * One bucket's compare-and-swap: {@code state} at {@link #next()} if the row is still at
     * {@code read}, or a new row when {@code read} is 0.
     */
    record Swap(String key, long read, byte[] state, long expiresAt, long next) {
        static Swap of(String key, long read, byte[] state, long expiresAt) {
            return new Swap(key, read, state, expiresAt, read == 0 ? firstVersion() : read + 1);
        }
    }

    /** Runs one swap on its own: whether it was applied ({@code false}: another node wrote or inserted the row first). */
    boolean swap(Connection c, Swap swap, int timeoutSeconds) throws SQLException {
        return swap.read() == 0 ? insert(c, swap.key(), swap.state(), swap.next(), swap.expiresAt(), timeoutSeconds)
                : update(c, swap.key(), swap.read(), swap.state(), swap.expiresAt(), timeoutSeconds);
    }

    /**
     * Runs {@code swaps} in one transaction: the updates as one JDBC batch, then the inserts as
     * another (one round trip each where the driver sends a batch whole), then the commit. Whether
     * each swap was applied, in the order given; {@code null} when the driver did not report the
     * rows of each update (some bulk modes answer {@code SUCCESS_NO_INFO}), and nothing was
     * applied. Any failure rolls all of them back and throws, among them another node's insert of
     * one of the keys first ({@link #isLostRace}); once committed, the answer stands even if the
     * connection fails after (it is closed, not returned outside autocommit). The caller sorts the
     * swaps by key, so that two nodes' transactions lock rows in one order and never wait on each
     * other in a cycle.
     */
    boolean[] swapAll(Connection c, List<Swap> swaps, int timeoutSeconds) throws SQLException {
        boolean[] applied = new boolean[swaps.size()];
        List<Integer> updates = new ArrayList<>();
        List<Integer> inserts = new ArrayList<>();
        for (int i = 0; i < swaps.size(); i++) {
            (swaps.get(i).read() == 0 ? inserts : updates).add(i);
        }
        c.setAutoCommit(false);
        try {
            if (!updates.isEmpty()) {
                try (PreparedStatement s = c.prepareStatement(update)) {
                    s.setQueryTimeout(timeoutSeconds);
                    for (int i : updates) {
                        Swap swap = swaps.get(i);
                        bindUpdate(s, swap.key(), swap.read(), swap.state(), swap.expiresAt());
                        s.addBatch();
                    }
                    int[] counts = s.executeBatch();
                    if (counts.length != updates.size() || Arrays.stream(counts).anyMatch(count -> count < 0)) {
                        c.rollback();
                        restoreAutoCommit(c);
                        return null;
                    }
                    for (int j = 0; j < counts.length; j++) {
                        applied[updates.get(j)] = counts[j] == 1;
                    }
                }
            }
            if (!inserts.isEmpty()) {
                try (PreparedStatement s = c.prepareStatement(insert)) {
                    s.setQueryTimeout(timeoutSeconds);
                    for (int i : inserts) {
                        Swap swap = swaps.get(i);
                        bindInsert(s, swap.key(), swap.state(), swap.next(), swap.expiresAt());
                        s.addBatch();
                    }
                    // A key another node inserted first fails the batch; the rows of the others are all new.
                    s.executeBatch();
                    for (int i : inserts) {
                        applied[i] = true;
                    }
                }
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException rollback) {
                e.addSuppressed(rollback);
                // Never back to autocommit, which would commit what is open: the connection goes, and the
                // database rolls back what it held.
                Jdbc.closeQuietly(c);
                throw e;
            }
            restoreAutoCommit(c);
            throw e;
        }
        // Committed: the answer stands whatever happens to the connection now.
        restoreAutoCommit(c);
        return applied;
    }

    /**
     * Puts {@code c} back in autocommit; a connection that cannot be is closed (the store's own
     * connections are opened again, and one of the application's pool is the pool's to replace).
     */
    private static void restoreAutoCommit(Connection c) {
        try {
            c.setAutoCommit(true);
        } catch (SQLException e) {
            Jdbc.closeQuietly(c);
        }
    }

    /**
     * Whether a batch failed only because another node got to one of its rows first: a key
     * inserted first (an integrity violation) or a conflict ({@link #isConflict}), on the
     * exception or any exception chained to it. Run one by one, the other swaps would pass.
     */
    static boolean isLostRace(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            for (SQLException e = t instanceof SQLException sql ? sql : null; e != null; e = e.getNextException()) {
                if (Jdbc.isDuplicateKey(e) || isConflict(e)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Another transaction wrote the row first under an isolation stricter than the default
     * (SQLState 40001, a serialization failure; 40P01, a deadlock): the swap is lost and bucket4j
     * reads again, as when the version moved.
     */
    static boolean isConflict(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.equals("40001") || state.equals("40P01"));
    }

    /**
     * Deletes at most {@code limit} rows expired before {@code now}: their keys first, then each
     * row by its key if it is still expired (a node may have written it since). The number deleted.
     */
    int sweep(Connection c, long now, int limit, int timeoutSeconds) throws SQLException {
        List<String> keys = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(expired)) {
            s.setQueryTimeout(timeoutSeconds);
            s.setMaxRows(limit);
            s.setLong(1, now);
            try (ResultSet r = s.executeQuery()) {
                while (r.next() && keys.size() < limit) {
                    keys.add(r.getString(1));
                }
            }
        }
        int deleted = 0;
        try (PreparedStatement s = c.prepareStatement(delete)) {
            s.setQueryTimeout(timeoutSeconds);
            for (String key : keys) {
                s.setString(1, key);
                s.setLong(2, now);
                s.addBatch();
            }
            // One round trip for the whole batch where the driver supports it.
            for (int count : keys.isEmpty() ? new int[0] : s.executeBatch()) {
                deleted += count == PreparedStatement.SUCCESS_NO_INFO ? 1 : Math.max(0, count);
            }
        }
        return deleted;
    }

    /**
     * Registers {@code limits} under {@code key} and returns their version: the version of the
     * limits registered last if they are the same, else the next one (a compare-and-swap, retried
     * while other nodes register at the same time).
     */
    long register(Connection c, String key, String limits, int timeoutSeconds) throws SQLException {
        byte[] text = limits.getBytes(StandardCharsets.UTF_8);
        for (int attempt = 0; attempt < 20; attempt++) {
            Row row = read(c, key, timeoutSeconds);
            if (row == null) {
                long version = firstVersion();
                if (insert(c, key, text, version, Long.MAX_VALUE, timeoutSeconds)) {
                    return version;
                }
            } else if (new String(row.state(), StandardCharsets.UTF_8).equals(limits)) {
                return row.version();
            } else if (update(c, key, row.version(), text, Long.MAX_VALUE, timeoutSeconds)) {
                return row.version() + 1;
            }
        }
        throw new SQLException("could not register the limits of " + key + ": other nodes kept changing them");
    }

    /**
     * Makes sure the table is there: creates it with {@code create}, else throws an
     * {@link SQLException} that names it and gives its DDL for the database of {@code c}.
     * Whether it created the table.
     */
    boolean ensure(Connection c, boolean create, int timeoutSeconds) throws SQLException {
        try {
            check(c, timeoutSeconds);
            return false;
        } catch (SQLException e) {
            if (!Jdbc.isMissingTable(e)) {
                throw e;
            }
        }
        List<String> ddl = ddl(dialect(c.getMetaData().getDatabaseProductName()));
        if (!create) {
            throw new MissingTableException(this, String.join(";\n", ddl) + ";");
        }
        try (java.sql.Statement s = c.createStatement()) {
            for (String statement : ddl) {
                s.execute(statement);
            }
        }
        check(c, timeoutSeconds);
        return true;
    }

    /** The table is missing, and the store may not create it. */
    static final class MissingTableException extends SQLException {
        private static final long serialVersionUID = 1L;
        private final String ddl;

        MissingTableException(BucketTable table, String ddl) {
            super("the table [" + table.name() + "] is missing", "42S02");
            this.ddl = ddl;
        }

        /** The statements that create it. */
        String ddl() {
            return ddl;
        }
    }

    /** Whether the table is there: a query that reads no row. */
    void check(Connection c, int timeoutSeconds) throws SQLException {
        read(c, "tollgate:check", timeoutSeconds);
    }

    /** The database kinds whose DDL this class knows. */
    enum Dialect { POSTGRESQL, MARIADB, ORACLE, SQLSERVER, H2, OTHER }

    /** The dialect of a {@code DatabaseMetaData.getDatabaseProductName()}. */
    static Dialect dialect(String productName) {
        String name = productName == null ? "" : productName.toLowerCase(Locale.ROOT);
        if (name.contains("postgres")) {
            return Dialect.POSTGRESQL;
        }
        if (name.contains("mariadb") || name.contains("mysql")) {
            return Dialect.MARIADB;
        }
        if (name.contains("oracle")) {
            return Dialect.ORACLE;
        }
        if (name.contains("microsoft") || name.contains("sql server")) {
            return Dialect.SQLSERVER;
        }
        return name.contains("h2") ? Dialect.H2 : Dialect.OTHER;
    }

    /** The statements that create the table and its index on {@code dialect}. */
    List<String> ddl(Dialect dialect) {
        String index = "CREATE INDEX " + table.replace('.', '_') + "_expires ON " + table + " (expires_at)";
        String columns = switch (dialect) {
            case POSTGRESQL -> "bucket_key VARCHAR(255) NOT NULL PRIMARY KEY, state BYTEA NOT NULL, version BIGINT NOT NULL, "
                    + "expires_at BIGINT NOT NULL";
            // Binary collations: the default ones ignore case, and would count Alice and alice in one bucket.
            case MARIADB -> "bucket_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY, state BLOB NOT NULL, "
                    + "version BIGINT NOT NULL, expires_at BIGINT NOT NULL";
            case ORACLE -> "bucket_key VARCHAR2(255 CHAR) NOT NULL PRIMARY KEY, state BLOB NOT NULL, version NUMBER(19) NOT NULL, "
                    + "expires_at NUMBER(19) NOT NULL";
            case SQLSERVER -> "bucket_key NVARCHAR(255) COLLATE Latin1_General_100_BIN2 NOT NULL PRIMARY KEY, state VARBINARY(MAX) NOT NULL, version BIGINT NOT NULL, "
                    + "expires_at BIGINT NOT NULL";
            case H2, OTHER -> "bucket_key VARCHAR(255) NOT NULL PRIMARY KEY, state VARBINARY(65535) NOT NULL, version BIGINT NOT NULL, "
                    + "expires_at BIGINT NOT NULL";
        };
        return List.of("CREATE TABLE " + table + " (" + columns + ")", index);
    }
}
