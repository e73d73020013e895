package dev.tollgate.apikey;

import dev.tollgate.internal.Jdbc;
import dev.tollgate.apikey.ApiKeysTable.Row;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * API keys from a table of the application's database ({@code keys-source=jdbc}), re-read when it
 * changes, by the rules of the keys file: see {@link ApiKeysTable} for the table.
 *
 * <p>Every {@code reloadInterval} the reload thread runs the cheap query of the table (its number
 * of rows, the largest and the sum of their {@code updated_at}) and reads the rows only when its
 * answer changed, or when the last read of the rows is older than a minute, which catches a change
 * that did not set {@code updated_at} (and logs nothing when it finds none). A read is all or
 * nothing: a row that does not parse, a duplicate client id or key (also with the inline keys), a
 * table with no rows where it held keys, or a plan that a rate-limit filter does not define, keeps
 * the previous keys and logs an ERROR (once, until the table changes again); so does a table that
 * cannot be read (once, until it can be read again, which is logged at INFO). Rows whose
 * {@code enabled} is false are not loaded; a table whose rows are all disabled revokes its keys,
 * logged at WARN. Logs name the table, the client id and the column, never a key or a hash.
 */
final class JdbcApiKeyStore extends ReloadingStore {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcApiKeyStore.class);
    /** Rows are read at least this often, unchanged cheap query or not. */
    static final Duration FULL_READ_PERIOD = Duration.ofMinutes(1);

    private final String where;
    private final ApiKeysTable table;
    private final Connections connections;
    private final List<ApiKeyEntry> inline;
    private final long fullReadNanos;
    private final Object reloading = new Object();
    private volatile Keys keys;
    /** The cheap query's answer when the rows were last read. */
    private List<String> stamp;
    /** The rows last read, refused or not. */
    private List<Row> rows;
    private long lastFullRead;
    /** The table could not be read on the last attempt (an ERROR was logged). */
    private boolean unreadable;
    /** Why the rows last read were refused (logged at ERROR), or {@code null} when they are in force. */
    private String refused;

    /** The keys in force and how many of them came from the table. */
    private record Keys(KeyTable table, int fromTable) {
    }

    /** A startup failure: its message says what is wrong, and where. */
    static final class StartupException extends Exception {
        private static final long serialVersionUID = 1L;

        StartupException(String message) {
            super(message, null, false, false);
        }
    }

    private JdbcApiKeyStore(String where, ApiKeysTable table, Connections connections, Duration reloadInterval,
            List<ApiKeyEntry> inline, Duration fullReadPeriod) {
        super(reloadInterval);
        this.where = where;
        this.table = table;
        this.connections = connections;
        this.inline = inline;
        this.fullReadNanos = fullReadPeriod.toNanos();
    }

    /** Reads the table now (at most one minute's rows are read again when unchanged); nothing re-reads it until {@link #startReloading()}. */
    static JdbcApiKeyStore load(String where, ApiKeysTable table, Connections connections, Duration reloadInterval,
            List<ApiKeyEntry> inline) throws StartupException {
        return load(where, table, connections, reloadInterval, inline, FULL_READ_PERIOD);
    }

    /**
     * Reads the table {@code table} of the database {@code where} (named so in messages) now, through
     * {@code connections}, which the store then owns. A missing table, a table without one of
     * the columns, a database that does not answer and rows that do not parse are each a
     * {@link StartupException}; {@code connections} are then closed.
     */
    static JdbcApiKeyStore load(String where, ApiKeysTable table, Connections connections, Duration reloadInterval,
            List<ApiKeyEntry> inline, Duration fullReadPeriod) throws StartupException {
        JdbcApiKeyStore store = new JdbcApiKeyStore(where, table, connections, reloadInterval, List.copyOf(inline), fullReadPeriod);
        try {
            store.firstRead();
        } catch (StartupException | RuntimeException e) {
            connections.close();
            throw e;
        }
        return store;
    }

    private void firstRead() throws StartupException {
        String named = "the keys table [" + table.name() + "]";
        Connection c = null;
        boolean broken = false;
        try {
            c = connections.get();
            List<String> missing;
            try {
                missing = table.missingColumns(c);
            } catch (SQLException e) {
                if (Jdbc.isMissingTable(e)) {
                    throw new StartupException(named + " is missing in " + where + "; create it:\n" + table.allDdl());
                }
                throw e;
            }
            if (!missing.isEmpty()) {
                throw new StartupException(named + " in " + where + " lacks the columns " + missing + "; its DDL:\n" + table.allDdl());
            }
            List<String> answer = table.stamp(c);
            List<Row> read = table.read(c);
            Keys parsed;
            try {
                parsed = parse(read, 0);
            } catch (IllegalArgumentException e) {
                throw new StartupException(named + " in " + where + " is invalid: " + e.getMessage());
            }
            keys = parsed;
            stamp = answer;
            rows = read;
            lastFullRead = System.nanoTime();
        } catch (SQLException e) {
            broken = true;
            throw new StartupException(named + " cannot be read from " + where + ": " + Jdbc.mask(String.valueOf(e.getMessage())));
        } finally {
            if (c != null) {
                // Never read again with a reload interval of zero: no connection is kept.
                connections.release(c, broken || reloadInterval().isZero());
            }
        }
        if (keys.fromTable() == 0) {
            LOG.warn("Keys table {} holds no enabled key: only the {} inline keys are accepted", table.name(), inline.size());
        } else {
            LOG.info("Loaded {} API keys from table {}", keys.fromTable(), table.name());
        }
    }

    /**
     * The keys of {@code read} (its enabled rows) and the inline ones. A row that does not parse,
     * a duplicate, or no rows where {@code previousFromTable} keys came from the table, is an
     * {@link IllegalArgumentException} that names the row by its client id (or, when that is not
     * one, by its place) and the column.
     */
    private Keys parse(List<Row> read, int previousFromTable) {
        if (read.isEmpty() && previousFromTable > 0) {
            throw new IllegalArgumentException("the table has no rows; a keys table that held keys may not become empty "
                    + "(to revoke every key, set enabled to false on its rows)");
        }
        List<ApiKeyEntry> all = new ArrayList<>(inline);
        for (int i = 0; i < read.size(); i++) {
            Row row = read.get(i);
            if (!row.enabled()) {
                continue;
            }
            try {
                all.add(KeysParser.parseRow(row.clientId(), row.hash(), row.plan(), row.expires(), row.methods(), row.paths()));
            } catch (IllegalArgumentException e) {
                String which = e.getMessage().startsWith("column client_id:")
                        ? "row " + (i + 1) + " of " + read.size() + " (in client_id order)"
                        : "client_id [" + row.clientId() + "]";
                throw new IllegalArgumentException(which + ": " + e.getMessage(), null);
            }
        }
        return new Keys(KeyTable.of(all), all.size() - inline.size());
    }

    /**
     * Runs the cheap query, and reads the rows when its answer changed (or a full read is due).
     * What it refuses or cannot read keeps the keys in force; each problem is logged at ERROR once.
     */
    @Override
    void reloadIfChanged() {
        synchronized (reloading) {
            Keys previous = keys;
            Connection c = null;
            boolean broken = false;
            try {
                c = connections.get();
                List<String> answer = table.stamp(c);
                boolean changed = !answer.equals(stamp);
                if (changed || System.nanoTime() - lastFullRead >= fullReadNanos) {
                    List<Row> read = table.read(c);
                    lastFullRead = System.nanoTime();
                    stamp = answer;
                    if (changed || !read.equals(rows)) {
                        rows = read;
                        apply(read, previous);
                    }
                }
                readable(previous);
            } catch (SQLException e) {
                broken = true;
                unreadable(previous, e);
            } catch (RuntimeException e) {
                // Never out of the reload thread: its executor would stop running it.
                LOG.error("Keys table {} not reloaded, keeping the previous {} keys", table.name(), previous.table().size(), e);
                report(false);
            } finally {
                if (c != null) {
                    connections.release(c, broken);
                }
            }
        }
    }

    /** Puts the keys of {@code read} in force, or refuses them with an ERROR (not repeated for the same problem). */
    private void apply(List<Row> read, Keys previous) {
        Keys fresh;
        try {
            fresh = parse(read, previous.fromTable());
            checkPlans(fresh.table().plansByClient());
        } catch (IllegalArgumentException e) {
            if (e.getMessage().equals(refused)) {
                LOG.debug("Keys table {} still refused: {}", table.name(), e.getMessage());
            } else {
                refused = e.getMessage();
                LOG.error("Keys table {} not reloaded, keeping the previous {} keys: {}", table.name(), previous.table().size(),
                        e.getMessage());
                report(false);
            }
            return;
        }
        refused = null;
        fresh.table().usedAsBefore(previous.table());
        keys = fresh;
        int disabled = (int) read.stream().filter(row -> !row.enabled()).count();
        if (fresh.fromTable() == 0 && previous.fromTable() > 0) {
            LOG.warn("Every row of keys table {} is disabled: its {} keys are revoked; {} inline keys stay in force", table.name(),
                    previous.fromTable(), inline.size());
        } else {
            LOG.info("Reloaded {} API keys from table {}{}", fresh.fromTable(), table.name(),
                    disabled == 0 ? "" : " (" + disabled + " disabled rows not loaded)");
        }
        report(true);
    }

    private void unreadable(Keys previous, SQLException e) {
        if (unreadable) {
            LOG.debug("Keys table {} still cannot be read: {}", table.name(), Jdbc.mask(String.valueOf(e.getMessage())));
            return;
        }
        unreadable = true;
        LOG.error("Keys table {} cannot be read, keeping the previous {} keys: {}", table.name(), previous.table().size(),
                Jdbc.mask(String.valueOf(e.getMessage())));
        report(false);
    }

    private void readable(Keys previous) {
        if (unreadable) {
            unreadable = false;
            LOG.info("Keys table {} can be read again; {} keys in force", table.name(), keys.table().size());
        }
    }

    @Override
    public ApiKeyEntry find(byte[] sha256) {
        return keys.table().find(sha256);
    }

    @Override
    public Optional<Collection<ApiKeyEntry>> entries() {
        return keys.table().entries();
    }

    @Override
    String source() {
        return "table " + table.name();
    }

    @Override
    public int size() {
        return keys.table().size();
    }

    @Override
    public Set<String> plans() {
        return keys.table().plans();
    }

    @Override
    public Map<String, String> plansByClient() {
        return keys.table().plansByClient();
    }

    /** Closes the store's own connections once the reload thread has stopped. */
    @Override
    void closed() {
        connections.close();
    }

    /** Where the store's connections come from; it releases each after a reload, and closes them with the store. */
    abstract static class Connections implements AutoCloseable {

        /** Opens a connection. */
        @FunctionalInterface
        interface Opener {
            Connection open() throws SQLException;
        }

        /** A connection for one reload (autocommit, so that each query sees the rows committed by then). */
        abstract Connection get() throws SQLException;

        /** Gives back a connection after a reload; {@code broken}: it failed, do not reuse it. */
        abstract void release(Connection connection, boolean broken);

        @Override
        public abstract void close();

        /** The application's pool: each reload borrows a connection and gives it back. */
        static Connections of(DataSource dataSource) {
            return pooled(dataSource::getConnection);
        }

        /** A connection from {@code opener} for each reload, closed after it. */
        static Connections pooled(Opener opener) {
            return new Connections() {
                @Override
                Connection get() throws SQLException {
                    return autocommit(opener.open());
                }

                @Override
                void release(Connection connection, boolean broken) {
                    Jdbc.closeQuietly(connection);
                }

                @Override
                public void close() {
                    // The pool is the application's.
                }
            };
        }

        /**
         * One connection opened with the driver for {@code url} and kept for the reloads (one thread at a
         * time), opened again after a failure; a socket read waits at most twice the query
         * timeout, where the driver supports {@code setNetworkTimeout}.
         */
        static Connections of(String url, String user, String password) {
            java.util.Set<Driver> before = Jdbc.drivers();
            return new Connections() {
                private Connection kept;

                @Override
                synchronized Connection get() throws SQLException {
                    if (kept != null && !kept.isClosed()) {
                        return kept;
                    }
                    Properties credentials = new Properties();
                    if (user != null) {
                        credentials.setProperty("user", user);
                    }
                    if (password != null) {
                        credentials.setProperty("password", password);
                    }
                    Driver driver = Jdbc.driver(url);
                    Connection c = driver.connect(url, credentials);
                    if (c == null) {
                        throw new SQLException("the JDBC driver " + driver.getClass().getName() + " does not take this URL");
                    }
                    try {
                        c.setNetworkTimeout(Runnable::run, ApiKeysTable.QUERY_TIMEOUT_SECONDS * 2 * 1000);
                    } catch (SQLException | UnsupportedOperationException e) {
                        LOG.debug("The JDBC driver sets no network timeout: {}", e.toString());
                    }
                    kept = autocommit(c);
                    return kept;
                }

                @Override
                synchronized void release(Connection connection, boolean broken) {
                    if (broken) {
                        Jdbc.closeQuietly(connection);
                        if (connection == kept) {
                            kept = null;
                        }
                    }
                }

                @Override
                public synchronized void close() {
                    if (kept != null) {
                        Jdbc.closeQuietly(kept);
                        kept = null;
                    }
                    Jdbc.deregisterDriversSince(before);
                }
            };
        }

        private static Connection autocommit(Connection c) throws SQLException {
            try {
                if (!c.getAutoCommit()) {
                    c.setAutoCommit(true);
                }
                return c;
            } catch (SQLException e) {
                Jdbc.closeQuietly(c);
                throw e;
            }
        }
    }
}
