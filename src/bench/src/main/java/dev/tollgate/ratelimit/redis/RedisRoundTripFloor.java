package dev.tollgate.ratelimit.redis;

import dev.tollgate.bench.ConcurrentRuns;
import com.sun.management.OperatingSystemMXBean;
import dev.tollgate.ratelimit.spi.BucketPlan;
import dev.tollgate.ratelimit.spi.SyncMode;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.lettuce.core.RedisClient;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The Redis store's cost per decision against its floor: two Lettuce round trips (a {@code GET} and
 * an {@code EVAL} of a script that writes the value back, what bucket4j's compare-and-swap sends),
 * waited for by the calling thread, without any bucket math. Wall time and this JVM's CPU time per
 * decision, for the floor, the {@code exact} mode and the {@code delayed} mode, from one thread
 * and from 8 threads on one client key.
 * {@code java -cp src/bench/target/benchmarks.jar dev.tollgate.ratelimit.redis.RedisRoundTripFloor [host:port]}
 */
public final class RedisRoundTripFloor {

    private static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final String CAS = "local v = redis.call('get', KEYS[1]); redis.call('psetex', KEYS[1], 60000, ARGV[1]); return 1";


    private RedisRoundTripFloor() {
    }

    public static void main(String[] args) throws Exception {
        String hostPort = args.length > 0 ? args[0] : "127.0.0.1:6379";
        int requests = Integer.getInteger("requests", 20_000);
        String uri = "redis://" + hostPort;
        RedisClient client = RedisClient.create(uri);
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            RedisAsyncCommands<String, String> redis = connection.async();
            redis.set("tollgate-floor:k", "x").get();
            ConcurrentRuns.Decision floor = () -> {
                redis.get("tollgate-floor:k").get(1, TimeUnit.SECONDS);
                redis.eval(CAS, ScriptOutputType.INTEGER, new String[] {"tollgate-floor:k"}, "x").get(1, TimeUnit.SECONDS);
            };
            BucketPlan plan = new BucketPlan("default", BucketConfiguration.builder()
                    .addLimit(Bandwidth.builder().capacity(1_000_000_000L).refillGreedy(1_000_000_000L, Duration.ofSeconds(1)).id("1s").build())
                    .build(), "1000000000/1s");
            System.out.printf("Redis cost per decision, %s, %d decisions after as many to warm up (Java %s, %d CPUs)%n%n",
                    hostPort, requests, System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
            System.out.println("| what | threads | latency µs (wall, per decision of one thread) | JVM CPU µs per decision |");
            System.out.println("|---|---:|---:|---:|");
            for (int threads : new int[] {1, 8}) {
                measure("floor: GET + EVAL through Lettuce", threads, requests, floor);
                for (SyncMode sync : List.of(SyncMode.exact(), SyncMode.delayed(10, Duration.ofSeconds(1)),
                        SyncMode.delayed(100, Duration.ofSeconds(1)))) {
                    try (RedisBucketStore store = RedisBucketStore.create(uri, "tollgate-floor:" + sync.name() + sync.tokens() + ":",
                            Duration.ofSeconds(1), Duration.ofSeconds(1), sync)) {
                        measure("store, " + sync, threads, requests, () -> store.tryConsume("client:floor", plan));
                    }
                }
            }
            redis.del("tollgate-floor:k").get();
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    private static void measure(String what, int threads, int requests, ConcurrentRuns.Decision decision) throws Exception {
        ConcurrentRuns.run(threads, requests, decision);
        long cpu = OS.getProcessCpuTime();
        long start = System.nanoTime();
        ConcurrentRuns.run(threads, requests, decision);
        double wall = (System.nanoTime() - start) / 1000.0 / requests * threads;
        double cpuPer = (OS.getProcessCpuTime() - cpu) / 1000.0 / requests;
        System.out.println(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f |", what, threads, wall, cpuPer));
    }
}
