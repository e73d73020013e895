package dev.tollgate.ratelimit.jdbc;

import dev.tollgate.internal.Jdbc;
import dev.tollgate.ratelimit.spi.BucketStore;
import dev.tollgate.ratelimit.spi.SharedBucketStore.Options;
import dev.tollgate.ratelimit.spi.StoreProvider;
import dev.tollgate.ratelimit.spi.StoreSettings;
import jakarta.servlet.ServletException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code store=jdbc}: buckets in a table of the application's database, and its {@code jdbc-*}
 * init-params. The connections come from the web application's {@code DataSource}
 * ({@code jdbc-datasource}, a JNDI name such as {@code jdbc/app}, looked up as
 * {@code java:comp/env/jdbc/app}), or, for an application without one, from {@code jdbc-url}
 * with {@code jdbc-user} and {@code jdbc-password} (the driver must be on the class path). Plain
 * JDBC: no library beyond the driver the application has.
 */
public final class JdbcStoreProvider implements StoreProvider {

    private static final Logger LOG = LoggerFactory.getLogger(JdbcStoreProvider.class);
    static final String DATASOURCE = "jdbc-datasource";
    static final String URL = "jdbc-url";
    static final String USER = "jdbc-user";
    static final String PASSWORD = "jdbc-password";
    static final String TABLE = "jdbc-table";
    static final String CREATE_TABLE = "jdbc-create-table";
    static final String POOL_SIZE = "jdbc-pool-size";
    static final String DEFAULT_TABLE = "tollgate_buckets";
    static final int DEFAULT_POOL_SIZE = 8;
    /** How long startup waits for the database to say whether the table is there. */
    private static final long STARTUP_CHECK_SECONDS = 10;
    private static final Set<String> PARAMS = Options.params("jdbc-", DATASOURCE, URL, USER, PASSWORD, TABLE, CREATE_TABLE, POOL_SIZE);

    @Override
    public Set<String> params() {
        return PARAMS;
    }

    @Override
    public BucketStore open(StoreSettings settings) throws ServletException {
        String jndiName = settings.valueOrNull(DATASOURCE);
        String url = settings.valueOrNull(URL);
        if (jndiName == null && url == null) {
            throw settings.required(DATASOURCE, "jdbc/app (the JNDI name of the application's DataSource), or init-param [" + URL
                    + "], like jdbc:postgresql://db:5432/app");
        }
        if (jndiName != null && url != null) {
            throw settings.invalid(URL, Jdbc.mask(url), "must not be set with init-param [" + DATASOURCE + "]: the store takes its "
                    + "connections from one of them");
        }
        BucketTable table = settings.parse(TABLE, DEFAULT_TABLE, BucketTable::new);
        boolean createTable = "true".equals(settings.choice(CREATE_TABLE, "false", Set.of("true", "false")));
        int poolSize = settings.integer(POOL_SIZE, DEFAULT_POOL_SIZE, 1, 256);
        Options options = Options.read(settings, "jdbc-");
        ExecutorService timeouts = null;
        Connections connections;
        String where;
        if (jndiName != null) {
            connections = Connections.of(lookup(settings, jndiName));
            where = "the DataSource " + jndiName;
        } else {
            if (!url.startsWith("jdbc:")) {
                throw settings.invalid(URL, Jdbc.mask(url), "must be a JDBC URL, like jdbc:postgresql://db:5432/app");
            }
            // Only aborts connections whose socket read outlived the network timeout: one thread is plenty.
            timeouts = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "tollgate-jdbc-abort");
                t.setDaemon(true);
                return t;
            });
            ExecutorService aborts = timeouts;
            // Far above a call's timeout (a long statement is the database's to cancel), but bounded.
            int networkMillis = (int) Math.min(30_000, Math.max(2_000, options.timeout().toMillis() * 20));
            connections = closing(Connections.of(url, settings.valueOrNull(USER), settings.valueOrNull(PASSWORD), networkMillis, aborts),
                    aborts);
            where = Jdbc.describe(url);
        }
        boolean answered = checkTable(settings, table, connections, createTable, where);
        String name = "the database at " + where + " (table " + table.name() + ", keys " + settings.namespace() + ":)";
        return JdbcBucketStore.create(name, table, connections, poolSize, settings.namespace() + ":", options, settings.storeLatency(),
                answered, createTable, settings.maxClients());
    }

    private static DataSource lookup(StoreSettings settings, String jndiName) throws ServletException {
        try {
            return Jdbc.lookup(jndiName);
        } catch (IllegalArgumentException e) {
            throw settings.invalid(DATASOURCE, jndiName, e.getMessage());
        }
    }

    /**
     * Fails startup when the table is missing (with the DDL to run), or creates it with
     * {@code jdbc-create-table=true}; a database that does not answer is logged, and the store
     * starts with its circuit open. Whether the database answered.
     */
    private static boolean checkTable(StoreSettings settings, BucketTable table, Connections connections, boolean create, String where)
            throws ServletException {
        ExecutorService check = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "tollgate-jdbc-check");
            t.setDaemon(true);
            return t;
        });
        Future<Boolean> outcome = check.submit(() -> {
            Connection c = connections.get();
            try {
                if (table.ensure(c, create, (int) STARTUP_CHECK_SECONDS)) {
                    LOG.info("{}: created the table {} of the rate limit store ({})", settings.owner(), table.name(), where);
                }
                return true;
            } finally {
                // This thread ends here: its connection is not kept for the store's threads.
                connections.release(c, true);
            }
        });
        try {
            return outcome.get(STARTUP_CHECK_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            connections.close();
            throw settings.failure("interrupted while checking the table of store=jdbc");
        } catch (TimeoutException e) {
            outcome.cancel(true);
            LOG.warn("{}: {} did not answer within {} s at startup; the store starts unavailable, and checks its table when it "
                    + "answers", settings.owner(), where, STARTUP_CHECK_SECONDS);
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof BucketTable.MissingTableException missing) {
                connections.close();
                throw settings.failure("the table [" + table.name() + "] of store=jdbc is missing in " + where + "; create it "
                        + "(or set init-param [" + CREATE_TABLE + "] to true where the application may create tables):\n"
                        + missing.ddl());
            }
            if (cause instanceof SQLException sql && isConfigurationError(sql)) {
                // Not an outage: no probe will ever succeed.
                connections.close();
                throw settings.failure("store=jdbc cannot use " + where + ": " + Jdbc.mask(String.valueOf(sql.getMessage())));
            }
            LOG.warn("{}: {} unavailable at startup ({}); the store starts unavailable, and checks its table when it answers",
                    settings.owner(), where, Jdbc.mask(String.valueOf(cause)));
            return false;
        } finally {
            check.shutdownNow();
        }
    }

    /**
     * A failure no retry mends: no driver for the URL, credentials refused (SQLState class 28), a
     * database that does not exist (3D).
     */
    static boolean isConfigurationError(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        return state.startsWith("28") || state.startsWith("3D") || (e.getMessage() != null
                && e.getMessage().startsWith("no JDBC driver for this URL"));
    }

    /** {@code connections} that also stop {@code executor} when closed. */
    private static Connections closing(Connections connections, ExecutorService executor) {
        return new Connections() {
            @Override
            Connection get() throws SQLException {
                return connections.get();
            }

            @Override
            void release(Connection connection, boolean broken) {
                connections.release(connection, broken);
            }

            @Override
            public void close() {
                connections.close();
                executor.shutdownNow();
            }
        };
    }
}
