package dev.tollgate.it;

import static dev.tollgate.it.ApiKeyIT.keysFileText;
import static dev.tollgate.it.ApiKeyIT.line;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.tollgate.error.ErrorRenderingFilter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;

/**
 * {@code src/test/webapps/error-headers}: a filter mapped before Tollgate's sets security headers
 * and two cookies; every error Tollgate renders below it (401, 404, 429, 500) keeps them, and
 * drops only the headers that described the abandoned body. The error filter's log line of a
 * failure below the key filter names the client.
 */
class ErrorHeaderIT extends ContainerCases {

    /** A key of its own: the rate limit (one request an hour) leaves alice one request. */
    private static final String DAVE = "dave-key-0123456789";

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        deploy("error-headers", keysFileText(line("alice", ApiKeyIT.ALICE, ""), line("dave", DAVE, "")));
    }

    private boolean tomcat() {
        return container == Container.TOMCAT;
    }

    /** The error body in the default format, with the outer filter's headers all kept. */
    private static void assertErrorWithOuterHeaders(Http.Response r, int status) {
        assertEquals(status, r.status(), r::toString);
        assertTrue(r.header("Content-Type").startsWith("application/json"), r::toString);
        assertFalse(r.json().get("success").asBoolean(), r::body);
        assertEquals(r.header("X-Request-ID"), r.json().get("request_id").asText());
        assertEquals("max-age=31536000; includeSubDomains", r.header("Strict-Transport-Security"), r::toString);
        assertEquals("nosniff", r.header("X-Content-Type-Options"), r::toString);
        assertEquals("DENY", r.header("X-Frame-Options"), r::toString);
        assertEquals("default-src 'none'", r.header("Content-Security-Policy"), r::toString);
        assertEquals(List.of("first=1; Path=/; HttpOnly", "second=2; Path=/; HttpOnly"), r.headers("Set-Cookie"),
                r::toString);
        assertEquals("no-store", r.header("Cache-Control"), r::toString);
    }

    @Test
    void shouldKeepOuterHeadersOnKeyFilter401() throws Exception {
        Http.Response r = Http.get(port, "/api/items");
        assertErrorWithOuterHeaders(r, 401);
        assertNotNull(r.header("WWW-Authenticate"));
        assertEquals("ran", r.header("X-Request-Filter"));
    }

    @Test
    void shouldKeepOuterHeadersOnRateLimit429() throws Exception {
        assertEquals(200, Http.get(port, "/api/items", "X-API-KEY: " + ApiKeyIT.ALICE).status());
        Http.Response r = Http.get(port, "/api/items", "X-API-KEY: " + ApiKeyIT.ALICE);
        assertErrorWithOuterHeaders(r, 429);
        assertNotNull(r.header("Retry-After"));
        assertEquals("0", r.header("X-Throttle-Remaining"));
    }

    @Test
    void shouldKeepOuterHeadersOnServletSendError404() throws Exception {
        Http.Response r = Http.get(port, "/send-error?sc=404");
        assertErrorWithOuterHeaders(r, 404);
        assertFalse(r.body().contains("written after sendError"));
    }

    @Test
    void shouldKeepOuterHeadersOnException500() throws Exception {
        Http.Response r = Http.get(port, "/boom");
        assertErrorWithOuterHeaders(r, 500);
        assertFalse(r.body().contains(FoundationServlets.SECRET));
    }

    @Test
    void shouldDropOnlyTheHeadersOfTheAbandonedBody() throws Exception {
        Http.Response r = Http.get(port, "/report");
        assertErrorWithOuterHeaders(r, 500);
        assertEquals("7", r.header("X-App-Version"), "the application's own headers stay");
        for (String dropped : List.of("Content-Disposition", "Content-Encoding", "Content-Range", "ETag",
                "Last-Modified")) {
            assertNull(r.header(dropped), dropped + " described the abandoned body: " + r);
        }
        assertEquals(String.valueOf(r.bytes().length), r.header("Content-Length"));
        assertFalse(r.body().contains("id,name"), r::body);
    }

    /**
     * Tomcat answers an unmapped URL before any REQUEST filter runs: only filters mapped for ERROR
     * (here the security headers, not the REQUEST-only one) reach the error page's answer. Jetty
     * sends it through the REQUEST filters to its default servlet.
     */
    @Test
    void shouldKeepHeadersOfFiltersThatRanOnUnmapped404() throws Exception {
        Http.Response r = Http.get(port, "/nowhere");
        assertErrorWithOuterHeaders(r, 404);
        assertEquals(tomcat() ? null : "ran", r.header("X-Request-Filter"), r::toString);
    }

    /**
     * The key filter, inside the error filter, takes {@code client_id} out of the MDC when the
     * chain returns; the error filter's ERROR line still names the client, and the MDC is clean
     * after the request.
     */
    @Test
    void shouldNameTheClientInTheErrorLogOfAFailureBelowTheKeyFilter() throws Exception {
        FoundationServlets.MdcProbe.LEAKS.clear();
        try (LogCapture log = new LogCapture(ErrorRenderingFilter.class)) {
            Http.Response r = Http.get(port, "/api/boom", "X-API-KEY: " + DAVE, "X-Request-ID: dave-500");
            assertErrorWithOuterHeaders(r, 500);
            List<ILoggingEvent> errors = log.events().stream().filter(e -> e.getLevel() == Level.ERROR).toList();
            assertEquals(1, errors.size(), log::text);
            assertEquals("dave", errors.get(0).getMDCPropertyMap().get("client_id"), errors.get(0)::toString);
            assertEquals("dave-500", errors.get(0).getMDCPropertyMap().get("request_id"));
        }
        assertEquals(500, Http.get(port, "/boom").status());
        assertTrue(FoundationServlets.MdcProbe.LEAKS.isEmpty(), FoundationServlets.MdcProbe.LEAKS::toString);
    }
}
