package dev.tollgate.ratelimit.jdbc;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Collections;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
                c = driver(url).connect(url, credentials);
                if (c == null) {
                    throw new SQLException("the JDBC driver " + driver(url).getClass().getName() + " does not take this URL");
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
                deregisterDrivers();
            }
        };
    }

    private static final Logger LOG = LoggerFactory.getLogger(Connections.class);

    /**
     * The driver for {@code url}: one {@link DriverManager} knows, or one of the web application's
     * own (a driver jar in {@code WEB-INF/lib} is not among the drivers {@link DriverManager} found
     * when it started, so it is looked up with this class loader).
     */
    static Driver driver(String url) throws SQLException {
        try {
            return DriverManager.getDriver(url);
        } catch (SQLException notRegistered) {
            for (Driver driver : ServiceLoader.load(Driver.class, Connections.class.getClassLoader())) {
                if (driver.acceptsURL(url)) {
                    return driver;
                }
            }
            throw new SQLException("no JDBC driver for this URL on the web application's class path (add the database's driver jar)",
                    notRegistered);
        }
    }

    static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException | RuntimeException e) {
            LOG.debug("Closing a database connection failed: {}", e.toString());
        }
    }

    /**
     * Drivers of this web application's class loader that {@link DriverManager} holds: registered
     * when the store opened its first connection, they would keep the class loader alive after a
     * redeploy.
     */
    static void deregisterDrivers() {
        ClassLoader ours = Connections.class.getClassLoader();
        if (ours == ClassLoader.getSystemClassLoader()) {
            // Not a web application's: it lives as long as the JVM, and so may its drivers.
            return;
        }
        for (Driver driver : Collections.list(DriverManager.getDrivers())) {
            if (driver.getClass().getClassLoader() == ours) {
                try {
                    DriverManager.deregisterDriver(driver);
                } catch (SQLException | SecurityException e) {
                    LOG.warn("Could not deregister the JDBC driver {}: {}", driver.getClass().getName(), e.toString());
                }
            }
        }
    }
}
