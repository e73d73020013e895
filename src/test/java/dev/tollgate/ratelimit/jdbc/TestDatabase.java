package dev.tollgate.ratelimit.jdbc;

import static org.junit.jupiter.api.Assertions.fail;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Assumptions;

/**
 * The real databases the store's tests run against: PostgreSQL at 127.0.0.1:5432 (database
 * {@code test}, trust auth), MariaDB at 127.0.0.1:3306 (root, empty password, database
 * {@code test}), and H2 in memory. Unreachable: the tests fail when {@code CI=true}, and are
 * skipped with a message otherwise.
 */
public enum TestDatabase {
    POSTGRESQL("jdbc:postgresql://127.0.0.1:5432/test?ApplicationName=tollgate-test", "postgres", "",
            "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"),
    MARIADB("jdbc:mariadb://127.0.0.1:3306/test?sslMode=disable", "root", "", "start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd"),
    H2("jdbc:h2:mem:tollgate-test;DB_CLOSE_DELAY=-1", "sa", "", "nothing: it runs in this JVM");

    private final String url;
    private final String user;
    private final String password;
    private final String howToStart;

    TestDatabase(String url, String user, String password, String howToStart) {
        this.url = url;
        this.user = user;
        this.password = password;
        this.howToStart = howToStart;
    }

    public String url() {
        return url;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /** A connection of the test's own (not the store's); fails or skips the test when the database does not answer. */
    public Connection connect() {
        try {
            return DriverManager.getConnection(url, user, password);
        } catch (SQLException e) {
            String message = name() + " at " + url + " is unreachable (" + e.getMessage() + "). Start it with '" + howToStart + "'.";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(message + " CI=true: database tests must run in CI.");
            }
            Assumptions.abort(message);
            throw new IllegalStateException(e);
        }
    }

    /** Drops {@code table} if it is there. */
    public void drop(String table) throws SQLException {
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + table);
        }
    }

    /** Creates {@code table} with the store's own DDL for this database. */
    public void create(String table) throws SQLException {
        drop(table);
        try (Connection c = connect(); Statement s = c.createStatement()) {
            BucketTable bucketTable = new BucketTable(table);
            for (String statement : bucketTable.ddl(BucketTable.dialect(c.getMetaData().getDatabaseProductName()))) {
                s.execute(statement);
            }
        }
    }
}
