package dev.tollgate.ratelimit.jdbc;

import dev.tollgate.internal.Jdbc;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import javax.sql.DataSource;

/**
 * Where the store's connections come from: the application's {@link DataSource} (its pool, found
 * in JNDI), a connection borrowed per call and given back at once; or, with {@code jdbc-url}, one
 * connection per store thread, opened on its first call and closed with the store, so the store
 * needs no pool of its own.
 */
abstract class Connections implements AutoCloseable {

    /** A connection for one call; {@link #release} gives it back. */
    abstract Connection get() throws SQLException;

    /** Gives back (or keeps) a connection after a call; {@code broken}: it failed, do not reuse it. */
    abstract void release(Connection connection, boolean broken);

    @Override
    public abstract void close();

    /** The application's pool: every call borrows and returns. */
    static Connections of(DataSource dataSource) {
        return new Connections() {
            @Override
            Connection get() throws SQLException {
                Connection c = dataSource.getConnection();
                if (!c.getAutoCommit()) {
                    c.setAutoCommit(true);
                }
                return c;
            }

            @Override
            void release(Connection connection, boolean broken) {
                closeQuietly(connection);
            }

            @Override
            public void close() {
                // The pool is the application's.
            }
        };
    }

    /**
     * One connection per thread that calls, opened with {@link DriverManager}; a socket read waits
     * at most {@code networkTimeoutMillis} ({@code Connection.setNetworkTimeout}, run on
     * {@code timeouts}), so no store thread is held for ever by a database that stopped answering.
     */
    static Connections of(String url, String user, String password, int networkTimeoutMillis, Executor timeouts) {
        return new Connections() {
            private final ThreadLocal<Connection> mine = new ThreadLocal<>();
            private final Set<Connection> open = ConcurrentHashMap.newKeySet();

            @Override
            Connection get() throws SQLException {
                Connection c = mine.get();
                if (c != null && !c.isClosed()) {
                    return c;
                }
                Properties credentials = new Properties();
                if (user != null) {
                    credentials.setProperty("user", user);
                }
                if (password != null) {
                    credentials.setProperty("password", password);
                }
                c = Jdbc.driver(url).connect(url, credentials);
                if (c == null) {
                    throw new SQLException("the JDBC driver " + Jdbc.driver(url).getClass().getName() + " does not take this URL");
                }
                c.setAutoCommit(true);
                c.setNetworkTimeout(timeouts, networkTimeoutMillis);
                open.add(c);
                mine.set(c);
                return c;
            }

            @Override
            void release(Connection connection, boolean broken) {
                if (broken) {
                    mine.remove();
                    open.remove(connection);
                    closeQuietly(connection);
                }
            }

            @Override
            public void close() {
                open.forEach(Connections::closeQuietly);
                open.clear();
                Jdbc.deregisterDrivers();
            }
        };
    }

    static void closeQuietly(Connection c) {
        Jdbc.closeQuietly(c);
    }
}
