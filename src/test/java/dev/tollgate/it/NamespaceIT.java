package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.tollgate.apikey.ApiKeys;
import io.micrometer.core.instrument.Metrics;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.slf4j.LoggerFactory;

/**
 * Two rate-limit filters in one application, deploying {@code src/test/webapps/ratelimit-namespaces}:
 * a general {@code 5/1h} on {@code /api/*} and {@code /login/*} and a strict {@code 2/1h} on
 * {@code /login/*}, both on one Redis prefix, counting per IP; the same pair with the local store
 * under {@code /local/*}. Each limit holds on its own. Each test counts from its own loopback address.
 * Under {@code /keyed/*}, three more on that prefix count by a header: by {@code X-API-KEY}
 * ({@code key-limit}, report-only {@code 2/1h}, one configured key on {@code gold: 3/1h}, and
 * {@code key-sync-limit}, {@code 3/1h} in delayed sync), and by {@code X-Tenant} marked plain
 * ({@code tenant-limit}); {@code key-limit}'s {@code X-Throttle-*} headers are the ones sent.
 */
class NamespaceIT extends ContainerCases {

    private static final String PREFIX = "tollgate-test-namespaces:";

    private RedisTestSupport redis;

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        redis = RedisTestSupport.connect();
        redis.deleteKeys(PREFIX);
        deploy("ratelimit-namespaces");
    }

    @AfterParameterizedClassInvocation
    void cleanUp() {
        if (redis != null) {
            redis.deleteKeys(PREFIX);
            redis.close();
        }
    }

    /** The API key that {@code key-limit}'s {@code client-plans} puts on gold. */
    private static final String GOLD_KEY = "tg_T-mChiI5yA060xlFudVwntnixhMtwVh_RdG7Lg_GcjQ";

    private Http.Response getFrom(String address, String path, String... headers) throws Exception {
        return Http.sendFrom(address, port, "GET", path, null, headers);
    }

    private static void assertStatusAndLimit(Http.Response r, int status, String limit) {
        assertEquals(status, r.status(), r::toString);
        assertEquals(limit, r.header("X-Throttle-Limit"), r::toString);
    }

    @Test
    void shouldHoldTheLoginLimitAndTheGeneralLimitEachOnItsOwn() throws Exception {
        String ip = "127.0.1.1";
        // /login passes both filters: the general one counts 1 of 5, the login one 1 of 2.
        assertStatusAndLimit(getFrom(ip, "/login/x"), 200, "2");
        assertEquals("0", getFrom(ip, "/login/x").header("X-Throttle-Remaining"), "2 of the login limit's 2");
        assertStatusAndLimit(getFrom(ip, "/login/x"), 429, "2");
        // The general limit has counted the 3 login requests and nothing else: 2 of 5 left.
        Http.Response api = getFrom(ip, "/api/x");
        assertStatusAndLimit(api, 200, "5");
        assertEquals("1", api.header("X-Throttle-Remaining"));
        assertStatusAndLimit(getFrom(ip, "/api/x"), 200, "5");
        assertStatusAndLimit(getFrom(ip, "/api/x"), 429, "5");
        assertTrue(redis.keys(PREFIX).contains(PREFIX + "general-limit:default:ip:" + ip), redis.keys(PREFIX)::toString);
        assertTrue(redis.keys(PREFIX).contains(PREFIX + "login-limit:default:ip:" + ip), redis.keys(PREFIX)::toString);
    }

    @Test
    void shouldLetTheGeneralLimitRejectLoginsOnceItIsSpent() throws Exception {
        String ip = "127.0.1.2";
        for (int remaining = 4; remaining >= 0; remaining--) {
            Http.Response r = getFrom(ip, "/api/x");
            assertStatusAndLimit(r, 200, "5");
            assertEquals(String.valueOf(remaining), r.header("X-Throttle-Remaining"));
        }
        assertStatusAndLimit(getFrom(ip, "/api/x"), 429, "5");
        assertStatusAndLimit(getFrom(ip, "/login/x"), 429, "5");
    }

    @Test
    void shouldKeepTheTwoLocalFiltersApartToo() throws Exception {
        String ip = "127.0.1.3";
        assertStatusAndLimit(getFrom(ip, "/local/login/x"), 200, "2");
        assertStatusAndLimit(getFrom(ip, "/local/login/x"), 200, "2");
        assertStatusAndLimit(getFrom(ip, "/local/login/x"), 429, "2");
        Http.Response other = getFrom(ip, "/local/x");
        assertStatusAndLimit(other, 200, "5");
        assertEquals("1", other.header("X-Throttle-Remaining"));
    }

    @Test
    void shouldNeverStoreLogOrExportAnApiKeyThatNamesABucket() throws Exception {
        String apiKey = ApiKeys.generateKey();
        String secret = apiKey.substring(ApiKeys.PREFIX.length());
        List<Http.Response> answers = new ArrayList<>();
        Logger tollgate = (Logger) LoggerFactory.getLogger("dev.tollgate");
        Level level = tollgate.getLevel();
        tollgate.setLevel(Level.DEBUG);
        List<ILoggingEvent> events;
        try (LogCapture everything = new LogCapture(Logger.ROOT_LOGGER_NAME)) {
            for (int i = 0; i < 4; i++) {
                answers.add(getFrom("127.0.1.4", "/keyed/x", "X-API-KEY: " + apiKey, "X-Tenant: tenant-7"));
            }
            // The container's own DEBUG lines (its HTTP parser) are its business, not Tollgate's.
            events = everything.events().stream().filter(e -> !e.getLoggerName().startsWith("org.eclipse.jetty")
                    && !e.getLoggerName().startsWith("org.apache.")).toList();
        } finally {
            tollgate.setLevel(level);
        }
        for (Http.Response answer : answers) {
            assertFalse(answer.toString().contains(secret), answer::toString);
        }
        String logged = events.stream().map(e -> e.getLoggerName() + " " + e.getFormattedMessage() + " " + e.getMDCPropertyMap())
                .toList().toString();
        assertFalse(logged.contains(secret), logged);
        List<String> keys = redis.keys(PREFIX);
        assertTrue(keys.stream().noneMatch(k -> k.contains(secret)), keys::toString);

        assertEquals(List.of(200, 200, 200, 429), answers.stream().map(Http.Response::status).toList(), answers::toString);
        assertEquals("0", answers.get(2).header("X-Throttle-Remaining"), "over key-limit's 2, reported only");
        assertEquals("Rate limit exceeded", answers.get(3).json().get("error").asText(), "key-sync-limit's 429");
        List<String> reports = events.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.startsWith("Report-only: would have answered 429 rate_limited to header:#")).toList();
        assertEquals(1, reports.size(), logged);
        String hashed = reports.get(0).replaceAll(".* to (header:#[0-9a-f]{32}) .*", "$1");
        assertTrue(keys.contains(PREFIX + "key-limit:default:" + hashed), () -> hashed + " in " + keys);
        assertTrue(keys.stream().anyMatch(k -> k.matches("\\Q" + PREFIX + "\\Ekey-sync-limit:default:header:#[0-9a-f]{32}")), keys::toString);
        assertFalse(keys.contains(PREFIX + "key-sync-limit:default:" + hashed), "another namespace, an unrelated hash");
        assertTrue(keys.contains(PREFIX + "tenant-limit:default:header:tenant-7"), () -> "a plain header stays readable: " + keys);

        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        List<ObjectName> filters = new ArrayList<>(server.queryNames(new ObjectName("dev.tollgate:type=RateLimitFilter,*"), null));
        assertTrue(filters.stream().anyMatch(n -> "key-limit".equals(n.getKeyProperty("name"))), filters::toString);
        for (ObjectName name : server.queryNames(new ObjectName("dev.tollgate:*"), null)) {
            assertFalse(name.toString().contains(secret), name::toString);
            for (MBeanAttributeInfo attribute : server.getMBeanInfo(name).getAttributes()) {
                assertFalse(String.valueOf(server.getAttribute(name, attribute.getName())).contains(secret), name + " " + attribute);
            }
        }
        Metrics.globalRegistry.getMeters().forEach(meter -> assertFalse(meter.getId().toString().contains(secret), meter.getId()::toString));
    }

    @Test
    void shouldPutAConfiguredKeyOnItsPlanThoughItsBucketIsNamedByAHash() throws Exception {
        Http.Response gold = getFrom("127.0.1.5", "/keyed/x", "X-API-KEY: " + GOLD_KEY);
        assertStatusAndLimit(gold, 200, "3");
        assertStatusAndLimit(getFrom("127.0.1.5", "/keyed/x", "X-API-KEY: " + ApiKeys.generateKey()), 200, "2");
        assertTrue(redis.keys(PREFIX).stream().anyMatch(k -> k.startsWith(PREFIX + "key-limit:gold:header:#")), redis.keys(PREFIX)::toString);
        assertTrue(redis.keys(PREFIX).stream().noneMatch(k -> k.contains(GOLD_KEY.substring(3))), redis.keys(PREFIX)::toString);
    }
}
