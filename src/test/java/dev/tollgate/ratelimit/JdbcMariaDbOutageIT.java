package dev.tollgate.ratelimit;

import dev.tollgate.ratelimit.jdbc.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.ConnectionPoolDataSource;
import org.mariadb.jdbc.MariaDbDataSource;

/**
 * The database store on MariaDB when it drops the store's connections ({@code KILL CONNECTION})
 * and when the application holds its pool's every connection ({@link JdbcOutageCases}).
 */
class JdbcMariaDbOutageIT extends JdbcOutageCases {

    JdbcMariaDbOutageIT() {
        super(TestDatabase.MARIADB);
    }

    @Override
    protected ConnectionPoolDataSource pooledSource() throws SQLException {
        MariaDbDataSource physical = new MariaDbDataSource(db.url());
        physical.setUser(db.user());
        physical.setPassword(db.password());
        return physical;
    }

    /**
     * {@code KILL CONNECTION} on every session of the tests' user on the test database but this
     * one: the tests run one at a time, so those are the store's.
     */
    @Override
    protected int dropStoreConnections(Connection admin) throws SQLException {
        List<Long> ids = new ArrayList<>();
        try (Statement s = admin.createStatement();
             ResultSet r = s.executeQuery("SELECT ID FROM information_schema.PROCESSLIST WHERE USER = '" + db.user()
                     + "' AND DB = 'test' AND ID <> CONNECTION_ID()")) {
            while (r.next()) {
                ids.add(r.getLong(1));
            }
        }
        try (Statement s = admin.createStatement()) {
            for (long id : ids) {
                s.execute("KILL CONNECTION " + id);
            }
        }
        return ids.size();
    }
}
