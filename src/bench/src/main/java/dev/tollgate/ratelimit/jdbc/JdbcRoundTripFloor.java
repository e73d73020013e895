package dev.tollgate.ratelimit.jdbc;

import dev.tollgate.bench.ConcurrentRuns;
import com.sun.management.OperatingSystemMXBean;
import dev.tollgate.ratelimit.spi.BucketPlan;
import dev.tollgate.ratelimit.spi.SharedBucketStore;
import dev.tollgate.ratelimit.spi.SyncMode;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The database store's cost per decision against its floor: one round trip of the store's own
 * kind (an {@code UPDATE} of one row by primary key, autocommit) through the same driver, waited
 * for by the calling thread. Wall time, this JVM's CPU time and the database's transactions per
 * decision ({@code pg_stat_database.xact_commit}), for the floor, the {@code exact} mode and the
 * {@code delayed} mode, from one thread and from 8 threads on one client key (PostgreSQL).
 * {@code java -cp src/bench/target/benchmarks.jar dev.tollgate.ratelimit.jdbc.JdbcRoundTripFloor [jdbc-url]}
 */
public final class JdbcRoundTripFloor {

    private static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final String TABLE = "tollgate_floor";


    private JdbcRoundTripFloor() {
    }

    public static void main(String[] args) throws Exception {
        String url = args.length > 0 ? args[0] : "jdbc:postgresql://127.0.0.1:5432/test?user=postgres";
        int requests = Integer.getInteger("requests", 20_000);
        BucketTable table = new BucketTable(TABLE);
        try (Connection admin = DriverManager.getConnection(url); Statement s = admin.createStatement()) {
            s.execute("DROP TABLE IF EXISTS " + TABLE);
            for (String ddl : table.ddl(BucketTable.dialect(admin.getMetaData().getDatabaseProductName()))) {
                s.execute(ddl);
            }
            s.execute("INSERT INTO " + TABLE + " (bucket_key, state, version, expires_at) VALUES ('floor', '\\x00', 1, 0)");
        }
        BucketPlan plan = new BucketPlan("default", BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(1_000_000_000L).refillGreedy(1_000_000_000L, Duration.ofSeconds(1)).id("1s").build())
                .build(), "1000000000/1s");
        ThreadLocal<Connection> own = ThreadLocal.withInitial(() -> {
            try {
                return DriverManager.getConnection(url);
            } catch (java.sql.SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        ConcurrentRuns.Decision floor = () -> {
            try (PreparedStatement u = own.get().prepareStatement("UPDATE " + TABLE + " SET version = version + 1 WHERE bucket_key = ?")) {
                u.setString(1, "floor");
                u.executeUpdate();
            }
        };
        System.out.printf("Database cost per decision, %s, %d decisions after as many to warm up (Java %s, %d CPUs)%n%n",
                url.replaceAll("password=[^&]*", "password=***"), requests, System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
        System.out.println("| what | threads | latency µs (wall, per decision of one thread) | JVM CPU µs per decision | database transactions per decision |");
        System.out.println("|---|---:|---:|---:|---:|");
        for (int threads : new int[] {1, 8}) {
            measure(url, "floor: one UPDATE by primary key", threads, requests, floor);
            for (SyncMode sync : List.of(SyncMode.exact(), SyncMode.delayed(10, Duration.ofSeconds(1)),
                    SyncMode.delayed(100, Duration.ofSeconds(1)))) {
                try (SharedBucketStore store = JdbcBucketStore.create("floor", table, Connections.of(url, null, null, 10_000,
                        Runnable::run), 8, "floor-" + sync.name() + sync.tokens() + ":",
                        new SharedBucketStore.Options(Duration.ofSeconds(5), Duration.ofSeconds(1), sync), nanos -> { })) {
                    measure(url, "store, " + sync, threads, requests, () -> store.tryConsume("client:floor", plan));
                }
            }
        }
    }

    private static long transactions(String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")) {
            r.next();
            return r.getLong(1);
        }
    }

    private static void measure(String url, String what, int threads, int requests, ConcurrentRuns.Decision decision) throws Exception {
        ConcurrentRuns.run(threads, requests, decision);
        // The statistics collector reports with a delay: wait for it before and after.
        Thread.sleep(600);
        long xacts = transactions(url);
        long cpu = OS.getProcessCpuTime();
        long start = System.nanoTime();
        ConcurrentRuns.run(threads, requests, decision);
        double wall = (System.nanoTime() - start) / 1000.0 / requests * threads;
        double cpuPer = (OS.getProcessCpuTime() - cpu) / 1000.0 / requests;
        Thread.sleep(600);
        // Less the two statistics queries of this method.
        double perDecision = (transactions(url) - xacts - 2) / (double) requests;
        System.out.println(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.2f |", what, threads, wall, cpuPer, perDecision));
    }
}
