package dev.tollgate.ratelimit.redis;

import com.sun.management.OperatingSystemMXBean;
import dev.tollgate.ratelimit.StoreFootprint;
import dev.tollgate.ratelimit.spi.BucketPlan;
import dev.tollgate.ratelimit.spi.SharedBucketStore.Options;
import dev.tollgate.ratelimit.spi.SyncMode;
import dev.tollgate.testing.CommandStats;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * One node of the Redis store at scale: requests of {@code clients} distinct clients (picked at
 * random) at a set rate for a set time, in each sync mode, against the Redis at {@code host:port}.
 * Prints per mode and client count: the rate reached, the calls the node sent to Redis (reads,
 * scripts; a burst's script over many keys is one) per request and per node-second, the keys
 * Redis read or wrote per request ({@code INFO commandstats}: GETs and SETs, in scripts too), this
 * JVM's CPU per request, and the heap the store holds after the run, in all and per bucket it keeps
 * (the clients seen, at most {@code -DmaxClients}).
 * {@code -Dwarmup=} seconds of load first, not counted (the buckets' creation and first bursts).
 * {@code java -Xmx4g -Dclients=1,10000,1000000 -Drate=5000 -Dseconds=20 -cp src/bench/target/benchmarks.jar
 * dev.tollgate.ratelimit.redis.BatchedSyncScale [host:port]}
 */
public final class BatchedSyncScale {

    private static final OperatingSystemMXBean OS = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private BatchedSyncScale() {
    }

    public static void main(String[] args) throws Exception {
        String hostPort = args.length > 0 ? args[0] : "127.0.0.1:6379";
        String uri = "redis://" + hostPort;
        int rate = Integer.getInteger("rate", 5000);
        int seconds = Integer.getInteger("seconds", 20);
        // Load before the measured seconds (the buckets' creation, the first bursts), not counted.
        int warmup = Integer.getInteger("warmup", 0);
        int threads = Integer.getInteger("threads", 16);
        int maxClients = Integer.getInteger("maxClients", 100_000);
        List<SyncMode> modes = new ArrayList<>();
        for (String mode : System.getProperty("modes", "exact,delayed,batched,batched-10s").split(",")) {
            modes.add(switch (mode) {
                case "exact" -> SyncMode.exact();
                case "delayed" -> SyncMode.delayed(10, Duration.ofSeconds(1));
                case "batched" -> SyncMode.batched(10, Duration.ofSeconds(1));
                case "batched-10s" -> SyncMode.batched(10, Duration.ofSeconds(10));
                default -> throw new IllegalArgumentException("modes: exact, delayed, batched, batched-10s");
            });
        }
        BucketPlan plan = new BucketPlan("default", BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(1_000_000).refillGreedy(1_000_000, Duration.ofHours(1)).id("3600").build())
                .build(), "1000000/1h");
        RedisClient client = RedisClient.create(uri);
        try (StatefulRedisConnection<String, String> info = client.connect()) {
            System.out.printf("One node, %d req/s asked for %d s from %d threads, clients at random, copies kept: %,d (Java %s, %d CPUs)%n%n",
                    rate, seconds, threads, maxClients, System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
            System.out.println("| clients | seen | mode | req/s | Redis calls/req | Redis calls/s | keys read or written in Redis/req "
                    + "| JVM CPU µs/req | store heap B | B per kept bucket |");
            System.out.println("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");
            for (String count : System.getProperty("clients", "1,10000,1000000").split(",")) {
                int clients = Integer.parseInt(count.trim());
                for (SyncMode sync : modes) {
                    measure(uri, info, clients, sync, plan, rate, warmup, seconds, threads, maxClients);
                }
            }
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    private static void measure(String uri, StatefulRedisConnection<String, String> info, int clients, SyncMode sync, BucketPlan plan,
                                int rate, int warmup, int seconds, int threads, int maxClients) throws Exception {
        String prefix = "tollgate-scale:" + System.nanoTime() + ":";
        // Which clients sent a request: the store keeps a copy of at most max-clients of them.
        AtomicIntegerArray seen = new AtomicIntegerArray(clients);
        long heapBefore = StoreFootprint.usedAfterGc();
        RedisBucketStore store = RedisBucketStore.create(uri, false, null, prefix, new Options(Duration.ofSeconds(2), Duration.ofSeconds(1), sync),
                nanos -> { }, maxClients);
        try {
            if (warmup > 0) {
                load(store, plan, clients, rate, warmup, threads, seen);
            }
            long commandsBefore = commands(info);
            long callsBefore = store.calls();
            long cpuBefore = OS.getProcessCpuTime();
            long start = System.nanoTime();
            long requests = load(store, plan, clients, rate, seconds, threads, seen);
            double elapsed = (System.nanoTime() - start) / 1e9;
            // Measured before the close, which pushes what the next burst would have.
            long commands = commands(info) - commandsBefore;
            long calls = store.calls() - callsBefore;
            double cpu = (OS.getProcessCpuTime() - cpuBefore) / 1000.0 / requests;
            long heap = StoreFootprint.usedAfterGc() - heapBefore;
            int distinct = 0;
            for (int i = 0; i < clients; i++) {
                distinct += seen.get(i);
            }
            long kept = Math.min(distinct, maxClients);
            System.out.println(String.format(Locale.ROOT, "| %,d | %,d | %s | %.0f | %.3f | %.0f | %.3f | %.1f | %,d | %d |", clients, distinct,
                    sync, requests / elapsed, calls / (double) requests, calls / elapsed, commands / (double) requests, cpu, heap, heap / kept));
        } finally {
            store.close();
        }
    }

    /** {@code rate} requests a second of random clients for {@code seconds}, from {@code threads} threads; the requests sent. */
    private static long load(RedisBucketStore store, BucketPlan plan, int clients, int rate, int seconds, int threads,
                             AtomicIntegerArray seen) throws InterruptedException {
        LongAdder done = new LongAdder();
        long start = System.nanoTime();
        long end = start + seconds * 1_000_000_000L;
        long perThreadGapNanos = 1_000_000_000L * threads / rate;
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long offset = perThreadGapNanos * t / threads;
            Thread worker = new Thread(() -> {
                long next = start + offset;
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (next < end) {
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(wait);
                    }
                    int client = random.nextInt(clients);
                    seen.lazySet(client, 1);
                    store.tryConsume("client:" + client, plan);
                    done.increment();
                    next += perThreadGapNanos;
                }
            });
            workers.add(worker);
            worker.start();
        }
        for (Thread worker : workers) {
            worker.join();
        }
        return done.sum();
    }

    /**
     * Keys Redis read or wrote for the store so far, from {@code INFO commandstats}: the GETs (sent,
     * or run by a compare-and-swap script) and the {@code SET NX}s of the scripts that create a
     * bucket; without bursts' scripts over many keys, also the store's calls.
     */
    private static long commands(StatefulRedisConnection<String, String> info) {
        return CommandStats.calls(info.sync().info("commandstats"), "get", "set");
    }
}
