package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.tollgate.ratelimit.RateLimitFilter;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;

/**
 * Rolling out to existing and browser clients, on each container deploying
 * {@code src/test/webapps/rollout}: Tomcat's {@code CorsFilter} mapped before Tollgate's filters;
 * {@code /strict/*} enforces keys and a {@code 2/1h} limit, {@code /report/*} has both gates in
 * report-only mode; the request id filter adopts a valid traceparent's trace id.
 */
class RolloutIT extends ContainerCases {

    static final String ALICE = "X-API-KEY: rollout-alice-key-0123";
    static final String READER = "X-API-KEY: rollout-reader-key-0123";
    static final String ORIGIN = "Origin: https://app.example";
    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String TRACEPARENT = "traceparent: 00-" + TRACE + "-00f067aa0ba902b7-01";
    static final List<String> EXPOSED = List.of("X-Request-ID", "X-Throttle-Limit", "X-Throttle-Remaining",
            "X-Throttle-Reset", "Retry-After", "RateLimit", "RateLimit-Policy");

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        deploy("rollout");
    }

    private Http.Response get(String from, String path, String... headers) throws Exception {
        return Http.sendFrom(from, port, "GET", path, null, headers);
    }

    /** The CORS filter's headers, and a body of Tollgate's error format whose id is the header's. */
    private static void assertCorsError(Http.Response r, int status) {
        assertEquals(status, r.status(), r::toString);
        assertCors(r);
        assertTrue(r.header("Content-Type").startsWith("application/json"), r::toString);
        assertEquals(r.header("X-Request-ID"), r.json().get("request_id").asText());
    }

    private static void assertCors(Http.Response r) {
        assertEquals("https://app.example", r.header("Access-Control-Allow-Origin"), r::toString);
        String exposed = r.header("Access-Control-Expose-Headers");
        assertTrue(exposed != null, r::toString);
        List<String> names = List.of(exposed.toLowerCase(Locale.ROOT).split("\\s*,\\s*"));
        for (String name : EXPOSED) {
            assertTrue(names.contains(name.toLowerCase(Locale.ROOT)), name + " exposed: " + exposed);
        }
    }

    private static long warnings(LogCapture log, String about) {
        return log.events().stream().filter(e -> e.getLevel() == Level.WARN && e.getFormattedMessage().contains(about)).count();
    }

    @Test
    void shouldLetEveryRequestThroughInReportOnlyModeAndTellTheApplication() throws Exception {
        try (LogCapture keyLog = new LogCapture(dev.tollgate.apikey.ApiKeyFilter.class)) {
            for (int i = 0; i < 3; i++) {
                Http.Response none = get("127.0.0.11", "/report/x");
                assertEquals(200, none.status(), none::toString);
                assertNull(none.header("WWW-Authenticate"));
                assertEquals("missing_api_key", none.json().get("key_would_reject").asText());
                assertTrue(none.json().get("remote_user").isNull());
            }
            Http.Response wrong = get("127.0.0.11", "/report/x", "X-API-KEY: rollout-wrong-key");
            assertEquals(200, wrong.status());
            assertEquals("invalid_api_key", wrong.json().get("key_would_reject").asText());
            assertEquals(1, warnings(keyLog, "401 missing_api_key to address 127.0.0.11"), keyLog.text());
            assertEquals(1, warnings(keyLog, "401 invalid_api_key to address 127.0.0.11"), keyLog.text());
            assertFalse(keyLog.text().contains("rollout-wrong-key"), "no key in the log");
        }
    }

    @Test
    void shouldNameTheClientBehindATrustedProxyInTheReportOnlyLog() throws Exception {
        try (LogCapture keyLog = new LogCapture(dev.tollgate.apikey.ApiKeyFilter.class)) {
            Http.Response proxied = get("127.0.0.14", "/proxied/x", "X-Forwarded-For: 203.0.113.7");
            assertEquals("missing_api_key", proxied.json().get("key_would_reject").asText(), proxied::toString);
            Http.Response spoofed = get("127.0.0.15", "/proxied/x", "X-Forwarded-For: 203.0.113.8");
            assertEquals("missing_api_key", spoofed.json().get("key_would_reject").asText(), spoofed::toString);
            Http.Response unproxied = get("127.0.0.16", "/report/x", "X-Forwarded-For: 203.0.113.9");
            assertEquals("missing_api_key", unproxied.json().get("key_would_reject").asText(), unproxied::toString);

            assertEquals(1, warnings(keyLog, "401 missing_api_key to address 203.0.113.7"), keyLog.text());
            assertEquals(1, warnings(keyLog, "401 missing_api_key to address 127.0.0.15"), "not a trusted proxy: " + keyLog.text());
            assertEquals(1, warnings(keyLog, "401 missing_api_key to address 127.0.0.16"), "no proxy trusted: " + keyLog.text());
            assertFalse(keyLog.text().contains("127.0.0.14"), "the proxy is not the client: " + keyLog.text());
        }
    }

    @Test
    void shouldCountButNotRejectOverTheLimitInReportOnlyMode() throws Exception {
        try (LogCapture limitLog = new LogCapture(RateLimitFilter.class)) {
            for (int remaining = 1; remaining >= 0; remaining--) {
                Http.Response r = get("127.0.0.12", "/report/x", ALICE);
                assertEquals(200, r.status());
                assertEquals(String.valueOf(remaining), r.header("X-Throttle-Remaining"));
                assertTrue(r.json().get("limit_would_reject").isNull());
                assertEquals("rollout-alice", r.json().get("client").asText());
            }
            for (int i = 0; i < 3; i++) {
                Http.Response over = get("127.0.0.12", "/report/x", ALICE);
                assertEquals(200, over.status(), "report-only never answers 429: " + over);
                assertEquals("rate_limited", over.json().get("limit_would_reject").asText());
                assertTrue(over.json().get("key_would_reject").isNull(), "the key is valid");
                assertEquals("2", over.header("X-Throttle-Limit"));
                assertEquals("0", over.header("X-Throttle-Remaining"));
                assertTrue(over.header("RateLimit").startsWith("\"default-1h\";r=0;t="), over::toString);
                assertNull(over.header("Retry-After"), "a passing answer asks nobody to wait");
            }
            assertEquals(1, warnings(limitLog, "429 rate_limited to client:rollout-alice"), limitLog.text());
        }
    }

    @Test
    void shouldKeepTheCorsHeadersOnEveryAnswerAndExposeTollgatesHeaders() throws Exception {
        Http.Response ok = get("127.0.0.13", "/strict/x", ORIGIN, ALICE);
        assertEquals(200, ok.status(), ok::toString);
        assertCors(ok);
        assertEquals("1", ok.header("X-Throttle-Remaining"));
        assertCorsError(get("127.0.0.13", "/strict/x", ORIGIN), 401);
        assertNotEquals(null, get("127.0.0.13", "/strict/x", ORIGIN).header("WWW-Authenticate"));
        assertCorsError(get("127.0.0.13", "/strict/x", ORIGIN, "X-API-KEY: rollout-wrong-key"), 401);
        assertEquals(200, get("127.0.0.13", "/strict/x", ORIGIN, ALICE).status());
        Http.Response limited = get("127.0.0.13", "/strict/x", ORIGIN, ALICE);
        assertCorsError(limited, 429);
        assertTrue(Long.parseLong(limited.header("Retry-After")) >= 1);
        assertEquals("0", limited.header("X-Throttle-Remaining"));
        assertCorsError(get("127.0.0.13", "/strict/teapot", ORIGIN, READER), 403);
        Http.Response boom = get("127.0.0.13", "/strict/boom", ORIGIN, READER);
        assertCorsError(boom, 500);
        assertFalse(boom.body().contains("boom"), "nothing internal in the body");
    }

    @Test
    void shouldLetTheCorsFilterAnswerPreflightsUncheckedAndUncounted() throws Exception {
        for (int i = 0; i < 4; i++) {
            Http.Response preflight = Http.sendFrom("127.0.0.14", port, "OPTIONS", "/strict/x", null, ORIGIN,
                    "Access-Control-Request-Method: GET", "Access-Control-Request-Headers: x-api-key");
            assertEquals(200, preflight.status(), preflight::toString);
            assertEquals("https://app.example", preflight.header("Access-Control-Allow-Origin"));
            assertNull(preflight.header("X-Throttle-Limit"), "not counted");
        }
        // An OPTIONS that is no preflight is an ordinary request to the key filter.
        Http.Response options = Http.sendFrom("127.0.0.14", port, "OPTIONS", "/strict/x", null, ORIGIN);
        assertCorsError(options, 401);
    }

    @Test
    void shouldAdoptAValidTraceparentAndPutItsTraceIdInTheMdc() throws Exception {
        try (LogCapture app = new LogCapture(RolloutServlets.Echo.class)) {
            Http.Response r = get("127.0.0.15", "/open/traced", TRACEPARENT);
            assertEquals(200, r.status(), r::toString);
            assertEquals(TRACE, r.header("X-Request-ID"));
            assertEquals(TRACE, r.json().get("trace_id").asText());
            ILoggingEvent line = only(app, "/open/traced");
            assertEquals(TRACE, line.getMDCPropertyMap().get("trace_id"));
            assertEquals(TRACE, line.getMDCPropertyMap().get("request_id"));

            Http.Response own = get("127.0.0.15", "/open/own-id", TRACEPARENT, "X-Request-ID: client-id-1");
            assertEquals("client-id-1", own.header("X-Request-ID"), "a safe X-Request-ID wins");
            assertEquals(TRACE, only(app, "/open/own-id").getMDCPropertyMap().get("trace_id"), "trace_id either way");
        }
    }

    @Test
    void shouldNeverTakeOrEchoAnInvalidTraceparent() throws Exception {
        String bad = "00-" + TRACE + "-0000000000000000-01";
        try (LogCapture app = new LogCapture(RolloutServlets.Echo.class)) {
            Http.Response r = get("127.0.0.16", "/open/untraced", "traceparent: " + bad);
            assertEquals(200, r.status());
            assertNotEquals(TRACE, r.header("X-Request-ID"));
            assertNull(r.header("traceparent"));
            assertFalse(r.body().contains(TRACE), r::toString);
            assertFalse(r.headers().toString().contains(TRACE), r::toString);
            assertNull(only(app, "/open/untraced").getMDCPropertyMap().get("trace_id"));
        }
    }

    @Test
    void shouldLeaveATraceIdThatAnAgentPutInTheMdc() throws Exception {
        try (LogCapture app = new LogCapture(RolloutServlets.Echo.class);
                LogCapture agent = new LogCapture(RolloutServlets.AgentMdc.class)) {
            Http.Response r = get("127.0.0.17", "/agent/x", TRACEPARENT);
            assertEquals(200, r.status(), r::toString);
            assertEquals(TRACE, r.header("X-Request-ID"), "the request id is still the traceparent's");
            assertEquals(RolloutServlets.AGENT_TRACE_ID, only(app, "/agent/x").getMDCPropertyMap().get("trace_id"));
            List<ILoggingEvent> after = agent.events();
            assertEquals(1, after.size());
            assertEquals(RolloutServlets.AGENT_TRACE_ID, after.get(0).getMDCPropertyMap().get("trace_id"),
                    "not removed when the request left the filter");
        }
    }

    private static ILoggingEvent only(LogCapture log, String path) {
        List<ILoggingEvent> lines = log.events().stream().filter(e -> e.getFormattedMessage().endsWith(path)).toList();
        assertEquals(1, lines.size(), log.text());
        return lines.get(0);
    }
}
