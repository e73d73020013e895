package dev.tollgate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.ratelimit.RateLimiter.OnStoreFailure;
import dev.tollgate.ratelimit.jdbc.JdbcStores;
import dev.tollgate.ratelimit.jdbc.TestDatabase;
import dev.tollgate.ratelimit.spi.SharedBucketStore;
import dev.tollgate.ratelimit.spi.SyncMode;
import jakarta.servlet.ServletException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.ConnectionPoolDataSource;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGConnectionPoolDataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The database store on PostgreSQL when it drops its connections ({@code pg_terminate_backend}) and
 * when the application holds its pool's every connection ({@link JdbcOutageCases}); a store that
 * starts without its database, a serialization failure, and a driver or login that is refused.
 */
class JdbcPostgresOutageIT extends JdbcOutageCases {

    JdbcPostgresOutageIT() {
        super(TestDatabase.POSTGRESQL);
    }

    @Override
    protected ConnectionPoolDataSource pooledSource() {
        PGConnectionPoolDataSource physical = new PGConnectionPoolDataSource();
        physical.setUrl(db.url());
        physical.setUser(db.user());
        return physical;
    }

    /** {@code pg_terminate_backend} on every session of the tests' application name but this one. */
    @Override
    protected int dropStoreConnections(Connection admin) throws SQLException {
        try (Statement s = admin.createStatement();
             ResultSet r = s.executeQuery("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
                     + "WHERE application_name = 'tollgate-test' AND pid <> pg_backend_pid()")) {
            r.next();
            return r.getInt(1);
        }
    }

    @Test
    void shouldStartWithTheCircuitOpenWhenTheDatabaseDoesNotAnswerAtStartup() throws Exception {
        Plans plans = Plans.of(Limits.parse("100/1h"));
        SharedBucketStore store = JdbcStores.open(db, table, "test", Map.of("jdbc-url", "jdbc:postgresql://127.0.0.1:1/test",
                "jdbc-probe-interval", "60000"));
        node = RateLimiter.builder(plans).store(store).onStoreFailure(OnStoreFailure.REJECT).build();
        assertTrue(store.isCircuitOpen(), "nothing listens on port 1: the store starts unavailable");
        long start = System.nanoTime();
        RateLimitDecision decision = node.tryConsume("client:early", plans.defaultPlan());
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(!decision.counted() && !decision.allowed(), "the outage behaviour (reject) answers");
        assertTrue(millis < 100, "answered without waiting for the database: " + millis + " ms");
    }

    @Test
    void shouldTreatASerializationFailureAsALostSwapUnderRepeatableRead() throws Exception {
        db.create(table);
        Plans plans = Plans.of(Limits.parse("50/1h"));
        // The application's pool hands out connections at repeatable read: nodes on one bucket
        // then fail each other's UPDATE with 40001 instead of moving the version.
        PGSimpleDataSource repeatableRead = new PGSimpleDataSource();
        repeatableRead.setUrl(db.url());
        repeatableRead.setUser(db.user());
        repeatableRead.setOptions("-c default_transaction_isolation=repeatable\\ read");
        try (Connection c = repeatableRead.getConnection(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SHOW transaction_isolation")) {
            assertTrue(r.next());
            assertEquals("repeatable read", r.getString(1), "the pool's isolation");
        }
        SharedBucketStore.Options options = new SharedBucketStore.Options(Duration.ofSeconds(10), Duration.ofMillis(300), SyncMode.exact());
        List<RateLimiter> nodes = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            nodes.add(RateLimiter.builder(plans).store(JdbcStores.open(repeatableRead, table, "test", options))
                    .onStoreFailure(OnStoreFailure.REJECT).build());
        }
        ExecutorService clients = Executors.newFixedThreadPool(32);
        try {
            List<Future<RateLimitDecision>> decisions = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                RateLimiter n = nodes.get(i % 4);
                decisions.add(clients.submit(() -> n.tryConsume("client:contended", plans.defaultPlan())));
            }
            int allowed = 0;
            int uncounted = 0;
            for (Future<RateLimitDecision> d : decisions) {
                RateLimitDecision decision = d.get(60, TimeUnit.SECONDS);
                allowed += decision.allowed() ? 1 : 0;
                uncounted += decision.counted() ? 0 : 1;
            }
            assertEquals(0, uncounted, "no decision fell to the outage behaviour");
            assertEquals(50, allowed, "four nodes, one limit");
        } finally {
            clients.shutdownNow();
            for (RateLimiter n : nodes) {
                n.close();
            }
        }
    }

    @Test
    void shouldRefuseToStartWithoutADriverForTheUrlOrWithRefusedCredentials() {
        ServletException noDriver = assertThrows(ServletException.class,
                () -> JdbcStores.open(db, table, "test", Map.of("jdbc-url", "jdbc:nosuchdb://db/app?password=s3cret")));
        assertEquals("RateLimitFilter: store=jdbc cannot use jdbc:nosuchdb://db/app: no JDBC driver for this URL on the web application's "
                + "class path (add the database's driver jar)", noDriver.getMessage());
        ServletException refused = assertThrows(ServletException.class, () -> JdbcStores.open(TestDatabase.MARIADB, table, "test",
                Map.of("jdbc-user", "tollgate-nobody", "jdbc-password", "s3cret")));
        assertTrue(refused.getMessage().startsWith("RateLimitFilter: store=jdbc cannot use jdbc:mariadb://127.0.0.1:3306/test: "),
                refused::getMessage);
        assertFalse(refused.getMessage().contains("s3cret"), refused::getMessage);
    }
}
