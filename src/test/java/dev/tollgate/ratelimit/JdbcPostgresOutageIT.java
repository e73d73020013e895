package dev.tollgate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.ratelimit.RateLimiter.OnStoreFailure;
import dev.tollgate.ratelimit.jdbc.JdbcStores;
import dev.tollgate.ratelimit.jdbc.TestDatabase;
import dev.tollgate.ratelimit.spi.SharedBucketStore;
import dev.tollgate.ratelimit.spi.SyncMode;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.h2.jdbcx.JdbcConnectionPool;
import org.postgresql.ds.PGConnectionPoolDataSource;

/**
 * The database store when PostgreSQL drops its connections ({@code pg_terminate_backend}), and when
 * the application itself holds every connection of its pool.
 */
class JdbcPostgresOutageIT {

    private final TestDatabase db = TestDatabase.POSTGRESQL;
    private final String table = "tollgate_test_drop_" + (System.nanoTime() % 100_000);
    private RateLimiter node;

    @AfterEach
    void close() throws Exception {
        if (node != null) {
            node.close();
        }
        db.drop(table);
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
    void shouldNeverHoldARequestPastTheTimeoutWhileTheApplicationHoldsEveryPooledConnection() throws Exception {
        db.create(table);
        PGConnectionPoolDataSource physical = new PGConnectionPoolDataSource();
        physical.setUrl(db.url());
        physical.setUser(db.user());
        JdbcConnectionPool pool = JdbcConnectionPool.create(physical);
        pool.setMaxConnections(1);
        pool.setLoginTimeout(5);
        try {
            Plans plans = Plans.of(Limits.parse("100/1h"));
            node = RateLimiter.builder(plans).store(JdbcStores.open(pool, table, "test",
                    new SharedBucketStore.Options(Duration.ofMillis(200), Duration.ofMillis(300), SyncMode.exact())))
                    .onStoreFailure(OnStoreFailure.REJECT).build();
            assertTrue(node.tryConsume("client:pooled", plans.defaultPlan()).counted());
            List<RateLimitDecision> decisions = new ArrayList<>();
            long slowest = 0;
            try (Connection held = pool.getConnection()) {
                // The application's own work holds the pool's only connection for a while.
                assertTrue(held.isValid(1));
                long heldUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
                while (System.nanoTime() < heldUntil) {
                    slowest = Math.max(slowest, JdbcStoreIT.timed(node, plans, "client:pooled", decisions));
                }
            }
            assertTrue(slowest <= 200 + 800, "the slowest request took " + slowest + " ms, with a timeout of 200");
            assertTrue(decisions.stream().anyMatch(d -> !d.counted()), "the outage behaviour answered while the pool was empty");
            RateLimitDecision back = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline && (back == null || !back.counted())) {
                Thread.sleep(50);
                back = node.tryConsume("client:pooled", plans.defaultPlan());
            }
            assertTrue(back != null && back.counted(), "counting again once the application gave its connection back");
        } finally {
            if (node != null) {
                node.close();
                node = null;
            }
            pool.dispose();
        }
    }

    @Test
    void shouldReconnectAfterTheDatabaseDroppedTheStoresConnections() throws Exception {
        db.create(table);
        Plans plans = Plans.of(Limits.parse("1000/1h"));
        node = RateLimiter.builder(plans).store(JdbcStores.open(db, table, "test", Map.of("jdbc-timeout", "500",
                "jdbc-probe-interval", "200"))).onStoreFailure(OnStoreFailure.REJECT).build();
        List<RateLimitDecision> decisions = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            JdbcStoreIT.timed(node, plans, "client:dropped-" + (i % 4), decisions);
        }
        int terminated;
        try (Connection admin = db.connect(); Statement s = admin.createStatement();
             ResultSet r = s.executeQuery("SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity "
                     + "WHERE application_name = 'tollgate-test' AND pid <> pg_backend_pid()")) {
            r.next();
            terminated = r.getInt(1);
        }
        assertTrue(terminated >= 1, "the store's connections were terminated: " + terminated);
        long slowest = 0;
        RateLimitDecision last = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && (last == null || !last.counted())) {
            slowest = Math.max(slowest, JdbcStoreIT.timed(node, plans, "client:dropped-0", decisions));
            last = decisions.get(decisions.size() - 1);
            Thread.sleep(20);
        }
        assertTrue(last.counted(), "counting again on new connections");
        assertTrue(slowest <= 500 + 800, "the slowest request took " + slowest + " ms, with jdbc-timeout 500");
    }
}
