package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * One limit on a Redis Cluster: three masters with a replica each ({@link RedisClusterProcesses}),
 * an application on Jetty and one on Tomcat with {@code redis-mode=cluster}
 * ({@code src/test/webapps/redis-cluster}: {@value #LIMIT}/1h per {@code X-Client},
 * {@code redis-timeout} {@value #TIMEOUT_MS} ms, {@code on-store-failure=reject}). Clients spread
 * over the slots of every master and each gets exactly its limit; when a master is killed, requests
 * get the outage behaviour without waiting, and limiting through the cluster resumes once its
 * replica has taken over. When both applications stop, none of the cluster clients' threads is left.
 *
 * <p>Main build only (the javax build leaves it out): it tests the Redis client, which the javax
 * transform does not touch, and six Redis processes are worth starting once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisClusterIT {

    static final int LIMIT = 20;
    static final long TIMEOUT_MS = 500;
    /** Room for a loaded 2-core machine running two containers, six Redis processes and the load. */
    static final long MARGIN_MS = 800;
    static final String PREFIX = "tollgate-test-RedisClusterIT:";

    private final List<EmbeddedContainer> containers = List.of(EmbeddedContainer.jetty(), EmbeddedContainer.tomcat());
    private final AtomicInteger clients = new AtomicInteger();
    private RedisClusterProcesses cluster;
    /** Redis client threads of other tests that this JVM ran before, which are not this test's to judge. */
    private Set<Thread> earlierRedisThreads;
    private boolean containersStopped;

    @BeforeAll
    void start() throws Exception {
        earlierRedisThreads = redisThreads();
        long started = System.nanoTime();
        cluster = RedisClusterProcesses.start();
        System.out.printf("Redis Cluster of 6 nodes up in %d ms%n", (System.nanoTime() - started) / 1_000_000);
        Path webapp = WebappTemplate.fill("redis-cluster", Map.of("REDIS_URI", cluster.uri(), "PREFIX", PREFIX));
        for (EmbeddedContainer c : containers) {
            c.start(webapp);
        }
        SharedLimitLoad.awaitCounting(containers, "/limit/x", LIMIT);
    }

    @AfterAll
    void stop() throws Exception {
        stopContainers();
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void shouldSpreadClientsOverEveryMasterAndGiveEachExactlyItsLimitAcrossJettyAndTomcat() throws Exception {
        List<String> names = newClients(60);
        Map<String, Integer> allowed = SharedLimitLoad.allowedPerClient(containers, "/limit/x", names, LIMIT + 5, 8);
        assertEquals(SharedLimitLoad.each(names, LIMIT), allowed);

        List<RedisServerProcess> masters = cluster.masters();
        assertEquals(RedisClusterProcesses.MASTERS, masters.size());
        Set<Long> slots = new TreeSet<>();
        for (RedisServerProcess master : masters) {
            List<String> keys = RedisClusterProcesses.on(master, c -> c.keys(PREFIX + "*"));
            assertTrue(keys.stream().anyMatch(k -> k.contains(":header:")), "buckets on the master at " + master.port() + ": " + keys);
            for (String key : keys) {
                slots.add(RedisClusterProcesses.on(master, c -> c.clusterKeyslot(key)));
            }
        }
        assertTrue(slots.size() > 30, "buckets in many slots: " + slots.size());
    }

    @Test
    @Order(2)
    void shouldHoldTheBatchedBoundAndSendEveryBucketToItsSlotsMaster() throws Exception {
        List<String> names = newClients(60);
        Map<String, Integer> allowed = SharedLimitLoad.allowedPerClient(containers, "/batched/x", names, LIMIT + 10, 8);
        // Two nodes, 3 sync-tokens each.
        allowed.forEach((client, n) -> assertTrue(n >= LIMIT && n <= LIMIT + 2 * 3,
                client + " got " + n + ", the limit is " + LIMIT + " + 2 nodes * 3"));
        // Within a few bursts every bucket is on the master of its slot, whichever node counted it.
        Set<Long> slots = new TreeSet<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        int found = 0;
        Set<Integer> mastersWithBuckets = new TreeSet<>();
        while (found < names.size() && System.nanoTime() < deadline) {
            slots.clear();
            mastersWithBuckets.clear();
            found = 0;
            for (RedisServerProcess master : cluster.masters()) {
                List<String> keys = RedisClusterProcesses.on(master, c -> c.keys(PREFIX + "batched:*header:*"));
                if (!keys.isEmpty()) {
                    mastersWithBuckets.add(master.port());
                }
                found += keys.size();
                for (String key : keys) {
                    slots.add(RedisClusterProcesses.on(master, c -> c.clusterKeyslot(key)));
                }
            }
            Thread.sleep(found < names.size() ? 100 : 0);
        }
        assertEquals(names.size(), found, "one bucket per client in the cluster");
        assertEquals(RedisClusterProcesses.MASTERS, mastersWithBuckets.size(), "batched buckets on every master: " + mastersWithBuckets);
        assertTrue(slots.size() > 30, "buckets in many slots: " + slots.size());
    }

    @Test
    @Order(3)
    void shouldGiveTheOutageBehaviourWhileAMasterFailsOverAndLimitAgainAfter() throws Exception {
        RedisServerProcess victim = cluster.masters().get(0);
        // Clients whose buckets live on the master that is killed, and others.
        List<String> names = newClients(30);
        SharedLimitLoad.allowedPerClient(containers, "/limit/x", names, 1, 4);
        List<String> onVictim = RedisClusterProcesses.on(victim, c -> c.keys(PREFIX + "*")).stream()
                .filter(k -> names.stream().anyMatch(n -> k.endsWith(":header:" + n)))
                .map(k -> k.substring(k.lastIndexOf(':') + 1)).toList();
        assertTrue(!onVictim.isEmpty(), "some of the clients live on the master that is killed");

        List<long[]> timings = Collections.synchronizedList(new ArrayList<>());
        List<String> unexpected = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger rejected = new AtomicInteger();
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch done = new CountDownLatch(4);
        for (int t = 0; t < 4; t++) {
            int thread = t;
            Thread loader = new Thread(() -> {
                try {
                    for (int i = thread; running.get(); i += 4) {
                        EmbeddedContainer c = containers.get(i % 2);
                        long start = System.nanoTime();
                        Http.Response r = Http.get(c.port(), "/limit/x", "X-Client: " + onVictim.get(i % onVictim.size()));
                        timings.add(new long[] {start, System.nanoTime()});
                        if (r.status() == 503) {
                            rejected.incrementAndGet();
                            if (!"1".equals(r.header("Retry-After")) || !"Service unavailable".equals(r.json().path("error").asText())) {
                                unexpected.add(r.toString());
                            }
                        } else if (r.status() != 200 && r.status() != 429) {
                            unexpected.add(r.toString());
                        }
                    }
                } catch (Exception e) {
                    unexpected.add(e.toString());
                } finally {
                    done.countDown();
                }
            }, "cluster-load-" + t);
            loader.setDaemon(true);
            loader.start();
        }
        Thread.sleep(500);
        long killed = System.nanoTime();
        victim.stop(true);
        cluster.awaitHealthy(java.time.Duration.ofSeconds(30));
        long failedOver = System.nanoTime();
        long resumed = awaitCountingThroughCluster(onVictim);
        running.set(false);
        assertTrue(done.await(30, TimeUnit.SECONDS), "load threads ended");

        long slowest = timings.stream().mapToLong(s -> (s[1] - s[0]) / 1_000_000).max().orElse(0);
        System.out.printf("Redis Cluster master killed: %d requests, %d answered 503, slowest %d ms; replica took over after %d ms, "
                        + "limiting through the cluster resumed %d ms after that%n", timings.size(), rejected.get(), slowest,
                (failedOver - killed) / 1_000_000, (resumed - failedOver) / 1_000_000);
        assertEquals(List.of(), unexpected);
        assertTrue(rejected.get() > 0, "requests for the killed master's slots got the outage behaviour");
        assertTrue(slowest <= TIMEOUT_MS + MARGIN_MS, "slowest request took " + slowest + " ms");

        List<String> fresh = newClients(20);
        assertEquals(SharedLimitLoad.each(fresh, LIMIT), SharedLimitLoad.allowedPerClient(containers, "/limit/x", fresh, LIMIT + 5, 8),
                "the limit holds exactly again after the failover");
    }

    @Test
    @Order(4)
    void shouldLeaveNoRedisClientThreadsWhenBothApplicationsStop() throws Exception {
        assertTrue(redisThreads().size() > earlierRedisThreads.size(), "the cluster clients run their own threads");
        stopContainers();
        Set<Thread> left = redisThreads();
        left.removeAll(earlierRedisThreads);
        assertEquals(Set.of(), left, "threads of the cluster clients still running after both applications stopped");
    }

    private static Set<Thread> redisThreads() {
        Set<Thread> threads = new java.util.HashSet<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.isAlive() && t.getName().startsWith("tollgate-redis-")) {
                threads.add(t);
            }
        }
        return threads;
    }

    private void stopContainers() throws Exception {
        if (!containersStopped) {
            containersStopped = true;
            for (EmbeddedContainer c : containers) {
                c.close();
            }
        }
    }

    /**
     * Waits until every client of {@code onVictim} is counted through the cluster again on each
     * container (a 200 or 429, where the outage behaviour answers 503); returns when.
     */
    private long awaitCountingThroughCluster(List<String> onVictim) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (EmbeddedContainer c : containers) {
                for (String client : onVictim) {
                    all &= Http.get(c.port(), "/limit/x", "X-Client: " + client).status() != 503;
                }
            }
            if (all) {
                return System.nanoTime();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("limiting through the cluster did not resume within 60 s");
    }

    private List<String> newClients(int n) {
        return IntStream.range(0, n).mapToObj(i -> "c" + clients.incrementAndGet()).toList();
    }
}
