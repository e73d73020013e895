package dev.tollgate.ratelimit.redis;

import dev.tollgate.ratelimit.StoreFootprint;
import dev.tollgate.ratelimit.spi.BucketPlan;
import dev.tollgate.ratelimit.spi.SharedBucketStore.Options;
import dev.tollgate.ratelimit.spi.SyncMode;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The batched sync's bound at scale: {@code -Dnodes} nodes (stores of their own in this JVM, on one
 * Redis), each keeping at most {@code -DmaxClients} copies, and {@code -Dclients} clients that
 * each send {@code -Drequests} requests, one pass over all clients after the other, each pass
 * moving every client to the next node, from {@code -Dthreads} threads over disjoint clients, at
 * {@code -Drate} requests a second in all.
 * With the limit {@code -Dlimit} per hour and {@code -DsyncTokens} N, no client may be admitted
 * more than {@code limit + nodes * N}. Prints the most and the mean admitted per client, how many
 * clients went over the bound (must be 0) or under the limit, the rate, and each node's heap.
 * {@code java -Xmx8g -Dclients=1000000 -cp src/bench/target/benchmarks.jar
 * dev.tollgate.ratelimit.redis.BatchedSyncBound [host:port]}
 */
public final class BatchedSyncBound {

    private BatchedSyncBound() {
    }

    public static void main(String[] args) throws Exception {
        String uri = "redis://" + (args.length > 0 ? args[0] : "127.0.0.1:6379");
        int nodes = Integer.getInteger("nodes", 2);
        int clients = Integer.getInteger("clients", 1_000_000);
        int limit = Integer.getInteger("limit", 2);
        int syncTokens = Integer.getInteger("syncTokens", 1);
        int requests = Integer.getInteger("requests", limit + nodes * syncTokens + 2);
        int threads = Integer.getInteger("threads", 16);
        int maxClients = Integer.getInteger("maxClients", 100_000);
        // Requests a second from all threads together: a node's eviction pushes and reads must stay within what
        // Redis answers in the timeout (flat out, 16 threads swamp a Redis on the same 2 cores and open the circuit).
        int rate = Integer.getInteger("rate", 15_000);
        Duration interval = Duration.ofMillis(Long.getLong("intervalMillis", 10_000));
        BucketPlan plan = new BucketPlan("default", BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(limit).refillGreedy(limit, Duration.ofHours(1)).id("3600").build())
                .build(), limit + "/1h");
        String prefix = "tollgate-bound:" + System.nanoTime() + ":";
        long heapBefore = StoreFootprint.usedAfterGc();
        List<RedisBucketStore> stores = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
            stores.add(RedisBucketStore.create(uri, false, null, prefix, new Options(Duration.ofSeconds(2), Duration.ofSeconds(1),
                    SyncMode.batched(syncTokens, interval)), nanos -> { }, maxClients));
        }
        AtomicIntegerArray admitted = new AtomicIntegerArray(clients);
        LongAdder uncounted = new LongAdder();
        long start = System.nanoTime();
        for (int pass = 0; pass < requests; pass++) {
            int p = pass;
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int from = (int) ((long) clients * t / threads);
                int to = (int) ((long) clients * (t + 1) / threads);
                long gapNanos = 1_000_000_000L * threads / rate;
                long first = System.nanoTime() + gapNanos * t / threads;
                Thread worker = new Thread(() -> {
                    long next = first;
                    for (int c = from; c < to; c++) {
                        long wait = next - System.nanoTime();
                        if (wait > 0) {
                            java.util.concurrent.locks.LockSupport.parkNanos(wait);
                        }
                        next += gapNanos;
                        try {
                            ConsumptionProbe probe = stores.get((c + p) % nodes).tryConsume("client:" + c, plan);
                            if (probe.isConsumed()) {
                                admitted.incrementAndGet(c);
                            }
                        } catch (RuntimeException e) {
                            // The store did not answer in time: not counted, and said in the summary.
                            uncounted.increment();
                        }
                    }
                });
                workers.add(worker);
                worker.start();
            }
            for (Thread worker : workers) {
                worker.join();
            }
            System.out.printf(Locale.ROOT, "pass %d of %d done, %.0f s%n", pass + 1, requests, (System.nanoTime() - start) / 1e9);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long heap = StoreFootprint.usedAfterGc() - heapBefore;
        for (RedisBucketStore store : stores) {
            store.close();
        }
        int bound = limit + nodes * syncTokens;
        int most = 0;
        int over = 0;
        int under = 0;
        long total = 0;
        for (int c = 0; c < clients; c++) {
            int n = admitted.get(c);
            most = Math.max(most, n);
            total += n;
            over += n > bound ? 1 : 0;
            under += n < limit ? 1 : 0;
        }
        System.out.printf(Locale.ROOT, "%,d req/s asked for; %d nodes keeping %,d copies each, %,d clients, %d requests each (%,d in all) in %.0f s (%.0f req/s); "
                        + "limit %d, N %d, bound %d: most admitted %d, mean %.3f, clients over the bound %d, under the limit %d, decisions failed %d; "
                        + "heap of the %d stores after the run %,d B (%,d B per kept copy)%n",
                rate, nodes, maxClients, clients, requests, (long) clients * requests, seconds, clients * (double) requests / seconds,
                limit, syncTokens, bound, most, total / (double) clients, over, under, uncounted.sum(), nodes, heap,
                heap / ((long) nodes * Math.min(clients, maxClients)));
    }
}
