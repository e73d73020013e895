package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Redis fails while traffic flows: an application on Jetty and one on Tomcat share a redis-server
 * that this test starts, kills (SIGKILL), stops (SIGTERM), pauses ({@code CLIENT PAUSE}) or blocks
 * ({@code DEBUG SLEEP}) under load from {@value #THREADS} client threads, and then brings back. Each
 * application has one rate-limit filter per outage behaviour ({@code src/test/webapps/redis-fault}):
 * {@code /allow/*}, {@code /reject/*}, {@code /local/*}, each {@value #LIMIT}/1h per {@code X-Client},
 * {@code redis-timeout} {@value #TIMEOUT_MS} ms, {@code redis-probe-interval} {@value #PROBE_MS} ms.
 *
 * <p>Checked each time: no request waits longer than the timeout plus {@value #MARGIN_MS} ms; while
 * Redis is away {@code allow} passes uncounted, {@code reject} answers 503 in the error format with
 * {@code Retry-After}, {@code local} limits per node; each filter logs one WARN when Redis goes away
 * and one when it is back; limiting through Redis resumes within about one probe interval; then the
 * shared limit holds exactly again, with no restart.
 *
 * <p>The javax build runs the pause under load only, where every request thread waits on Redis
 * until its timeout: the other outages differ in what Redis and Lettuce do, not in what the
 * container does ({@link Tags#CONTAINER_INDEPENDENT}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisFaultIT {

    static final int THREADS = 16;
    static final int LIMIT = 20;
    static final long TIMEOUT_MS = 200;
    static final long PROBE_MS = 500;
    /** Room for a loaded 2-core machine running two containers and the load in one JVM. */
    static final long MARGIN_MS = 800;
    /** Redis answering again to limiting through it again: one probe interval, plus room. */
    static final long RECOVERY_BOUND_MS = PROBE_MS + 1000;
    static final String[] MODES = {"allow", "reject", "local"};
    static final int FILTERS = MODES.length * 2;

    private final List<EmbeddedContainer> containers = List.of(EmbeddedContainer.jetty(), EmbeddedContainer.tomcat());
    private final AtomicLong clients = new AtomicLong();
    private RedisServerProcess redis;
    private LogCapture breakerLog;

    enum Fault { KILL, TERM, PAUSE, SLEEP }

    /** One request of the load: when it ran and what came back. */
    record Sample(long start, long end, String mode, int container, int status, String limitHeader, String retryAfter,
                  String requestId, String bodyRequestId, String error) {
        long millis() {
            return (end - start) / 1_000_000;
        }
    }

    @BeforeAll
    void start() throws Exception {
        redis = RedisServerProcess.start();
        Path webapp = WebappTemplate.fill("redis-fault", Map.of("REDIS_URI", redis.uri()));
        for (EmbeddedContainer c : containers) {
            c.start(webapp);
        }
        breakerLog = new LogCapture("dev.tollgate.ratelimit.spi.CircuitBreaker");
    }

    @AfterAll
    void stop() throws Exception {
        breakerLog.close();
        for (EmbeddedContainer c : containers) {
            c.close();
        }
        redis.close();
    }

    @Test
    @Tag(Tags.CONTAINER_INDEPENDENT)
    void shouldHonourEachOutageBehaviourWhenRedisIsKilledUnderLoad() throws Exception {
        outage(Fault.KILL);
    }

    @Test
    @Tag(Tags.CONTAINER_INDEPENDENT)
    void shouldHonourEachOutageBehaviourWhenRedisIsStoppedUnderLoad() throws Exception {
        outage(Fault.TERM);
    }

    @Test
    void shouldHonourEachOutageBehaviourWhenRedisIsPausedUnderLoad() throws Exception {
        outage(Fault.PAUSE);
    }

    @Test
    @Tag(Tags.CONTAINER_INDEPENDENT)
    void shouldHonourEachOutageBehaviourWhenRedisAnswersSlowerThanTheTimeout() throws Exception {
        outage(Fault.SLEEP);
    }

    @Test
    @Tag(Tags.CONTAINER_INDEPENDENT)
    void shouldResumeWithinAboutOneProbeIntervalAfterALongOutage() throws Exception {
        // Long enough to tell: an uncapped exponential delay (doubling from 1 ms) tries at about 8.2 s, then 16.4 s,
        // into an outage, so after 10 s the next try is over 6 s away (recovery took 13.7 s after a 20 s outage).
        long seconds = Long.getLong("tollgate.test.long-outage-seconds", 10);
        awaitCountingThroughRedis();
        redis.stop(true);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            for (EmbeddedContainer c : containers) {
                Http.Response r = Http.get(c.port(), "/reject/x", "X-Client: long-" + clients.incrementAndGet());
                assertEquals(503, r.status(), r::toString);
            }
            Thread.sleep(200);
        }
        redis.startAgain();
        long restored = System.nanoTime();
        long recovered = awaitCountingThroughRedis();
        long millis = (recovered - restored) / 1_000_000;
        System.out.printf("Redis away %d s: limiting through Redis resumed %d ms after it answered again%n", seconds, millis);
        assertTrue(millis <= RECOVERY_BOUND_MS, "resumed after " + millis + " ms");
        assertSharedLimitHolds();
    }

    private void outage(Fault fault) throws Exception {
        awaitCountingThroughRedis();
        int logMark = breakerLog.events().size();
        List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch done = new CountDownLatch(THREADS);
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            Thread loader = new Thread(() -> {
                try {
                    for (int i = thread; running.get(); i += THREADS) {
                        samples.add(request(MODES[i % 3], (i / 3) % 2, "load-" + clients.incrementAndGet()));
                    }
                } catch (IOException e) {
                    samples.add(new Sample(0, 0, "io", -1, -1, null, null, null, null, e.toString()));
                } finally {
                    done.countDown();
                }
            }, "fault-load-" + t);
            loader.setDaemon(true);
            loader.start();
        }
        Thread.sleep(1000);

        long faultStart = System.nanoTime();
        Process blocker = apply(fault);
        long faultApplied = System.nanoTime();
        Thread.sleep(TIMEOUT_MS + 100);
        List<Integer> perNode = new ArrayList<>();
        for (int c = 0; c < containers.size(); c++) {
            String client = "local-node-" + clients.incrementAndGet();
            int allowed = 0;
            for (int i = 0; i < LIMIT + 3; i++) {
                Sample s = request("local", c, client);
                assertTrue(s.status() == 200 || s.status() == 429, s::toString);
                allowed += s.status() == 200 ? 1 : 0;
            }
            perNode.add(allowed);
        }
        long outageLeft = TimeUnit.SECONDS.toNanos(3) - (System.nanoTime() - faultStart);
        if (outageLeft > 0) {
            Thread.sleep(TimeUnit.NANOSECONDS.toMillis(outageLeft));
        }
        long restoreStart = System.nanoTime();
        long restored = restore(fault, blocker, faultStart);
        Thread.sleep(3000);
        running.set(false);
        assertTrue(done.await(30, TimeUnit.SECONDS), "load threads ended");

        List<Sample> all;
        synchronized (samples) {
            all = List.copyOf(samples);
        }
        assertTrue(all.stream().noneMatch(s -> s.status() < 0), () -> "I/O failures: "
                + all.stream().filter(s -> s.status() < 0).limit(3).toList());
        long[] millis = all.stream().mapToLong(Sample::millis).sorted().toArray();
        long p99 = millis[(int) Math.min(millis.length - 1, Math.ceil(millis.length * 0.99) - 1)];
        long max = millis[millis.length - 1];
        long recoveredAt = lastOutageAnswer(all, restored);
        System.out.printf("Redis %s under load: %d requests, p99 %d ms, max %d ms; local limit per node while away %s; "
                        + "limiting through Redis resumed %d ms after it answered again%n",
                fault, all.size(), p99, max, perNode, (recoveredAt - restored) / 1_000_000);
        assertTrue(max <= TIMEOUT_MS + MARGIN_MS, "slowest request took " + max + " ms");

        List<Sample> away = all.stream().filter(s -> s.start() > faultApplied && s.end() < restoreStart).toList();
        for (String mode : MODES) {
            assertTrue(away.stream().anyMatch(s -> s.mode().equals(mode)), "requests to /" + mode + " while Redis was away");
        }
        for (Sample s : away) {
            switch (s.mode()) {
                case "allow" -> {
                    assertEquals(200, s.status(), s::toString);
                    assertNull(s.limitHeader(), () -> "allow passes uncounted: " + s);
                }
                case "reject" -> {
                    assertEquals(503, s.status(), s::toString);
                    assertEquals("1", s.retryAfter(), () -> "the probe interval, rounded up: " + s);
                    assertEquals("Service unavailable", s.error(), s::toString);
                    assertEquals(s.requestId(), s.bodyRequestId(), s::toString);
                }
                default -> {
                    assertTrue(s.status() == 200 || s.status() == 429, s::toString);
                    assertEquals(String.valueOf(LIMIT), s.limitHeader(), s::toString);
                }
            }
        }
        assertEquals(List.of(LIMIT, LIMIT), perNode, "while Redis is away, local limits each node on its own");

        assertTrue((recoveredAt - restored) / 1_000_000 <= RECOVERY_BOUND_MS,
                "limiting through Redis resumed " + (recoveredAt - restored) / 1_000_000 + " ms after Redis was back");
        awaitCountingThroughRedis();
        assertOneWarnPerOutageAndRecovery(breakerLog.events().subList(logMark, breakerLog.events().size()));
        assertSharedLimitHolds();
    }

    /**
     * Per filter (its node, told by the thread that logged, and its keys): WARNs alternate between
     * "unavailable" and "answers again", starting and ending the right way, at least one outage. A
     * request that times out right after the recovery on a loaded machine is a second, real outage;
     * a second "unavailable" without a recovery between would be a log line per request.
     */
    private static void assertOneWarnPerOutageAndRecovery(List<ch.qos.logback.classic.spi.ILoggingEvent> events) {
        Map<String, List<String>> byFilter = new java.util.TreeMap<>();
        for (ch.qos.logback.classic.spi.ILoggingEvent e : events) {
            if (e.getLevel() != Level.WARN) {
                continue;
            }
            String message = e.getFormattedMessage();
            if (Boolean.getBoolean("tollgate.test.print-warns")) {
                System.out.println("WARN " + e.getTimeStamp() % 100000 + " " + e.getThreadName() + " " + message);
            }
            String node = e.getThreadName().startsWith("http-nio") ? "tomcat" : "jetty";
            String keys = message.substring(message.indexOf("(keys "), message.indexOf(')', message.indexOf("(keys ")) + 1);
            byFilter.computeIfAbsent(node + " " + keys, k -> new ArrayList<>())
                    .add(message.contains("answers again") ? "back" : message.contains("unavailable") ? "away" : message);
        }
        assertEquals(FILTERS, byFilter.size(), () -> "every filter logged: " + byFilter);
        byFilter.forEach((filter, warns) -> {
            assertTrue(warns.size() >= 2 && warns.size() % 2 == 0, () -> filter + ": " + warns);
            for (int i = 0; i < warns.size(); i++) {
                assertEquals(i % 2 == 0 ? "away" : "back", warns.get(i), () -> filter + ": " + warns);
            }
        });
        long outages = byFilter.values().stream().mapToLong(w -> w.size() / 2).sum();
        System.out.printf("outage WARNs: %d filters, %d outages logged (one each, plus %d brief timeouts after recovery)%n",
                byFilter.size(), outages, outages - FILTERS);
    }

    /** Starts the fault; for DEBUG SLEEP, the redis-cli process that blocks Redis until it returns. */
    private Process apply(Fault fault) throws Exception {
        switch (fault) {
            case KILL -> redis.stop(true);
            case TERM -> redis.stop(false);
            case PAUSE -> command(c -> c.sync().clientPause(3000));
            default -> {
                Process sleep = new ProcessBuilder("redis-cli", "-p", String.valueOf(redis.port()), "DEBUG", "SLEEP", "3")
                        .redirectErrorStream(true).start();
                while (redis.answers(50)) {
                    Thread.sleep(5);
                }
                return sleep;
            }
        }
        return null;
    }

    /** Ends the fault; returns when Redis answers again. */
    private long restore(Fault fault, Process blocker, long faultStart) throws Exception {
        switch (fault) {
            case KILL, TERM -> redis.startAgain();
            case PAUSE -> {
                long left = TimeUnit.SECONDS.toNanos(3) - (System.nanoTime() - faultStart);
                Thread.sleep(Math.max(0, TimeUnit.NANOSECONDS.toMillis(left)));
            }
            default -> {
                assertTrue(blocker.waitFor(10, TimeUnit.SECONDS), "DEBUG SLEEP returned");
                assertEquals("OK", new String(blocker.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip());
            }
        }
        return System.nanoTime();
    }

    private void command(java.util.function.Consumer<StatefulRedisConnection<String, String>> command) {
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> connection = client.connect()) {
            connection.setTimeout(Duration.ofSeconds(10));
            command.accept(connection);
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    /** When the last 503 of the reject filters ended, on either container, after {@code restored}. */
    private static long lastOutageAnswer(List<Sample> samples, long restored) {
        return samples.stream().filter(s -> s.mode().equals("reject") && s.status() == 503 && s.end() > restored)
                .mapToLong(Sample::end).max().orElse(restored);
    }

    private Sample request(String mode, int container, String client) throws IOException {
        long start = System.nanoTime();
        Http.Response r = Http.get(containers.get(container).port(), "/" + mode + "/x", "X-Client: " + client);
        long end = System.nanoTime();
        String bodyId = null;
        String error = null;
        if (r.status() == 503) {
            bodyId = r.json().path("request_id").asText(null);
            error = r.json().path("error").asText(null);
        }
        return new Sample(start, end, mode, container, r.status(), r.header("X-Throttle-Limit"), r.header("Retry-After"),
                r.header("X-Request-ID"), bodyId, error);
    }

    /**
     * Waits until every filter on both containers counts through Redis again (a fresh client's
     * first request leaves its bucket in Redis); returns when the last did.
     */
    private long awaitCountingThroughRedis() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (String mode : MODES) {
            for (int c = 0; c < containers.size(); c++) {
                while (true) {
                    String client = "probe-" + clients.incrementAndGet();
                    Sample s = request(mode, c, client);
                    if (s.status() == 200 && !keys("fault-" + mode + ":*" + client + "*").isEmpty()) {
                        break;
                    }
                    assertTrue(System.nanoTime() < deadline, "/" + mode + " on " + containers.get(c).name()
                            + " does not count through Redis: " + s);
                    Thread.sleep(20);
                }
            }
        }
        return System.nanoTime();
    }

    private List<String> keys(String pattern) {
        List<List<String>> found = new ArrayList<>();
        command(c -> found.add(c.sync().keys(pattern)));
        return found.get(0);
    }

    /** A fresh client alternating between the two containers gets exactly the limit, per filter. */
    private void assertSharedLimitHolds() throws IOException {
        for (String mode : MODES) {
            String client = "shared-" + clients.incrementAndGet();
            int allowed = 0;
            for (int i = 0; i < LIMIT * 2; i++) {
                Sample s = request(mode, i % 2, client);
                assertNotNull(s.limitHeader(), s::toString);
                allowed += s.status() == 200 ? 1 : 0;
            }
            assertEquals(LIMIT, allowed, "/" + mode + ": one limit across both nodes");
        }
    }
}
