package dev.tollgate.ratelimit;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * The local store's heap per tracked client, and its total at the configured bound, after one
 * million distinct client IPs went through it. Run with a fixed heap, e.g.
 * {@code java -Xmx1g -cp src/bench/target/benchmarks.jar dev.tollgate.ratelimit.StoreFootprint}.
 */
public final class StoreFootprint {

    private StoreFootprint() {
    }

    public static void main(String[] args) throws Exception {
        int bound = args.length > 0 ? Integer.parseInt(args[0]) : LocalBucketStore.DEFAULT_MAX_CLIENTS;
        int clients = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        Plans plans = Plans.of(Limits.parse("100/1m, 5000/1d"));
        Plan plan = plans.defaultPlan();
        long before = usedAfterGc();
        LocalBucketStore store = LocalBucketStore.create(plans, bound);
        long maxTracked = 0;
        for (int i = 0; i < clients; i++) {
            String ip = "ip:" + (10 + (i >>> 24)) + "." + (i >>> 16 & 255) + "." + (i >>> 8 & 255) + "." + (i & 255);
            store.tryConsume(ip, plan.bucketPlan());
            if ((i & 0xFFFF) == 0) {
                maxTracked = Math.max(maxTracked, store.trackedClients());
            }
        }
        long tracked = store.trackedClients();
        long after = usedAfterGc();
        long total = after - before;
        System.out.printf("%,d distinct clients through a local store bounded at %,d (limits %s):%n", clients, bound, plan.limits());
        System.out.printf("  tracked now %,d (most seen while filling %,d)%n", tracked, Math.max(maxTracked, tracked));
        System.out.printf("  heap held by the store %,d bytes = %.0f bytes per tracked client%n", total, total / (double) tracked);
        // Keep the store reachable until measured.
        if (store.trackedClients() < 0) {
            System.out.println(store);
        }
    }

    /** The heap in use after a few collections (the least seen): what live objects hold. */
    public static long usedAfterGc() throws InterruptedException {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
