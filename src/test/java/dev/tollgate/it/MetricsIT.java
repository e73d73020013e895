package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tollgate.apikey.ApiKeys;
import io.micrometer.core.instrument.search.RequiredSearch;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.lang.management.ManagementFactory;
import java.util.Set;
import java.util.TreeSet;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;

/**
 * The metrics of the request id, key, rate-limit and error filters on each container, after real HTTP
 * traffic: read from the platform MBean server (as JConsole and the Prometheus JMX exporter read
 * them) and from the Micrometer registry that the application put into the context attribute.
 * Deploys {@code src/test/webapps/metrics} at the root context: the key filter on {@code /api/*}
 * with a keys file of three keys, the rate-limit filter on {@code /api/*} at {@code 2/1h} per client,
 * and the same two gates in report-only mode ({@code enforce=false}, {@code 1/1h}) on {@code /report/*}.
 */
class MetricsIT extends ContainerCases {

    static final String ALICE = "tg_metrics-alice-key";
    static final String EXPIRED = "tg_metrics-expired-key";
    static final String READER = "tg_metrics-reader-key";
    /** The context attribute the filters take their Micrometer registry from. */
    static final String REGISTRY_ATTRIBUTE = "dev.tollgate.metrics.MeterRegistry";

    /** The registry of the deployment under test (the listener runs on the test class path). */
    static volatile SimpleMeterRegistry registry;

    /** Puts a fresh {@link SimpleMeterRegistry} into the context attribute, before the filters start. */
    public static final class Registry implements ServletContextListener {
        @Override
        public void contextInitialized(ServletContextEvent event) {
            registry = new SimpleMeterRegistry();
            event.getServletContext().setAttribute(REGISTRY_ATTRIBUTE, registry);
        }

        @Override
        public void contextDestroyed(ServletContextEvent event) {
            // The filters remove their meters themselves.
        }
    }

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        deploy("metrics", "alice " + ApiKeys.sha256Hex(ALICE) + "\n"
                + "old " + ApiKeys.sha256Hex(EXPIRED) + " expires=2020-01-01T00:00:00Z\n"
                + "reader " + ApiKeys.sha256Hex(READER) + " methods=GET\n");
        // Every outcome of every filter, once or a known number of times.
        assertEquals(401, Http.get(port, "/api/x", "X-Request-ID: metrics-1").status());
        assertEquals(401, Http.get(port, "/api/x", "X-API-KEY: tg_nobody").status());
        assertEquals(401, Http.get(port, "/api/x", "X-API-KEY: " + EXPIRED).status());
        assertEquals(403, Http.send(port, "POST", "/api/x", "{}", "X-API-KEY: " + READER).status());
        assertEquals(200, Http.get(port, "/api/x", "X-API-KEY: " + ALICE).status());
        assertEquals(200, Http.get(port, "/api/x", "X-API-KEY: " + ALICE).status());
        assertEquals(429, Http.get(port, "/api/x", "X-API-KEY: " + ALICE).status());
        assertEquals(200, Http.get(port, "/api/x", "X-API-KEY: " + READER).status());
        // A CORS preflight: answered by the key filter itself, so the limiter never sees it.
        assertEquals(204, Http.send(port, "OPTIONS", "/api/x", null, "Origin: https://app.example",
                "Access-Control-Request-Method: GET").status());
        assertEquals(500, Http.get(port, "/boom").status());
        assertEquals(400, Http.get(port, "/invalid").status());
        assertEquals(404, Http.get(port, "/send-error?sc=404").status());
        // Report-only: every request passes; what would have been refused is counted apart.
        assertEquals(200, Http.get(port, "/report/x").status());
        assertEquals(200, Http.get(port, "/report/x", "X-API-KEY: tg_nobody").status());
        assertEquals(200, Http.get(port, "/report/x", "X-API-KEY: " + ALICE).status());
        assertEquals(200, Http.get(port, "/report/x", "X-API-KEY: " + ALICE).status());
    }

    private static ObjectName name(String type, String filter) throws Exception {
        return new ObjectName("dev.tollgate:type=" + type + ",context=/,name=" + filter);
    }

    private long jmx(String type, String filter, String attribute) throws Exception {
        return ((Number) server.getAttribute(name(type, filter), attribute)).longValue();
    }

    private String jmxText(String type, String filter, String attribute) throws Exception {
        return (String) server.getAttribute(name(type, filter), attribute);
    }

    private static RequiredSearch meter(String name, String filter, String... tags) {
        return registry.get(name).tags("filter", filter, "context", "/").tags(tags);
    }

    private static long count(String name, String filter, String... tags) {
        return (long) meter(name, filter, tags).functionCounter().count();
    }

    private static long gauge(String name, String filter, String... tags) {
        return (long) meter(name, filter, tags).gauge().value();
    }

    @Test
    void shouldRegisterOneMBeanPerFilterUnderTheTollgateDomain() throws Exception {
        Set<String> names = new TreeSet<>();
        for (ObjectName n : server.queryNames(new ObjectName("dev.tollgate:context=/,*"), null)) {
            names.add(n.getCanonicalName());
        }
        assertEquals(Set.of(name("ApiKeyFilter", "api-key").getCanonicalName(),
                name("RateLimitFilter", "rate-limit").getCanonicalName(),
                name("ApiKeyFilter", "api-key-report").getCanonicalName(),
                name("RateLimitFilter", "rate-limit-report").getCanonicalName(),
                name("ErrorRenderingFilter", "errors").getCanonicalName(),
                name("RequestIdFilter", "request-id").getCanonicalName()), names);
    }

    @Test
    void shouldCountTheKeyFiltersOutcomesInJmx() throws Exception {
        assertEquals(9, jmx("ApiKeyFilter", "api-key", "RequestsSeen"));
        assertEquals(4, jmx("ApiKeyFilter", "api-key", "Accepted"));
        assertEquals(0, jmx("ApiKeyFilter", "api-key", "Skipped"));
        assertEquals(1, jmx("ApiKeyFilter", "api-key", "Answered"));
        assertEquals(4, jmx("ApiKeyFilter", "api-key", "Rejected"));
        assertEquals(1, jmx("ApiKeyFilter", "api-key", "RejectedMissingApiKey"));
        assertEquals(1, jmx("ApiKeyFilter", "api-key", "RejectedInvalidApiKey"));
        assertEquals(1, jmx("ApiKeyFilter", "api-key", "RejectedExpiredApiKey"));
        assertEquals(1, jmx("ApiKeyFilter", "api-key", "RejectedAccessDenied"));
        assertEquals(0, jmx("ApiKeyFilter", "api-key", "WouldReject"));
        assertEquals(3, jmx("ApiKeyFilter", "api-key", "KeysLoaded"));
        assertEquals("success", jmxText("ApiKeyFilter", "api-key", "LastReloadOutcome"));
        assertEquals(0, jmx("ApiKeyFilter", "api-key", "ReloadsFailed"));
    }

    @Test
    void shouldCountTheKeyFiltersOutcomesInMicrometer() {
        assertEquals(4, count("tollgate.apikey.requests", "api-key", "outcome", "accepted"));
        assertEquals(0, count("tollgate.apikey.requests", "api-key", "outcome", "skipped"));
        assertEquals(1, count("tollgate.apikey.requests", "api-key", "outcome", "answered"));
        assertEquals(4, count("tollgate.apikey.requests", "api-key", "outcome", "rejected"));
        assertEquals(0, count("tollgate.apikey.requests", "api-key", "outcome", "would_reject"));
        for (String code : new String[] {"missing_api_key", "invalid_api_key", "expired_api_key", "access_denied"}) {
            assertEquals(1, count("tollgate.apikey.rejections", "api-key", "code", code, "enforced", "true"), code);
            assertEquals(0, count("tollgate.apikey.rejections", "api-key", "code", code, "enforced", "false"), code);
        }
        assertEquals(3, gauge("tollgate.apikey.keys", "api-key"));
        assertEquals(1, count("tollgate.apikey.reloads", "api-key", "outcome", "success"));
    }

    @Test
    void shouldCountTheRateLimitFiltersOutcomesInJmx() throws Exception {
        assertEquals(4, jmx("RateLimitFilter", "rate-limit", "RequestsSeen"));
        assertEquals(3, jmx("RateLimitFilter", "rate-limit", "Allowed"));
        assertEquals(1, jmx("RateLimitFilter", "rate-limit", "Rejected"));
        assertEquals(0, jmx("RateLimitFilter", "rate-limit", "Skipped"));
        assertEquals(0, jmx("RateLimitFilter", "rate-limit", "Unavailable"));
        assertEquals(0, jmx("RateLimitFilter", "rate-limit", "WouldReject"));
        assertEquals(2, jmx("RateLimitFilter", "rate-limit", "TrackedClients"));
        assertEquals(0, jmx("RateLimitFilter", "rate-limit", "OverflowRequests"));
        assertEquals(0, jmx("RateLimitFilter", "rate-limit", "CircuitOpen"));
        assertEquals("none", jmxText("RateLimitFilter", "rate-limit", "CircuitState"));
        assertEquals(0, jmx("RateLimitFilter", "rate-limit", "StoreLatencyCount"));
    }

    @Test
    void shouldCountTheRateLimitFiltersOutcomesInMicrometer() {
        assertEquals(3, count("tollgate.ratelimit.requests", "rate-limit", "outcome", "allowed"));
        assertEquals(1, count("tollgate.ratelimit.requests", "rate-limit", "outcome", "rejected"));
        assertEquals(0, count("tollgate.ratelimit.requests", "rate-limit", "outcome", "skipped"));
        assertEquals(0, count("tollgate.ratelimit.requests", "rate-limit", "outcome", "unavailable"));
        assertEquals(0, count("tollgate.ratelimit.requests", "rate-limit", "outcome", "would_reject"));
        assertEquals(0, count("tollgate.ratelimit.outage.decisions", "rate-limit", "mode", "local"));
        assertEquals(2, gauge("tollgate.ratelimit.clients", "rate-limit"));
        assertEquals(0, count("tollgate.ratelimit.overflow.requests", "rate-limit"));
        assertEquals(0, gauge("tollgate.ratelimit.circuit.open", "rate-limit"));
        assertEquals(0, meter("tollgate.ratelimit.store.latency", "rate-limit").functionTimer().count());
    }

    @Test
    void shouldCountWhatReportOnlyGatesWouldHaveRejectedApartFromRejections() throws Exception {
        assertEquals(4, jmx("ApiKeyFilter", "api-key-report", "RequestsSeen"));
        assertEquals(2, jmx("ApiKeyFilter", "api-key-report", "Accepted"));
        assertEquals(0, jmx("ApiKeyFilter", "api-key-report", "Rejected"));
        assertEquals(2, jmx("ApiKeyFilter", "api-key-report", "WouldReject"));
        assertEquals(1, jmx("ApiKeyFilter", "api-key-report", "WouldRejectMissingApiKey"));
        assertEquals(1, jmx("ApiKeyFilter", "api-key-report", "WouldRejectInvalidApiKey"));
        assertEquals(1, count("tollgate.apikey.rejections", "api-key-report", "code", "invalid_api_key", "enforced", "false"));
        assertEquals(0, count("tollgate.apikey.rejections", "api-key-report", "code", "invalid_api_key", "enforced", "true"));
        // Without a valid key the limiter counts by address: the second such request is over 1/1h, as is ALICE's second.
        assertEquals(4, jmx("RateLimitFilter", "rate-limit-report", "RequestsSeen"));
        assertEquals(2, jmx("RateLimitFilter", "rate-limit-report", "Allowed"));
        assertEquals(0, jmx("RateLimitFilter", "rate-limit-report", "Rejected"));
        assertEquals(2, jmx("RateLimitFilter", "rate-limit-report", "WouldReject"));
        assertEquals(2, count("tollgate.ratelimit.requests", "rate-limit-report", "outcome", "would_reject"));
        assertEquals(0, count("tollgate.ratelimit.requests", "rate-limit-report", "outcome", "rejected"));
    }

    @Test
    void shouldCountTheRequestIdsTakenAndMade() throws Exception {
        assertEquals(16, jmx("RequestIdFilter", "request-id", "RequestsSeen"));
        assertEquals(1, jmx("RequestIdFilter", "request-id", "Accepted"));
        assertEquals(15, jmx("RequestIdFilter", "request-id", "Generated"));
        assertEquals(1, count("tollgate.requestid.requests", "request-id", "outcome", "accepted"));
        assertEquals(15, count("tollgate.requestid.requests", "request-id", "outcome", "generated"));
        assertEquals(0, count("tollgate.requestid.requests", "request-id", "outcome", "reused"));
    }

    @Test
    void shouldCountRenderedErrorsByStatusClassAndCode() throws Exception {
        assertEquals(16, jmx("ErrorRenderingFilter", "errors", "RequestsSeen"));
        assertEquals(1, jmx("ErrorRenderingFilter", "errors", "Rendered5xx"));
        assertEquals(2, jmx("ErrorRenderingFilter", "errors", "Rendered4xx"));
        assertEquals(1, jmx("ErrorRenderingFilter", "errors", "RenderedInternalError"));
        assertEquals(1, jmx("ErrorRenderingFilter", "errors", "RenderedValidationFailed"));
        assertEquals(1, jmx("ErrorRenderingFilter", "errors", "RenderedNotFound"));
        assertEquals(0, jmx("ErrorRenderingFilter", "errors", "ClientAborts"));
        assertEquals(16, count("tollgate.errors.requests", "errors"));
        assertEquals(1, count("tollgate.errors.rendered", "errors", "status_class", "5xx"));
        assertEquals(2, count("tollgate.errors.rendered", "errors", "status_class", "4xx"));
        assertEquals(1, count("tollgate.errors.codes", "errors", "code", "internal_error"));
        assertEquals(1, count("tollgate.errors.codes", "errors", "code", "not_found"));
        assertEquals(0, count("tollgate.errors.codes", "errors", "code", "rate_limited"));
        assertEquals(0, count("tollgate.errors.client.aborts", "errors"));
    }
}
