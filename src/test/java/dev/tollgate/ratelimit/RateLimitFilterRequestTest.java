package dev.tollgate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import dev.tollgate.ClientIdentity;
import dev.tollgate.it.LogCapture;
import dev.tollgate.testing.FakeHttp;
import dev.tollgate.testing.Fakes;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rate-limit filter's request handling, configured as web.xml would and driven with fakes, no container. */
class RateLimitFilterRequestTest {

    private static RateLimitFilter filter(Map<String, String> params) throws ServletException {
        RateLimitFilter filter = new RateLimitFilter();
        filter.init(Fakes.filterConfig("rate-limit", params, Fakes.context(Map.of())));
        return filter;
    }

    private static FakeHttp.Response send(RateLimitFilter filter, HttpServletRequest request, FakeHttp.Chain chain) throws Exception {
        FakeHttp.Response response = FakeHttp.response();
        filter.doFilter(request, response.get(), chain);
        return response;
    }

    private static HttpServletRequest as(ClientIdentity identity) {
        HttpServletRequest request = FakeHttp.request("GET", "/api/x").get();
        ClientIdentity.set(request, identity);
        return request;
    }

    @Test
    void shouldCountTheClientOnItsPlanAndAnswer429WithTheHeaders() throws Exception {
        RateLimitFilter filter = filter(Map.of("limits", "1/1m", "plans", "gold: 2/1m"));
        ClientIdentity carol = ClientIdentity.of("carol", "gold", "jwt");
        FakeHttp.Chain chain = new FakeHttp.Chain();
        assertEquals("1", send(filter, as(carol), chain).header("X-Throttle-Remaining"));
        assertEquals("0", send(filter, as(carol), chain).header("X-Throttle-Remaining"));
        assertEquals(2, chain.calls());
        FakeHttp.Response limited = send(filter, as(carol), chain);
        assertEquals(2, chain.calls(), "a rejected request goes no further");
        assertEquals(429, limited.status());
        assertEquals("2", limited.header("X-Throttle-Limit"));
        assertEquals("0", limited.header("X-Throttle-Remaining"));
        long retryAfter = Long.parseLong(limited.header("Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 30, "Retry-After " + retryAfter);
        assertTrue(limited.body().contains("\"error\":\"Rate limit exceeded\""), limited.body());
        assertEquals(200, send(filter, as(ClientIdentity.of("dave", null, "jwt")), chain).status(), "another client");
    }

    @Test
    void shouldOpenAStoreOfTheApplicationsOwnNamedByItsProviderClass() throws Exception {
        String provider = AwayStoreProvider.class.getName();
        RateLimitFilter filter = filter(Map.of("limits", "5/1m", "store", provider, "away-reason", "maintenance",
                "on-store-failure", "reject", "namespace", "own"));
        assertEquals("own", AwayStoreProvider.lastSettings.namespace(), "the provider is given the filter's namespace");
        assertEquals(provider, AwayStoreProvider.lastSettings.store());
        FakeHttp.Chain chain = new FakeHttp.Chain();
        FakeHttp.Response away = send(filter, as(ClientIdentity.of("erin", null, "jwt")), chain);
        assertEquals(503, away.status(), "the store is away and on-store-failure=reject");
        assertEquals("1", away.header("Retry-After"), "the store's probe interval");
        assertEquals(0, chain.calls());
        // The provider checks its own params with the filter's message; the filter still refuses names nobody reads.
        assertEquals("RateLimitFilter: init-param [away-reason] has invalid value [bored]: must be down or maintenance",
                assertThrows(ServletException.class, () -> filter(Map.of("limits", "5/1m", "store", provider, "away-reason", "bored")))
                        .getMessage());
        assertTrue(assertThrows(ServletException.class, () -> filter(Map.of("limits", "5/1m", "away-reason", "down"))).getMessage()
                .startsWith("RateLimitFilter: unknown init-param [away-reason]"), "only the chosen store's params are accepted");
        assertEquals("RateLimitFilter: init-param [store] has invalid value [java.lang.String]: must be local, redis, jdbc or the name of "
                + "a class that implements dev.tollgate.ratelimit.spi.StoreProvider",
                assertThrows(ServletException.class, () -> filter(Map.of("limits", "5/1m", "store", "java.lang.String"))).getMessage());
    }

    @Test
    void shouldCountEveryMethodByDefaultPreflightsIncluded() throws Exception {
        RateLimitFilter filter = filter(Map.of("limits", "2/1m"));
        FakeHttp.Chain chain = new FakeHttp.Chain();
        FakeHttp.Request preflight = FakeHttp.request("OPTIONS", "/api/x").header("Origin", "https://app.example")
                .header("Access-Control-Request-Method", "GET");
        assertEquals("1", send(filter, preflight.get(), chain).header("X-Throttle-Remaining"));
        assertEquals("0", send(filter, FakeHttp.request("OPTIONS", "/api/x").get(), chain).header("X-Throttle-Remaining"));
        assertEquals(429, send(filter, preflight.get(), chain).status());
        assertEquals(2, chain.calls());
    }

    @Test
    void shouldSkipMethodsAndPathsWithoutCounting() throws Exception {
        RateLimitFilter filter = filter(Map.of("limits", "1/1m", "skip-paths", "/health", "throttle-headers", "false",
                "skip-methods", "options"));
        FakeHttp.Chain chain = new FakeHttp.Chain();
        for (int i = 0; i < 3; i++) {
            assertNull(send(filter, FakeHttp.request("OPTIONS", "/api/x").get(), chain).header("X-Throttle-Limit"));
            send(filter, FakeHttp.request("GET", "/health").get(), chain);
        }
        assertEquals(6, chain.calls());
        FakeHttp.Response allowed = send(filter, FakeHttp.request("GET", "/api/x").get(), chain);
        assertEquals(200, allowed.status());
        assertNull(allowed.header("X-Throttle-Limit"), "throttle-headers=false: none on an allowed request");
        FakeHttp.Response limited = send(filter, FakeHttp.request("GET", "/api/x").get(), chain);
        assertEquals(429, limited.status());
        assertEquals("1", limited.header("X-Throttle-Limit"), "always on a 429");
    }

    @Test
    void shouldNotCountTheErrorOrAsyncDispatchOfARequestItLetThrough() throws Exception {
        RateLimitFilter filter = filter(Map.of("limits", "1/1m"));
        FakeHttp.Chain chain = new FakeHttp.Chain();
        FakeHttp.Request request = FakeHttp.request("GET", "/api/x");
        ClientIdentity.set(request.get(), ClientIdentity.of("ivan", null, "jwt"));
        assertEquals("0", send(filter, request.get(), chain).header("X-Throttle-Remaining"));
        for (DispatcherType type : new DispatcherType[] {DispatcherType.ERROR, DispatcherType.ASYNC}) {
            request.dispatcherType(type);
            FakeHttp.Response again = send(filter, request.get(), chain);
            assertEquals(200, again.status(), type + " dispatch of a counted request: " + again.body());
            assertNull(again.header("X-Throttle-Remaining"), "not counted again");
        }
        assertEquals(3, chain.calls());
        request.dispatcherType(DispatcherType.ERROR);
        FakeHttp.Response other = send(filter(Map.of("limits", "1/1m")), request.get(), chain);
        assertEquals("0", other.header("X-Throttle-Remaining"), "another filter instance counts it: it never saw it");
        FakeHttp.Request unseen = FakeHttp.request("GET", "/nowhere").dispatcherType(DispatcherType.ERROR);
        ClientIdentity.set(unseen.get(), ClientIdentity.of("ivan", null, "jwt"));
        assertEquals(429, send(filter, unseen.get(), chain).status(), "an error dispatch of a request it never saw is counted");
    }

    @Test
    void shouldCountButNeverRejectInReportOnlyMode() throws Exception {
        RateLimitFilter filter = filter(Map.of("limits", "1/1m", "enforce", "false"));
        ClientIdentity erin = ClientIdentity.of("erin", null, "jwt");
        FakeHttp.Chain chain = new FakeHttp.Chain();
        try (LogCapture log = new LogCapture(RateLimitFilter.class)) {
            HttpServletRequest first = as(erin);
            FakeHttp.Response allowed = send(filter, first, chain);
            assertEquals("0", allowed.header("X-Throttle-Remaining"));
            assertNull(first.getAttribute(RateLimitFilter.WOULD_REJECT_ATTRIBUTE), "within the limit");
            for (int i = 0; i < 3; i++) {
                HttpServletRequest over = as(erin);
                FakeHttp.Response passed = send(filter, over, chain);
                assertEquals(200, passed.status(), "report-only never answers 429");
                assertEquals("1", passed.header("X-Throttle-Limit"));
                assertEquals("0", passed.header("X-Throttle-Remaining"));
                long reset = Long.parseLong(passed.header("X-Throttle-Reset"));
                assertTrue(reset >= System.currentTimeMillis() / 1000, "when the next request would be allowed");
                assertNull(passed.header("Retry-After"), "a passing answer asks nobody to wait");
                assertEquals("rate_limited", over.getAttribute(RateLimitFilter.WOULD_REJECT_ATTRIBUTE));
            }
            assertEquals(4, chain.calls(), "every request reached the application");
            long warnings = log.events().stream().filter(e -> e.getLevel() == Level.WARN).count();
            assertEquals(1, warnings, "once per client per limit period: " + log.text());
            assertTrue(log.text().contains("client:erin"), log.text());
            send(filter, as(ClientIdentity.of("frank", null, "jwt")), chain);
            send(filter, as(ClientIdentity.of("frank", null, "jwt")), chain);
            assertEquals(2, log.events().stream().filter(e -> e.getLevel() == Level.WARN).count(), "another client is logged too");
        }
    }

    @Test
    void shouldSendTheHeadersOfTheRejectionInReportOnlyModeEvenWithoutThrottleHeaders() throws Exception {
        RateLimitFilter filter = filter(Map.of("limits", "1/1m", "enforce", "false", "throttle-headers", "false"));
        FakeHttp.Chain chain = new FakeHttp.Chain();
        assertNull(send(filter, as(ClientIdentity.of("gina", null, "jwt")), chain).header("X-Throttle-Limit"));
        FakeHttp.Response over = send(filter, as(ClientIdentity.of("gina", null, "jwt")), chain);
        assertEquals(200, over.status());
        assertEquals("0", over.header("X-Throttle-Remaining"), "what a 429 would have said");
    }

    @Test
    void shouldLetRequestsThroughInReportOnlyModeWhileTheStoreIsAwayUnderReject() throws Exception {
        // Nothing listens on port 1: the store is away from the first request on.
        RateLimitFilter filter = filter(Map.of("limits", "1/1m", "enforce", "false", "store", "redis",
                "redis-uri", "redis://127.0.0.1:1", "on-store-failure", "reject"));
        try {
            FakeHttp.Chain chain = new FakeHttp.Chain();
            HttpServletRequest request = as(ClientIdentity.of("hank", null, "jwt"));
            FakeHttp.Response passed = send(filter, request, chain);
            assertEquals(1, chain.calls(), "report-only never answers 503 either");
            assertEquals(200, passed.status());
            assertEquals("limiter_unavailable", request.getAttribute(RateLimitFilter.WOULD_REJECT_ATTRIBUTE));
            assertNull(passed.header("X-Throttle-Limit"), "nothing was counted, so nothing to tell");
            assertNull(passed.header("Retry-After"));
        } finally {
            filter.destroy();
        }
    }

    @Test
    void shouldRefuseAnEnforceValueThatIsNotABoolean() {
        ServletException e = assertThrows(ServletException.class, () -> filter(Map.of("limits", "1/1m", "enforce", "no")));
        assertEquals("RateLimitFilter: init-param [enforce] has invalid value [no]: must be true or false", e.getMessage());
    }
}
