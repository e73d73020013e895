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

    /**
     * The application's pool: every call borrows and returns. A connection the pool hands out
     * outside autocommit is switched to it for the call and back before it returns to the pool.
     */
    static Connections of(DataSource dataSource) {
        return new Connections() {
            /** The borrowed connections this store switched to autocommit. */
            private final Set<Connection> switched = ConcurrentHashMap.newKeySet();

            @Override
            Connection get() throws SQLException {
                Connection c = dataSource.getConnection();
                try {
                    if (!c.getAutoCommit()) {
                        c.setAutoCommit(true);
                        switched.add(c);
                    }
                    return c;
                } catch (SQLException | RuntimeException e) {
                    Jdbc.closeQuietly(c);
                    throw e;
                }
            }

            @Override
            void release(Connection connection, boolean broken) {
                if (switched.remove(connection)) {
                    try {
                        connection.setAutoCommit(false);
                    } catch (SQLException e) {
                        // The pool validates what it gets back; a broken connection is its to drop.
                        Jdbc.closeQuietly(connection);
                        return;
                    }
                }
                Jdbc.closeQuietly(connection);
            }

            @Override
            public void close() {
                // The pool is the application's.
            }
        };
    }

    /**
     * One connection per thread that calls, opened with the URL's driver, in autocommit at read
     * committed; a socket read waits at most {@code networkTimeoutMillis}
     * ({@code Connection.setNetworkTimeout}, run on {@code timeouts}), so no store thread is held
     * for ever by a database that stopped answering. When one connection breaks, every thread opens
     * a new one at its next call: a restarted database dropped them all, and each thread finding
     * that out in turn would keep the store away for as many probe intervals as it has threads.
     * Closing deregisters the drivers of the web application that registered themselves since
     * the store was made, and no other.
     */
    static Connections of(String url, String user, String password, int networkTimeoutMillis, Executor timeouts) {
        Set<java.sql.Driver> before = Jdbc.drivers();
        return new Connections() {
            /** A thread's connection, and the generation it was opened in. */
            private record Held(Connection connection, int generation) {
            }

            private final ThreadLocal<Held> mine = new ThreadLocal<>();
            private final Set<Connection> open = ConcurrentHashMap.newKeySet();
            private final java.util.concurrent.atomic.AtomicInteger generation = new java.util.concurrent.atomic.AtomicInteger();

            @Override
            Connection get() throws SQLException {
                Held held = mine.get();
                if (held != null) {
                    if (held.generation() == generation.get() && !held.connection().isClosed()) {
                        return held.connection();
                    }
                    mine.remove();
                    open.remove(held.connection());
                    Jdbc.closeQuietly(held.connection());
                }
                int opening = generation.get();
                Properties credentials = new Properties();
                if (user != null) {
                    credentials.setProperty("user", user);
                }
                if (password != null) {
                    credentials.setProperty("password", password);
                }
                Connection c = Jdbc.driver(url).connect(url, credentials);
                if (c == null) {
                    throw new SQLException("the JDBC driver " + Jdbc.driver(url).getClass().getName() + " does not take this URL");
                }
                try {
                    c.setAutoCommit(true);
                    c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
                    c.setNetworkTimeout(timeouts, networkTimeoutMillis);
                } catch (SQLException | RuntimeException e) {
                    Jdbc.closeQuietly(c);
                    throw e;
                }
                open.add(c);
                mine.set(new Held(c, opening));
                return c;
            }

            @Override
            void release(Connection connection, boolean broken) {
                if (broken) {
                    generation.incrementAndGet();
                    mine.remove();
                    open.remove(connection);
                    Jdbc.closeQuietly(connection);
                }
            }

            @Override
            public void close() {
                open.forEach(Jdbc::closeQuietly);
                open.clear();
                Jdbc.deregisterDriversSince(before);
            }
        };
    }
}
