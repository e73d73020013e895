package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
 * The Redis store through Sentinel: a master, its replica and a Sentinel watching them (quorum 1), started by
 * the test, and an application on Jetty and one on Tomcat whose {@code redis-uri} is
 * {@code redis-sentinel://127.0.0.1:<sentinel port>/0#tollgate} ({@code src/test/webapps/redis-sentinel}):
 * the Sentinel names the master, and one exact limit holds across both. When the master is killed,
 * requests get the outage behaviour at once until the Sentinel has promoted the replica, and then
 * the limit holds exactly again on the new master.
 *
 * <p>Main build only (the javax build leaves it out): it tests the Redis client, which the javax
 * transform does not touch.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisSentinelIT {

    static final int LIMIT = 20;
    static final String PREFIX = "tollgate-test-RedisSentinelIT:";

    private final List<EmbeddedContainer> containers = List.of(EmbeddedContainer.jetty(), EmbeddedContainer.tomcat());
    static final long TIMEOUT_MS = 500;
    /** Room for a loaded 2-core machine running two containers and the load in one JVM. */
    static final long MARGIN_MS = 800;

    private final AtomicInteger clients = new AtomicInteger();
    private RedisServerProcess master;
    private RedisServerProcess replica;
    private RedisServerProcess sentinel;

    @BeforeAll
    void start() throws Exception {
        master = RedisServerProcess.start();
        replica = RedisServerProcess.start(List.of("--replicaof", "127.0.0.1", String.valueOf(master.port())));
        awaitReplicaLinkUp();
        sentinel = RedisServerProcess.startSentinel("tollgate", master);
        Path webapp = WebappTemplate.fill("redis-sentinel", Map.of(
                "REDIS_URI", "redis-sentinel://127.0.0.1:" + sentinel.port() + "/0#tollgate", "PREFIX", PREFIX));
        for (EmbeddedContainer c : containers) {
            c.start(webapp);
        }
        SharedLimitLoad.awaitCounting(containers, "/limit/x", LIMIT);
    }

    @AfterAll
    void stop() throws Exception {
        for (EmbeddedContainer c : containers) {
            c.close();
        }
        if (sentinel != null) {
            sentinel.close();
        }
        if (replica != null) {
            replica.close();
        }
        if (master != null) {
            master.close();
        }
    }

    @Test
    @Order(1)
    void shouldFindTheMasterThroughSentinelAndHoldOneExactLimitAcrossJettyAndTomcat() throws Exception {
        List<String> names = IntStream.range(0, 10).mapToObj(i -> "sentinel-" + i).toList();
        assertEquals(SharedLimitLoad.each(names, LIMIT), SharedLimitLoad.allowedPerClient(containers, "/limit/x", names, LIMIT + 5, 8));
        List<String> keys = RedisClusterProcesses.on(master, c -> c.keys(PREFIX + "*"));
        assertTrue(keys.contains(PREFIX + "limit:default:header:sentinel-0"), () -> "the buckets are on the master: " + keys);
    }

    @Test
    @Order(2)
    void shouldGiveTheOutageBehaviourUntilTheSentinelPromotesTheReplicaAndLimitAgainAfter() throws Exception {
        long killed = System.nanoTime();
        master.stop(true);
        long slowest = 0;
        int rejected = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!promoted()) {
            assertTrue(System.nanoTime() < deadline, "the Sentinel promotes the replica within 60 s");
            for (EmbeddedContainer c : containers) {
                long start = System.nanoTime();
                Http.Response r = Http.get(c.port(), "/limit/x", "X-Client: failover-" + clients.incrementAndGet());
                slowest = Math.max(slowest, (System.nanoTime() - start) / 1_000_000);
                assertTrue(r.status() == 503 || r.status() == 200, () -> c.name() + ": " + r);
                rejected += r.status() == 503 ? 1 : 0;
            }
            Thread.sleep(50);
        }
        long promoted = System.nanoTime();
        SharedLimitLoad.awaitCounting(containers, "/limit/x", LIMIT);
        long resumed = System.nanoTime();
        System.out.printf("Sentinel: master killed, %d requests answered 503, slowest %d ms; replica promoted after %d ms, "
                        + "limiting through it resumed %d ms after that%n", rejected, slowest,
                (promoted - killed) / 1_000_000, (resumed - promoted) / 1_000_000);
        assertTrue(rejected > 0, "requests while the master was away got the outage behaviour");
        assertTrue(slowest <= TIMEOUT_MS + MARGIN_MS, "slowest request took " + slowest + " ms");

        List<String> names = IntStream.range(0, 10).mapToObj(i -> "after-failover-" + i).toList();
        assertEquals(SharedLimitLoad.each(names, LIMIT), SharedLimitLoad.allowedPerClient(containers, "/limit/x", names, LIMIT + 5, 8));
        List<String> keys = RedisClusterProcesses.on(replica, c -> c.keys(PREFIX + "*"));
        assertTrue(keys.contains(PREFIX + "limit:default:header:after-failover-0"), () -> "the buckets are on the new master: " + keys);
    }

    /** Whether the Sentinel names the replica as the master now. */
    private boolean promoted() {
        return RedisClusterProcesses.on(sentinel, c -> c.dispatch(io.lettuce.core.protocol.CommandType.SENTINEL,
                new io.lettuce.core.output.ValueListOutput<>(io.lettuce.core.codec.StringCodec.UTF8),
                new io.lettuce.core.protocol.CommandArgs<>(io.lettuce.core.codec.StringCodec.UTF8)
                        .add("get-master-addr-by-name").add("tollgate")))
                .contains(String.valueOf(replica.port()));
    }

    private void awaitReplicaLinkUp() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!RedisClusterProcesses.on(replica, c -> c.info("replication")).contains("master_link_status:up")) {
            assertTrue(System.nanoTime() < deadline, "the replica is in sync within 30 s");
            Thread.sleep(50);
        }
    }
}
