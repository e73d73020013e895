package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Redis store over TLS: a {@code redis-server} that speaks only TLS, with a certificate for
 * {@code 127.0.0.1} from a CA made by the test ({@link ThrowawayCertificates}), and an application
 * on Jetty and one on Tomcat ({@code src/test/webapps/redis-tls}). {@code /limit/*} connects with
 * {@code rediss://} and {@code redis-ca-file} set to that CA: one exact limit across both. {@code
 * /jvm-trust/*} uses the JVM's trust store, which does not know the CA: the peer is verified, so it
 * never connects, answers with the outage behaviour at once and says why in one WARN line; so does
 * {@code /wrong-host/*}, which trusts the CA but names the server {@code localhost}, a host the
 * certificate (for {@code 127.0.0.1}) is not for.
 *
 * <p>Main build only (the javax build leaves it out): it tests the Redis client, which the javax
 * transform does not touch.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RedisTlsIT {

    static final int LIMIT = 20;
    static final long TIMEOUT_MS = 500;
    static final long MARGIN_MS = 800;
    static final String PREFIX = "tollgate-test-RedisTlsIT:";

    private final List<EmbeddedContainer> containers = List.of(EmbeddedContainer.jetty(), EmbeddedContainer.tomcat());
    private final AtomicInteger clients = new AtomicInteger();
    private RedisServerProcess redis;
    private LogCapture storeLog;

    @BeforeAll
    void start() throws Exception {
        ThrowawayCertificates certificates = ThrowawayCertificates.make();
        redis = RedisServerProcess.startTls(certificates.cert(), certificates.key(), certificates.ca());
        storeLog = new LogCapture("dev.tollgate.ratelimit.redis.RedisBucketStore");
        Path webapp = WebappTemplate.fill("redis-tls", Map.of("REDIS_URI", "rediss://127.0.0.1:" + redis.port(),
                "CA_FILE", certificates.ca().toString(), "PREFIX", PREFIX,
                "WRONG_HOST_URI", "rediss://localhost:" + redis.port()));
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
        if (storeLog != null) {
            storeLog.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void shouldHoldOneExactLimitAcrossJettyAndTomcatOverTls() throws Exception {
        List<String> names = IntStream.range(0, 10).mapToObj(i -> "tls-" + clients.incrementAndGet()).toList();
        assertEquals(SharedLimitLoad.each(names, LIMIT), SharedLimitLoad.allowedPerClient(containers, "/limit/x", names, LIMIT + 5, 8));
    }

    @Test
    void shouldGiveTheOutageBehaviourAtOnceAndSayTlsWhenTheServerIsNotTrusted() throws Exception {
        assertOutageWithOneTlsWarn("jvm-trust");
    }

    @Test
    void shouldVerifyTheServersHostNameAgainstItsCertificate() throws Exception {
        assertOutageWithOneTlsWarn("wrong-host");
    }

    private void assertOutageWithOneTlsWarn(String filter) throws Exception {
        for (EmbeddedContainer c : containers) {
            for (int i = 0; i < 5; i++) {
                long start = System.nanoTime();
                Http.Response r = Http.get(c.port(), "/" + filter + "/x", "X-Client: untrusted-" + clients.incrementAndGet());
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertEquals(503, r.status(), () -> c.name() + ": " + r);
                assertEquals("Service unavailable", r.json().path("error").asText(), r::toString);
                assertTrue(millis <= TIMEOUT_MS + MARGIN_MS, c.name() + " answered after " + millis + " ms");
                assertTrue(!r.body().contains("SSL") && !r.body().contains("certificate"), r::toString);
            }
        }
        List<ILoggingEvent> warns = storeLog.events().stream()
                .filter(e -> e.getLevel() == Level.WARN && e.getFormattedMessage().contains("keys " + PREFIX + filter + ":")).toList();
        assertEquals(containers.size(), warns.size(), () -> "one WARN per application: " + storeLog.text());
        for (ILoggingEvent warn : warns) {
            assertTrue(warn.getFormattedMessage().contains("TLS handshake failed"), warn::getFormattedMessage);
            assertNull(warn.getThrowableProxy(), "no stack trace");
        }
    }
}
