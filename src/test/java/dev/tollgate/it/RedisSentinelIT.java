package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Redis store through Sentinel: a master and a Sentinel watching it (quorum 1), both started by
 * the test, and an application on Jetty and one on Tomcat whose {@code redis-uri} is
 * {@code redis-sentinel://127.0.0.1:<sentinel port>/0#tollgate} ({@code src/test/webapps/redis-sentinel}):
 * the Sentinel names the master, and one exact limit holds across both.
 *
 * <p>Main build only (the javax build leaves it out): it tests the Redis client, which the javax
 * transform does not touch.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisSentinelIT {

    static final int LIMIT = 20;
    static final String PREFIX = "tollgate-test-RedisSentinelIT:";

    private final List<EmbeddedContainer> containers = List.of(EmbeddedContainer.jetty(), EmbeddedContainer.tomcat());
    private RedisServerProcess master;
    private RedisServerProcess sentinel;

    @BeforeAll
    void start() throws Exception {
        master = RedisServerProcess.start();
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
        if (master != null) {
            master.close();
        }
    }

    @Test
    void shouldFindTheMasterThroughSentinelAndHoldOneExactLimitAcrossJettyAndTomcat() throws Exception {
        List<String> names = IntStream.range(0, 10).mapToObj(i -> "sentinel-" + i).toList();
        assertEquals(SharedLimitLoad.each(names, LIMIT), SharedLimitLoad.allowedPerClient(containers, "/limit/x", names, LIMIT + 5, 8));
        List<String> keys = RedisClusterProcesses.on(master, c -> c.keys(PREFIX + "*"));
        assertTrue(keys.contains(PREFIX + "limit:default:header:sentinel-0"), () -> "the buckets are on the master: " + keys);
    }
}
