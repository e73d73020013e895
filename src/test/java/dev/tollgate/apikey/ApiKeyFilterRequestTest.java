package dev.tollgate.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** The key filter's request handling, set up in code and driven with fakes, no container. */
class ApiKeyFilterRequestTest {

    private static final ApiKeyEntry ALICE = ApiKeyEntry.builder("alice", ApiKeys.sha256("alice-key")).plan("gold").build();

    private static ApiKeyFilter filter(ApiKeyFilter.Builder builder) throws ServletException {
        ApiKeyFilter filter = builder.build();
        filter.init(Fakes.filterConfig("api-key", Map.of(), Fakes.context(Map.of())));
        return filter;
    }

    private static ApiKeyFilter.Builder builder() {
        return ApiKeyFilter.builder(ApiKeyStore.of(List.of(ALICE)));
    }

    @Test
    void shouldRejectAMissingKeyWith401ChallengeAndBody() throws Exception {
        FakeHttp.Response response = FakeHttp.response();
        FakeHttp.Chain chain = new FakeHttp.Chain();
        filter(builder()).doFilter(FakeHttp.request("GET", "/api/x").get(), response.get(), chain);
        assertEquals(0, chain.calls());
        assertEquals(401, response.status());
        assertEquals(List.of("ApiKey realm=\"api\", header=\"X-API-KEY\""), response.headers("WWW-Authenticate"));
        assertTrue(response.body().contains("\"error\":\"Authentication required\""), response.body());
    }

    @Test
    void shouldPassAnAcceptedKeyWithTheClientIdentity() throws Exception {
        FakeHttp.Chain chain = new FakeHttp.Chain();
        HttpServletRequest request = FakeHttp.request("GET", "/api/x").header("X-API-KEY", "alice-key").get();
        filter(builder().hideCredentials(true)).doFilter(request, FakeHttp.response().get(), chain);
        assertEquals(1, chain.calls());
        HttpServletRequest seen = (HttpServletRequest) chain.request();
        assertEquals("alice", seen.getRemoteUser());
        assertNull(seen.getHeader("X-API-KEY"), "hide-credentials");
        assertEquals(ClientIdentity.of("alice", "gold", "api-key"), ClientIdentity.of(request));
        assertEquals("alice", request.getAttribute(ApiKeyFilter.CLIENT_ID_ATTRIBUTE));
    }

    @Test
    void shouldPassSkippedPathsAndRedispatchesOfAnAcceptedRequest() throws Exception {
        ApiKeyFilter filter = filter(builder().skipPaths("/health"));
        FakeHttp.Chain chain = new FakeHttp.Chain();
        filter.doFilter(FakeHttp.request("GET", "/health").get(), FakeHttp.response().get(), chain);
        assertEquals(1, chain.calls());
        FakeHttp.Request request = FakeHttp.request("GET", "/api/x").header("X-API-KEY", "alice-key");
        filter.doFilter(request.get(), FakeHttp.response().get(), chain);
        request.dispatcherType(DispatcherType.ERROR);
        FakeHttp.Response error = FakeHttp.response();
        filter.doFilter(request.get(), error.get(), chain);
        assertEquals(3, chain.calls());
        FakeHttp.Response otherError = FakeHttp.response();
        filter(builder()).doFilter(request.get(), otherError.get(), chain);
        assertEquals(200, otherError.status(), "another filter checks the key again, and it is valid");
    }

    /** A later dispatch of {@code request} (its attributes, its headers) to the error page. */
    private static HttpServletRequest dispatch(HttpServletRequest request, DispatcherType type) {
        return new HttpServletRequestWrapper(request) {
            @Override
            public DispatcherType getDispatcherType() {
                return type;
            }

            @Override
            public String getServletPath() {
                return "/tollgate-error";
            }

            @Override
            public String getRequestURI() {
                return "/tollgate-error";
            }
        };
    }

    @Test
    void shouldLetTheErrorAndAsyncDispatchesOfASkippedRequestThrough() throws Exception {
        ApiKeyFilter filter = filter(builder().skipPaths("/health"));
        FakeHttp.Chain chain = new FakeHttp.Chain();
        HttpServletRequest health = FakeHttp.request("GET", "/health").get();
        filter.doFilter(health, FakeHttp.response().get(), chain);
        for (DispatcherType type : new DispatcherType[] {DispatcherType.ERROR, DispatcherType.ASYNC}) {
            FakeHttp.Response response = FakeHttp.response();
            filter.doFilter(dispatch(health, type), response.get(), chain);
            assertEquals(200, response.status(), type + " dispatch of a skipped request: " + response.body());
        }
        assertEquals(3, chain.calls());
    }

    @Test
    void shouldCheckALaterDispatchThatThisFilterDidNotLetThroughOnItsRequestDispatch() throws Exception {
        ApiKeyFilter filter = filter(builder().skipPaths("/health"));
        FakeHttp.Chain chain = new FakeHttp.Chain();
        HttpServletRequest health = FakeHttp.request("GET", "/health").get();
        filter.doFilter(health, FakeHttp.response().get(), chain);
        FakeHttp.Response other = FakeHttp.response();
        filter(builder()).doFilter(dispatch(health, DispatcherType.ERROR), other.get(), chain);
        assertEquals(401, other.status(), "another key filter's pass never counts");
        FakeHttp.Response forward = FakeHttp.response();
        filter.doFilter(dispatch(health, DispatcherType.FORWARD), forward.get(), chain);
        assertEquals(401, forward.status(), "a FORWARD is a new target, checked");
        FakeHttp.Response unseen = FakeHttp.response();
        filter.doFilter(dispatch(FakeHttp.request("GET", "/nowhere").get(), DispatcherType.ERROR), unseen.get(), chain);
        assertEquals(401, unseen.status(), "an error dispatch of a request it never saw is checked");
        assertEquals(1, chain.calls());
    }

    @Test
    void shouldReportARequestLetThroughInReportOnlyModeOnceAcrossItsErrorDispatch() throws Exception {
        String name = "shouldReportARequestLetThroughInReportOnlyModeOnceAcrossItsErrorDispatch";
        ApiKeyFilter filter = builder().enforce(false).hideCredentials(true).build();
        filter.init(Fakes.filterConfig(name, Map.of(), Fakes.context(Map.of())));
        try {
            FakeHttp.Chain chain = new FakeHttp.Chain();
            HttpServletRequest typo = FakeHttp.request("GET", "/api/x").header("X-API-KEY", "typo-key").get();
            filter.doFilter(typo, FakeHttp.response().get(), chain);
            filter.doFilter(dispatch(typo, DispatcherType.ERROR), FakeHttp.response().get(), chain);
            assertEquals(2, chain.calls());
            assertNull(((HttpServletRequest) chain.request()).getHeader("X-API-KEY"), "still hidden on the error dispatch");
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            Set<ObjectName> names = server.queryNames(new ObjectName("dev.tollgate:type=ApiKeyFilter,name=" + name + ",*"), null);
            assertEquals(1, names.size(), names::toString);
            ObjectName mbean = names.iterator().next();
            assertEquals(1L, server.getAttribute(mbean, "WouldReject"), "reported once, on the REQUEST dispatch");
            assertEquals(1L, server.getAttribute(mbean, "Skipped"), "the error dispatch");
        } finally {
            filter.destroy();
        }
    }

    @Test
    void shouldCheckBuilderValuesByTheRulesOfTheInitParams() {
        assertEquals("header name [X_KEY] must be letters, digits and -",
                assertThrows(IllegalArgumentException.class, () -> builder().headers("X-API-KEY", "X_KEY")).getMessage());
        assertEquals("at least one key header is needed", assertThrows(IllegalArgumentException.class, () -> builder().headers()).getMessage());
        assertEquals("must be letters, digits, space, '.', '_' or '-'",
                assertThrows(IllegalArgumentException.class, () -> builder().realm("a\"b")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> builder().skipPaths("health")).getMessage()
                .startsWith("url-pattern [health] must be"));
        assertEquals("must be one of [answer, check, pass]",
                assertThrows(IllegalArgumentException.class, () -> builder().preflight("skip")).getMessage());
        assertEquals("ApiKeyFilter: init-param [realm] has invalid value [a\"b]: must be letters, digits, space, '.', '_' or '-'",
                assertThrows(ServletException.class, () -> new ApiKeyFilter().init(Fakes.filterConfig("api-key",
                        Map.of("keys", "alice:" + ApiKeys.sha256Hex("k"), "realm", "a\"b")))).getMessage());
    }

    @Test
    void shouldAnswerOnlyHttpRequests() throws ServletException, IOException {
        FakeHttp.Chain chain = new FakeHttp.Chain();
        jakarta.servlet.ServletRequest plain = Fakes.request("GET", "/x", Map.of());
        filter(builder()).doFilter(new jakarta.servlet.ServletRequestWrapper(plain), FakeHttp.response().get(), chain);
        assertEquals(1, chain.calls());
    }

    private static final ApiKeyEntry OLD = ApiKeyEntry.builder("olga", ApiKeys.sha256("olga-key"))
            .expiresAt(Instant.parse("2020-01-01T00:00:00Z")).build();
    private static final ApiKeyEntry READER = ApiKeyEntry.builder("rita", ApiKeys.sha256("rita-key")).methods(java.util.Set.of("GET")).build();

    /** Sends a request through a report-only filter; returns it as the application saw it. */
    private static HttpServletRequest reportOnly(ApiKeyFilter filter, FakeHttp.Request request, FakeHttp.Chain chain,
            String wouldReject) throws Exception {
        int before = chain.calls();
        FakeHttp.Response response = FakeHttp.response();
        filter.doFilter(request.get(), response.get(), chain);
        assertEquals(before + 1, chain.calls(), "report-only lets it through");
        assertEquals(200, response.status());
        assertTrue(response.headers("WWW-Authenticate").isEmpty(), "no challenge on a passing answer");
        assertEquals(wouldReject, request.get().getAttribute(ApiKeyFilter.WOULD_REJECT_ATTRIBUTE));
        return (HttpServletRequest) chain.request();
    }

    @Test
    void shouldLetRequestsWithoutAValidKeyThroughInReportOnlyModeAndMarkThem() throws Exception {
        ApiKeyFilter filter = filter(ApiKeyFilter.builder(ApiKeyStore.of(List.of(ALICE, OLD, READER))).enforce(false));
        FakeHttp.Chain chain = new FakeHttp.Chain();
        try (LogCapture log = new LogCapture(ApiKeyFilter.class)) {
            FakeHttp.Request missing = FakeHttp.request("GET", "/api/x").remoteAddr("192.0.2.1");
            reportOnly(filter, missing, chain, "missing_api_key");
            assertNull(missing.get().getAttribute(ApiKeyFilter.CLIENT_ID_ATTRIBUTE));
            assertNull(ClientIdentity.of(missing.get()), "no client: the limiter counts it by its address");

            FakeHttp.Request invalid = FakeHttp.request("GET", "/api/x").header("X-API-KEY", "secret-typo-key");
            reportOnly(filter, invalid, chain, "invalid_api_key");
            assertNull(invalid.get().getAttribute(ApiKeyFilter.CLIENT_ID_ATTRIBUTE));
            assertNull(ClientIdentity.of(invalid.get()));

            FakeHttp.Request expired = FakeHttp.request("GET", "/api/x").header("X-API-KEY", "olga-key");
            reportOnly(filter, expired, chain, "expired_api_key");
            assertNull(expired.get().getAttribute(ApiKeyFilter.CLIENT_ID_ATTRIBUTE));
            assertNull(ClientIdentity.of(expired.get()), "an expired key vouches for nobody");

            FakeHttp.Request denied = FakeHttp.request("POST", "/api/x").header("X-API-KEY", "rita-key");
            assertEquals("rita", reportOnly(filter, denied, chain, "access_denied").getRemoteUser(),
                    "a valid key not allowed here still names its client");
            assertEquals(ClientIdentity.of("rita", null, "api-key"), ClientIdentity.of(denied.get()));

            FakeHttp.Request valid = FakeHttp.request("GET", "/api/x").header("X-API-KEY", "alice-key");
            filter.doFilter(valid.get(), FakeHttp.response().get(), chain);
            assertNull(valid.get().getAttribute(ApiKeyFilter.WOULD_REJECT_ATTRIBUTE), "a valid key is not marked");

            for (int i = 0; i < 3; i++) {
                reportOnly(filter, FakeHttp.request("GET", "/api/x").remoteAddr("192.0.2.1"), chain, "missing_api_key");
                reportOnly(filter, FakeHttp.request("GET", "/api/y").header("X-API-KEY", "secret-typo-key"), chain,
                        "invalid_api_key");
            }
            assertEquals(4, log.events().stream().filter(e -> e.getLevel() == Level.WARN).count(),
                    "each client and answer once: " + log.text());
            assertTrue(log.text().contains("rita"), log.text());
            assertFalse(log.text().contains("secret-typo-key") || log.text().contains("rita-key") || log.text().contains("olga-key"),
                    "no key in the log: " + log.text());
        }
    }

    @Test
    void shouldHideARejectedKeyFromTheApplicationInReportOnlyMode() throws Exception {
        ApiKeyFilter filter = filter(builder().enforce(false).hideCredentials(true));
        FakeHttp.Chain chain = new FakeHttp.Chain();
        HttpServletRequest seen = reportOnly(filter, FakeHttp.request("GET", "/api/x").header("X-API-KEY", "typo-key"), chain,
                "invalid_api_key");
        assertNull(seen.getHeader("X-API-KEY"), "hide-credentials holds for a request let through too");
    }

    /** A filter configured by {@code params} as web.xml would, with alice's key inline. */
    private static ApiKeyFilter fromParams(Map<String, String> params) throws ServletException {
        Map<String, String> all = new java.util.HashMap<>(params);
        all.put("keys", "alice:" + ApiKeys.sha256Hex("alice-key"));
        ApiKeyFilter filter = new ApiKeyFilter();
        filter.init(Fakes.filterConfig("api-key", all, Fakes.context(Map.of())));
        return filter;
    }

    private static FakeHttp.Request preflight() {
        return FakeHttp.request("OPTIONS", "/api/x").header("Origin", "https://app.example")
                .header("Access-Control-Request-Method", "DELETE").header("Access-Control-Request-Headers", "x-api-key");
    }

    @Test
    void shouldAnswerAPreflightItselfByDefaultKeepingTheHeadersSetBefore() throws Exception {
        for (Map<String, String> params : List.of(Map.<String, String>of(), Map.of("preflight", "answer"), Map.of("enforce", "false"))) {
            FakeHttp.Chain chain = new FakeHttp.Chain();
            FakeHttp.Response response = FakeHttp.response();
            // As a CORS filter that passes preflights on (Jetty's CrossOriginFilter) would have set it.
            response.get().setHeader("Access-Control-Allow-Origin", "https://app.example");
            FakeHttp.Request preflight = preflight();
            fromParams(params).doFilter(preflight.get(), response.get(), chain);
            assertEquals(0, chain.calls(), params + ": nothing of the application runs");
            assertEquals(204, response.status(), params.toString());
            assertEquals("", response.body());
            assertNull(response.header("Content-Type"));
            assertNull(response.header("WWW-Authenticate"));
            assertEquals("https://app.example", response.header("Access-Control-Allow-Origin"));
            assertNull(preflight.get().getAttribute(ApiKeyFilter.WOULD_REJECT_ATTRIBUTE), params.toString());
        }
    }

    @Test
    void shouldPassOrCheckAPreflightWhenConfiguredSoAlsoByTheDeprecatedParam() throws Exception {
        Map<Map<String, String>, Integer> chainCalls = Map.of(Map.of("preflight", "pass"), 1, Map.of("preflight", "CHECK"), 0,
                Map.of("skip-preflight", "true"), 1, Map.of("skip-preflight", "false"), 0);
        for (Map.Entry<Map<String, String>, Integer> expected : chainCalls.entrySet()) {
            FakeHttp.Chain chain = new FakeHttp.Chain();
            FakeHttp.Response response = FakeHttp.response();
            fromParams(expected.getKey()).doFilter(preflight().get(), response.get(), chain);
            assertEquals(expected.getValue(), chain.calls(), expected.getKey().toString());
            assertEquals(expected.getValue() == 1 ? 200 : 401, response.status(), expected.getKey().toString());
        }
    }

    @Test
    void shouldTakeThePreflightModeFromTheBuilder() throws Exception {
        FakeHttp.Chain chain = new FakeHttp.Chain();
        FakeHttp.Response answered = FakeHttp.response();
        filter(builder()).doFilter(preflight().get(), answered.get(), chain);
        assertEquals(204, answered.status());
        FakeHttp.Response passed = FakeHttp.response();
        filter(builder().preflight("pass")).doFilter(preflight().get(), passed.get(), chain);
        assertEquals(200, passed.status());
        assertEquals(1, chain.calls());
        FakeHttp.Response checked = FakeHttp.response();
        filter(builder().preflight("check")).doFilter(preflight().get(), checked.get(), chain);
        assertEquals(401, checked.status());
        assertEquals(1, chain.calls());
    }

    @Test
    void shouldWarnOnceAtStartupThatSkipPreflightIsDeprecated() throws Exception {
        try (LogCapture log = new LogCapture(ApiKeyFilter.class)) {
            fromParams(Map.of("skip-preflight", "TRUE"));
            fromParams(Map.of("skip-preflight", "false"));
            fromParams(Map.of("preflight", "pass"));
            assertEquals(List.of("ApiKeyFilter: init-param [skip-preflight] is deprecated; set init-param [preflight] to [pass] instead",
                    "ApiKeyFilter: init-param [skip-preflight] is deprecated; set init-param [preflight] to [check] instead"),
                    log.events().stream().filter(e -> e.getLevel() == Level.WARN).map(e -> e.getFormattedMessage()).toList());
        }
    }

    @Test
    void shouldRefuseAnEnforceValueThatIsNotABoolean() {
        assertEquals("ApiKeyFilter: init-param [enforce] has invalid value [off]: must be true or false",
                assertThrows(ServletException.class, () -> new ApiKeyFilter().init(Fakes.filterConfig("api-key",
                        Map.of("keys", "alice:" + ApiKeys.sha256Hex("k"), "enforce", "off")))).getMessage());
    }
}
