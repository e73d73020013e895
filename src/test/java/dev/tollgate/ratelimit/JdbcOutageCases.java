package dev.tollgate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.ratelimit.RateLimiter.OnStoreFailure;
import dev.tollgate.ratelimit.jdbc.JdbcStores;
import dev.tollgate.ratelimit.jdbc.TestDatabase;
import dev.tollgate.ratelimit.spi.SharedBucketStore;
import dev.tollgate.ratelimit.spi.SyncMode;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.ConnectionPoolDataSource;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The database store when the database drops its connections, and when the application itself
 * holds every connection of its pool: the cases each database's outage test runs.
 */
abstract class JdbcOutageCases {

    protected final TestDatabase db;
    protected final String table = "tollgate_test_drop_" + (System.nanoTime() % 100_000);
    protected RateLimiter node;

    JdbcOutageCases(TestDatabase db) {
        this.db = db;
    }

    /** The database's own pooled data source, for a pool of the application's. */
    protected abstract ConnectionPoolDataSource pooledSource() throws SQLException;

    /** Drops the connections of the store (the tests' own URL), from {@code admin}'s session; how many. */
    protected abstract int dropStoreConnections(Connection admin) throws SQLException;

    @AfterEach
    void close() throws Exception {
        if (node != null) {
            node.close();
        }
        db.drop(table);
    }

    @Test
    void shouldNeverHoldARequestPastTheTimeoutWhileTheApplicationHoldsEveryPooledConnection() throws Exception {
        db.create(table);
        JdbcConnectionPool pool = JdbcConnectionPool.create(pooledSource());
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
            assertTrue(JdbcStoreIT.awaitCounted(node, plans, "client:pooled").counted(),
                    "counting again once the application gave its connection back");
        } finally {
            if (node != null) {
                node.close();
                node = null;
            }
            pool.dispose();
        }
    }

    @Test
    void shouldReconnectEveryStoreThreadAtOnceAfterTheDatabaseDroppedTheirConnections() throws Exception {
        db.create(table);
        Plans plans = Plans.of(Limits.parse("100000/1h"));
        // The default probe interval (1 s) and 8 store threads, each with a connection of its own.
        node = RateLimiter.builder(plans).store(JdbcStores.open(db, table, "test", Map.of("jdbc-timeout", "500")))
                .onStoreFailure(OnStoreFailure.REJECT).build();
        ExecutorService clients = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> warm = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                String client = "client:dropped-" + (i % 16);
                warm.add(clients.submit(() -> node.tryConsume(client, plans.defaultPlan())));
            }
            for (Future<?> f : warm) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            clients.shutdown();
        }
        int terminated;
        try (Connection admin = db.connect()) {
            terminated = dropStoreConnections(admin);
        }
        assertTrue(terminated >= 2, "the store's connections were terminated: " + terminated);
        long dropped = System.nanoTime();
        List<RateLimitDecision> decisions = new ArrayList<>();
        long slowest = 0;
        int countedInARow = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        // Recovered: 20 decisions in a row counted, whichever store thread each lands on.
        while (System.nanoTime() < deadline && countedInARow < 20) {
            slowest = Math.max(slowest, JdbcStoreIT.timed(node, plans, "client:dropped-" + (decisions.size() % 16), decisions));
            countedInARow = decisions.get(decisions.size() - 1).counted() ? countedInARow + 1 : 0;
            Thread.sleep(10);
        }
        long millis = (System.nanoTime() - dropped) / 1_000_000;
        assertTrue(countedInARow >= 20, "counting again on new connections");
        assertTrue(millis <= 3000, "every store thread reconnected within about a probe interval: " + millis + " ms");
        assertTrue(slowest <= 500 + 800, "the slowest request took " + slowest + " ms, with jdbc-timeout 500");
    }
}
