package dev.tollgate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.ratelimit.RateLimiter.OnStoreFailure;
import dev.tollgate.ratelimit.jdbc.JdbcStores;
import dev.tollgate.ratelimit.jdbc.TestDatabase;
import dev.tollgate.ratelimit.spi.SharedBucketStore;
import jakarta.servlet.ServletException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import dev.tollgate.ratelimit.spi.SyncMode;
import dev.tollgate.it.LogCapture;
import dev.tollgate.it.Wait;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The database store ({@code store=jdbc}) against real PostgreSQL and MariaDB servers and H2 in
 * memory: each "node" is a limiter over a store of its own on one table, as two web applications
 * on two machines sharing the application's database are.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class JdbcStoreIT {

    private static final AtomicLong TABLES = new AtomicLong(System.nanoTime() % 100_000);

    @Parameter
    TestDatabase db;

    private final String table = "tollgate_test_" + TABLES.incrementAndGet();
    private final List<AutoCloseable> opened = new ArrayList<>();

    @AfterEach
    void dropTable() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
        db.drop(table);
    }

    /**
     * A limiter on its own store over the table; a call may take 5 s unless {@code params} say
     * otherwise: a case about counting must not turn into one about a slow database (the default
     * 100 ms is within a loaded machine's pauses, and a call past it is not counted).
     */
    private RateLimiter node(Plans plans, Map<String, String> params) throws ServletException {
        Map<String, String> all = new HashMap<>(params);
        all.putIfAbsent("jdbc-timeout", "5000");
        SharedBucketStore store = JdbcStores.open(db, table, "test", all);
        RateLimiter limiter = RateLimiter.builder(plans).store(store).onStoreFailure(OnStoreFailure.REJECT).build();
        opened.add(limiter);
        return limiter;
    }

    /**
     * A node of the batched mode (50 sync-tokens, a burst every {@code interval}, calls of 5 s at
     * most) whose statements are counted in {@code executions}, closed after the case.
     */
    private RateLimiter countedNode(Plans plans, JdbcStores.Executions executions, Duration interval) {
        SharedBucketStore store = JdbcStores.open(JdbcStores.counted(db, executions), table, "test",
                new SharedBucketStore.Options(Duration.ofSeconds(5), Duration.ofSeconds(1), SyncMode.batched(50, interval)));
        RateLimiter node = RateLimiter.builder(plans).store(store).onStoreFailure(OnStoreFailure.REJECT).build();
        opened.add(node);
        return node;
    }

    @Test
    void shouldAdmitExactlyTheLimitOnTwoNodesUnder32ConcurrentRequests() throws Exception {
        db.create(table);
        Plans plans = Plans.of(Limits.parse("50/1h"));
        // A generous timeout: this case is about exactness under contention, not about a slow database.
        List<RateLimiter> nodes = List.of(node(plans, Map.of("jdbc-timeout", "10000")), node(plans, Map.of("jdbc-timeout", "10000")));
        ExecutorService clients = Executors.newFixedThreadPool(32);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<RateLimitDecision>> decisions = new ArrayList<>();
            for (int i = 0; i < 160; i++) {
                RateLimiter node = nodes.get(i % 2);
                decisions.add(clients.submit(() -> {
                    start.await();
                    return node.tryConsume("client:shared", plans.defaultPlan());
                }));
            }
            start.countDown();
            int allowed = 0;
            for (Future<RateLimitDecision> d : decisions) {
                RateLimitDecision decision = d.get(60, TimeUnit.SECONDS);
                assertTrue(decision.counted(), decision::toString);
                allowed += decision.allowed() ? 1 : 0;
            }
            assertEquals(50, allowed, "two nodes, one limit");
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void shouldFailStartupWithTheDdlWhenTheTableIsMissing() throws Exception {
        db.drop(table);
        ServletException missing = assertThrows(ServletException.class, () -> JdbcStores.open(db, table, "test", Map.of()));
        assertTrue(missing.getMessage().startsWith("RateLimitFilter: the table [" + table + "] of store=jdbc is missing in "),
                missing::getMessage);
        assertTrue(missing.getMessage().contains("CREATE TABLE " + table + " (bucket_key VARCHAR"), missing::getMessage);
        assertTrue(missing.getMessage().contains("CREATE INDEX " + table + "_expires ON " + table + " (expires_at)"), missing::getMessage);
    }

    @Test
    void shouldCreateTheTableWhereAllowed() throws Exception {
        db.drop(table);
        Plans plans = Plans.of(Limits.parse("2/1h"));
        RateLimiter node = node(plans, Map.of("jdbc-create-table", "true"));
        assertTrue(node.tryConsume("client:new", plans.defaultPlan()).allowed());
        assertTrue(node.tryConsume("client:new", plans.defaultPlan()).allowed());
        assertFalse(node.tryConsume("client:new", plans.defaultPlan()).allowed());
        try (Connection c = db.connect(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT COUNT(*) FROM " + table + " WHERE bucket_key = 'test:default:client:new'")) {
            assertTrue(rows.next());
            assertEquals(1, rows.getInt(1), "one row per bucket, named namespace:plan:client");
        }
    }

    @Test
    void shouldApplyChangedLimitsCountingWhatWasUsed() throws Exception {
        db.create(table);
        Plans before = Plans.of(Limits.parse("10/1h"));
        RateLimiter old = node(before, Map.of());
        for (int i = 0; i < 6; i++) {
            assertTrue(old.tryConsume("client:changed", before.defaultPlan()).allowed());
        }
        // Another node starts with a tighter limit: 6 of 8 were used, so 2 are left, on both nodes.
        Plans after = Plans.of(Limits.parse("8/1h"));
        RateLimiter tighter = node(after, Map.of());
        RateLimitDecision first = tighter.tryConsume("client:changed", after.defaultPlan());
        assertTrue(first.counted(), first::toString);
        assertEquals(1, first.remaining(), first::toString);
        assertEquals(0, tighter.tryConsume("client:changed", after.defaultPlan()).remaining());
        assertFalse(tighter.tryConsume("client:changed", after.defaultPlan()).allowed());
    }

    @Test
    void shouldKeepTheBoundOfTheBatchedSyncAcrossNodesAndPushEveryToken() throws Exception {
        db.create(table);
        Plans plans = Plans.of(Limits.parse("40/1h"));
        Map<String, String> batched = Map.of("jdbc-sync", "batched", "jdbc-sync-tokens", "5", "jdbc-sync-interval", "100");
        assertTwoNodesWithinBound(plans, batched, "client:batched");
        // Many clients, a few requests each on one node: decided there, every token in the table after the close.
        RateLimiter third = node(plans, batched);
        for (int c = 0; c < 200; c++) {
            for (int i = 0; i < 3; i++) {
                assertTrue(third.tryConsume("client:many-" + c, plans.defaultPlan()).allowed());
            }
        }
        third.close();
        RateLimiter reader = node(plans, Map.of());
        for (int c = 0; c < 200; c += 37) {
            assertEquals(36, reader.tryConsume("client:many-" + c, plans.defaultPlan()).remaining(),
                    "3 tokens of client " + c + " pushed by the batched node, the 4th taken here");
        }
    }

    @Test
    void shouldPushABurstOfTheBucketsThisNodeWroteLastAsOneStatementBatch() throws Exception {
        db.create(table);
        Plans plans = Plans.of(Limits.parse("1000/1d"));
        int clients = 100;
        JdbcStores.Executions executions = new JdbcStores.Executions();
        try (RateLimiter node = countedNode(plans, executions, Duration.ofMillis(600))) {
            // The first request registers the plan's limits (a read and an insert); all are decided on the node.
            Map<String, Long> start = executions.snapshot();
            for (int c = 0; c < clients; c++) {
                assertTrue(node.tryConsume("client:kept-" + c, plans.defaultPlan()).allowed());
            }
            Wait.until("the first burst's rows", () -> rows("test:default:client:kept-%"), n -> n == clients);
            Thread.sleep(200);
            Map<String, Long> before = executions.snapshot();
            assertBursts(Map.of("executeQuery", 1L, "executeUpdate", 1L), Map.of("executeQuery", 1L, "executeBatch", 1L, "commit", 1L),
                    delta(start, before), "the limits registered; the first burst's 100 reads in one query, its 100 inserts in one "
                            + "statement batch and one commit");
            Map<String, Long> first = versions();
            for (int c = 0; c < clients; c++) {
                assertTrue(node.tryConsume("client:kept-" + c, plans.defaultPlan()).allowed());
            }
            Wait.until("the second burst's rows", () -> moved(first, versions()), n -> n == clients);
            Thread.sleep(200);
            assertBursts(Map.of(), Map.of("executeBatch", 1L, "commit", 1L), delta(before, executions.snapshot()),
                    "the second burst's 100 updates in one statement batch and one commit; no read, no statement of its own");
        }
        RateLimiter reader = node(plans, Map.of());
        for (int c = 0; c < clients; c += 33) {
            assertEquals(997, reader.tryConsume("client:kept-" + c, plans.defaultPlan()).remaining(),
                    "client " + c + ": two tokens pushed by the bursts, the third taken here");
        }
    }

    @Test
    void shouldKeepNoMoreCopiesThanTheFiltersMaxClients() throws Exception {
        db.create(table);
        Plans plans = Plans.of(Limits.parse("3/1h"));
        RateLimiter node = RateLimiter.builder(plans).store(JdbcStores.open(db, table, "test",
                Map.of("jdbc-sync", "batched", "jdbc-sync-interval", "3600000", "jdbc-timeout", "5000"), 20))
                .onStoreFailure(OnStoreFailure.REJECT).build();
        opened.add(node);
        for (int c = 0; c < 40; c++) {
            assertTrue(node.tryConsume("client:bounded-" + c, plans.defaultPlan()).allowed());
        }
        // No burst within the hour: only the copies dropped to keep max-clients push their tokens now.
        Wait.until("the tokens of the copies beyond max-clients in the table", () -> rows("test:default:client:bounded-%"), n -> n >= 20);
    }

    @Test
    void shouldRollBackABurstThatLostARaceAndSwapItsBucketsOneByOne() throws Exception {
        db.create(table);
        Plans plans = Plans.of(Limits.parse("1000/1d"));
        int clients = 20;
        JdbcStores.Executions executions = new JdbcStores.Executions();
        RateLimiter first = countedNode(plans, new JdbcStores.Executions(), Duration.ofHours(1));
        RateLimiter second = countedNode(plans, executions, Duration.ofHours(1));
        for (int c = 0; c < clients; c++) {
            for (int i = 0; i < 3; i++) {
                assertTrue(first.tryConsume("client:race-" + c, plans.defaultPlan()).allowed());
                assertTrue(second.tryConsume("client:race-" + c, plans.defaultPlan()).allowed());
            }
        }
        // The second node has read that no client has a row; the first inserts them all before the second's inserts run.
        executions.beforeFirstBatch("INSERT", () -> first.close());
        second.close();
        assertEquals(1, executions.of("rollback"), "the second node's batch of inserts failed on the first's rows, and was rolled back");
        assertTrue(executions.of("executeUpdate") >= clients, "then each bucket's swap went on its own: " + executions.snapshot());
        RateLimiter reader = node(plans, Map.of());
        for (int c = 0; c < clients; c++) {
            assertEquals(993, reader.tryConsume("client:race-" + c, plans.defaultPlan()).remaining(),
                    "client " + c + ": 3 tokens pushed by each node, the 7th taken here");
        }
    }

    @Test
    void shouldKeepABurstThatCommittedWhenItsConnectionFailsAfterward() throws Exception {
        db.create(table);
        Plans plans = Plans.of(Limits.parse("1000/1d"));
        JdbcStores.Executions executions = new JdbcStores.Executions();
        executions.failOnceAfterACommit();
        RateLimiter node = countedNode(plans, executions, Duration.ofMillis(200));
        takeOneEach(node, plans, "client:reset-", 10);
        Wait.until("the first burst's rows", () -> rows("test:default:client:reset-%"), n -> n == 10);
        // Bursts on: a token the node took as unsent would go again with one of them.
        Thread.sleep(600);
        node.close();
        RateLimiter reader = node(plans, Map.of());
        for (int c = 0; c < 10; c++) {
            assertEquals(998, reader.tryConsume("client:reset-" + c, plans.defaultPlan()).remaining(),
                    "client " + c + ": the token the committed burst pushed counted once, the 2nd taken here");
        }
    }

    @Test
    void shouldSwapOneByOneWhenTheDriverDoesNotCountTheRowsOfABatch() throws Exception {
        db.create(table);
        Plans plans = Plans.of(Limits.parse("1000/1d"));
        JdbcStores.Executions executions = new JdbcStores.Executions();
        executions.hideBatchCounts();
        try (LogCapture log = new LogCapture("dev.tollgate.ratelimit.jdbc")) {
            RateLimiter node = countedNode(plans, executions, Duration.ofMillis(200));
            takeOneEach(node, plans, "client:bulk-", 10);
            Wait.until("the first burst's rows", () -> rows("test:default:client:bulk-%"), n -> n == 10);
            // The updates of the next burst come back without their rows: rolled back, then swapped one by one.
            Map<String, Long> first = versions();
            takeOneEach(node, plans, "client:bulk-", 10);
            Wait.until("the second burst's rows", () -> moved(first, versions()), n -> n == 10);
            assertEquals(1, executions.of("rollback"), "the batch of updates whose rows were not counted was rolled back: "
                    + executions.snapshot());
            // From then on no batch: each swap on its own.
            long batches = executions.of("executeBatch");
            Map<String, Long> second = versions();
            takeOneEach(node, plans, "client:bulk-", 10);
            Wait.until("the third burst's rows", () -> moved(second, versions()), n -> n == 10);
            assertEquals(batches, executions.of("executeBatch"), "no batch after the driver answered one without its rows: "
                    + executions.snapshot());
            node.close();
            assertEquals(1, log.events().stream().filter(e -> e.getFormattedMessage().contains("does not report the rows of each update")).count(),
                    "said once: " + log.text());
        }
        RateLimiter reader = node(plans, Map.of());
        for (int c = 0; c < 10; c++) {
            assertEquals(996, reader.tryConsume("client:bulk-" + c, plans.defaultPlan()).remaining(),
                    "client " + c + ": 3 tokens pushed one by one, the 4th taken here");
        }
    }

    /** One token of each of {@code clients} clients named {@code prefix} and a number, all allowed. */
    private static void takeOneEach(RateLimiter node, Plans plans, String prefix, int clients) {
        for (int c = 0; c < clients; c++) {
            assertTrue(node.tryConsume(prefix + c, plans.defaultPlan()).allowed());
        }
    }

    /** The version of each bucket row of the table, by key. */
    private Map<String, Long> versions() throws Exception {
        Map<String, Long> versions = new HashMap<>();
        try (Connection c = db.connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT bucket_key, version FROM " + table + " WHERE bucket_key LIKE 'test:default:client:%'")) {
            while (r.next()) {
                versions.put(r.getString(1), r.getLong(2));
            }
        }
        return versions;
    }

    /** How many of the rows of {@code before} are at another version {@code now}. */
    private static long moved(Map<String, Long> before, Map<String, Long> now) {
        return before.entrySet().stream().filter(e -> !e.getValue().equals(now.get(e.getKey()))).count();
    }

    /** The rows whose key is like {@code pattern}. */
    private long rows(String pattern) throws Exception {
        try (Connection c = db.connect(); PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM " + table + " WHERE bucket_key LIKE ?")) {
            s.setString(1, pattern);
            try (ResultSet r = s.executeQuery()) {
                r.next();
                return r.getLong(1);
            }
        }
    }

    /**
     * {@code executed} is {@code once} and what one burst should run, or {@code once} and twice
     * that: a burst may start while the test is still taking the tokens, and the rest go in the
     * next.
     */
    private static void assertBursts(Map<String, Long> once, Map<String, Long> oneBurst, Map<String, Long> executed, String what) {
        long bursts = Math.max(1, Math.min(2, executed.getOrDefault("commit", 0L)));
        Map<String, Long> expected = new HashMap<>(once);
        oneBurst.forEach((kind, count) -> expected.merge(kind, count * bursts, Long::sum));
        assertEquals(expected, executed, what);
    }

    private static Map<String, Long> delta(Map<String, Long> before, Map<String, Long> after) {
        Map<String, Long> delta = new HashMap<>();
        after.forEach((kind, count) -> {
            long d = count - before.getOrDefault(kind, 0L);
            if (d != 0) {
                delta.put(kind, d);
            }
        });
        return delta;
    }

    @Test
    void shouldKeepTheBoundOfTheDelayedSyncAcrossNodes() throws Exception {
        db.create(table);
        Plans plans = Plans.of(Limits.parse("40/1h"));
        Map<String, String> delayed = Map.of("jdbc-sync", "delayed", "jdbc-sync-tokens", "5", "jdbc-sync-interval", "200");
        assertTwoNodesWithinBound(plans, delayed, "client:delayed");
    }

    /** Two nodes with {@code params} (the limit 40/1h, 5 sync-tokens) take turns at 120 requests of {@code client}: 40 to 50 admitted. */
    private void assertTwoNodesWithinBound(Plans plans, Map<String, String> params, String client) throws ServletException {
        List<RateLimiter> nodes = List.of(node(plans, params), node(plans, params));
        int allowed = 0;
        for (int i = 0; i < 120; i++) {
            allowed += nodes.get(i % 2).tryConsume(client, plans.defaultPlan()).allowed() ? 1 : 0;
        }
        assertTrue(allowed >= 40 && allowed <= 40 + 2 * 5, "the limit plus at most k * sync-tokens: " + allowed);
    }

    @Test
    void shouldCountClientsWhoseIdsDifferOnlyInCaseApart() throws Exception {
        db.create(table);
        Plans plans = Plans.of(Limits.parse("1/1h"));
        RateLimiter node = node(plans, Map.of());
        assertTrue(node.tryConsume("client:Alice", plans.defaultPlan()).allowed());
        assertTrue(node.tryConsume("client:alice", plans.defaultPlan()).allowed(), "another client, another bucket");
        assertFalse(node.tryConsume("client:Alice", plans.defaultPlan()).allowed());
    }

    /** Decides for {@code client} on {@code node} every 50 ms until a decision is counted, for 10 s at most; the last decision. */
    static RateLimitDecision awaitCounted(RateLimiter node, Plans plans, String client) throws InterruptedException {
        RateLimitDecision back;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        do {
            Thread.sleep(50);
            back = node.tryConsume(client, plans.defaultPlan());
        } while (!back.counted() && System.nanoTime() < deadline);
        return back;
    }

    /** Decides for {@code client} on {@code node}, and how long it took, in milliseconds. */
    static long timed(RateLimiter node, Plans plans, String client, List<RateLimitDecision> decisions) {
        long start = System.nanoTime();
        decisions.add(node.tryConsume(client, plans.defaultPlan()));
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void shouldNeverHoldARequestPastTheTimeoutWhileAnotherTransactionLocksTheRow() throws Exception {
        db.create(table);
        Plans plans = Plans.of(Limits.parse("100/1h"));
        RateLimiter node = node(plans, Map.of("jdbc-timeout", "200", "jdbc-probe-interval", "300"));
        assertTrue(node.tryConsume("client:locked", plans.defaultPlan()).counted());
        List<RateLimitDecision> decisions = new ArrayList<>();
        long slowest = 0;
        try (Connection locker = db.connect()) {
            locker.setAutoCommit(false);
            try (Statement s = locker.createStatement()) {
                // Holds the row's lock until the rollback: the store's UPDATE waits behind it.
                s.executeUpdate("UPDATE " + table + " SET expires_at = expires_at WHERE bucket_key = 'test:default:client:locked'");
            }
            long lockEnds = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
            while (System.nanoTime() < lockEnds) {
                slowest = Math.max(slowest, timed(node, plans, "client:locked", decisions));
            }
            locker.rollback();
        }
        assertTrue(slowest <= 200 + 800, "the slowest request took " + slowest + " ms, with jdbc-timeout 200");
        assertTrue(decisions.stream().anyMatch(d -> !d.counted()), "the outage behaviour answered while the row was locked");
        // The lock is gone: within about a probe interval the store counts again.
        assertTrue(awaitCounted(node, plans, "client:locked").counted(), "counting again after the lock");
    }

    @Test
    void shouldDeleteExpiredRowsOnlyInTheSweep() throws Exception {
        db.create(table);
        long past = System.currentTimeMillis() - 1000;
        try (Connection c = db.connect();
             PreparedStatement insert = c.prepareStatement("INSERT INTO " + table + " (bucket_key, state, version, expires_at) VALUES (?, ?, 1, ?)")) {
            for (int i = 0; i < 3; i++) {
                insert.setString(1, "test:default:gone-" + i);
                insert.setBytes(2, new byte[] {0});
                insert.setLong(3, past);
                insert.executeUpdate();
            }
        }
        Plans plans = Plans.of(Limits.parse("5/1h"));
        RateLimiter node = node(plans, Map.of());
        node.tryConsume("client:live", plans.defaultPlan());
        assertEquals(3, JdbcStores.sweep((SharedBucketStore) node.store()), "the three expired rows");
        try (Connection c = db.connect(); Statement s = c.createStatement();
             ResultSet rows = s.executeQuery("SELECT bucket_key FROM " + table)) {
            Set<String> left = new HashSet<>();
            while (rows.next()) {
                left.add(rows.getString(1));
            }
            assertEquals(Set.of("test:default#limits", "test:default:client:live"), left, "the plan's limits and the live bucket");
        }
    }
}
