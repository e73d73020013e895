package dev.tollgate.internal;

import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLIntegrityConstraintViolationException;
import java.util.Collections;
import java.util.HashSet;
import java.util.ServiceLoader;
import java.util.Set;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the database store of the rate limiter and the keys table of the key filter do alike with
 * plain JDBC: find the application's {@code DataSource} in JNDI, find a driver of the web
 * application's own, let go of it on undeploy, tell the databases' errors apart, and never show a
 * password.
 */
public final class Jdbc {

    private static final Logger LOG = LoggerFactory.getLogger(Jdbc.class);

    private Jdbc() {
    }

    /**
     * The application's {@code DataSource} named {@code jndiName}: {@code java:comp/env/<name>}
     * unless the name starts with {@code java:}.
     *
     * @throws IllegalArgumentException stating why there is none
     */
    public static DataSource lookup(String jndiName) {
        String name = jndiName.startsWith("java:") ? jndiName : "java:comp/env/" + jndiName;
        Object found;
        try {
            found = new InitialContext().lookup(name);
        } catch (NamingException e) {
            throw new IllegalArgumentException("must name a DataSource of the web application in JNDI (" + name
                    + ", from the container's context.xml, jetty-env.xml or a resource-ref): " + e.getMessage(), e);
        }
        if (found instanceof DataSource dataSource) {
            return dataSource;
        }
        throw new IllegalArgumentException("names a " + (found == null ? "null" : found.getClass().getName()) + " in JNDI (" + name
                + "), not a javax.sql.DataSource");
    }

    /**
     * The driver for {@code url}: one {@link DriverManager} knows, or one of the web application's
     * own (a driver jar in {@code WEB-INF/lib} is not among the drivers {@link DriverManager} found
     * when it started, so it is looked up with this jar's class loader).
     */
    public static Driver driver(String url) throws SQLException {
        try {
            return DriverManager.getDriver(url);
        } catch (SQLException notRegistered) {
            for (Driver driver : ServiceLoader.load(Driver.class, Jdbc.class.getClassLoader())) {
                if (driver.acceptsURL(url)) {
                    return driver;
                }
            }
            throw new SQLException("no JDBC driver for this URL on the web application's class path (add the database's driver jar)",
                    notRegistered);
        }
    }

    /** The drivers {@link DriverManager} holds now, to tell later which registered since. */
    public static Set<Driver> drivers() {
        return new HashSet<>(Collections.list(DriverManager.getDrivers()));
    }

    /**
     * Deregisters the drivers of this jar's class loader that registered themselves with
     * {@link DriverManager} since {@code before} ({@link #drivers()}): loaded when a connection was
     * first opened, they would keep a web application's class loader alive after a redeploy. A
     * driver that was there before (the application's own, registered first) is left alone, and so
     * is every driver when this class loader is the JVM's own.
     */
    public static void deregisterDriversSince(Set<Driver> before) {
        ClassLoader ours = Jdbc.class.getClassLoader();
        if (ours == ClassLoader.getSystemClassLoader()) {
            // Not a web application's: it lives as long as the JVM, and so may its drivers.
            return;
        }
        for (Driver driver : Collections.list(DriverManager.getDrivers())) {
            if (driver.getClass().getClassLoader() == ours && !before.contains(driver)) {
                try {
                    DriverManager.deregisterDriver(driver);
                } catch (SQLException | SecurityException e) {
                    LOG.warn("Could not deregister the JDBC driver {}: {}", driver.getClass().getName(), e.toString());
                }
            }
        }
    }

    public static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException | RuntimeException e) {
            LOG.debug("Closing a database connection failed: {}", e.toString());
        }
    }

    /**
     * A missing table or view, as the databases say it: SQLState 42P01 (PostgreSQL), 42S02
     * (MariaDB/MySQL, H2, SQL Server), S0002 (SQL Server's older drivers), H2's codes
     * 42102-42104, ORA-00942, SQL Server's 208, MySQL's 1146.
     */
    public static boolean isMissingTable(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        int code = e.getErrorCode();
        return state.equals("42P01") || state.equals("42S02") || state.equals("S0002") || (code >= 42102 && code <= 42104)
                || code == 942 || code == 208 || code == 1146;
    }

    /** A primary or unique key that is there already: SQLState class 23. */
    public static boolean isDuplicateKey(SQLException e) {
        return e instanceof SQLIntegrityConstraintViolationException || (e.getSQLState() != null && e.getSQLState().startsWith("23"));
    }

    /**
     * {@code text} (a URL, or a driver's message that may repeat it) with anything that may be a
     * password hidden: {@code password=}, {@code password1=}, {@code pwd=} values, the user info of
     * {@code //user:secret@host} (an {@code @} in the secret too) and of Oracle's
     * {@code thin:user/secret@host}.
     */
    public static String mask(String text) {
        return text.replaceAll("(?i)\\b(pass\\w*|pwd)=[^&;\\s]*", "$1=***")
                .replaceAll("//[^/\\s]*@", "//***@")
                .replaceAll("(?i)(:thin:)[^/\\s]*/[^\\s]*@", "$1***@");
    }

    /**
     * What a URL names, for a log line: the database's address without user info, query
     * parameters or properties ({@code jdbc:postgresql://db:5432/app}).
     */
    public static String describe(String url) {
        String where = url;
        for (char end : new char[] {'?', ';'}) {
            int at = where.indexOf(end);
            if (at >= 0) {
                where = where.substring(0, at);
            }
        }
        return mask(where);
    }
}
