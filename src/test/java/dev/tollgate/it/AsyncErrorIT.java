package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.error.ErrorRenderingFilter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code src/test/webapps/async-errors}, in the problem format: an application that went async,
 * with {@code startAsync()} or {@code startAsync(req, resp)}, and then fails is answered with the
 * error body at once, never after the (long) async timeout.
 */
class AsyncErrorIT extends ContainerCases {

    /** Far below the servlet's async timeout; an answer slower than this hung. */
    private static final Duration PROMPTLY = Duration.ofSeconds(5);

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        deploy("async-errors");
    }

    /** The answer, which must come promptly, after which the async cycle must be complete too. */
    private Http.Response get(String query, String requestId, String... headerLines) throws InterruptedException {
        String[] lines = Stream.concat(Stream.of("X-Request-ID: " + requestId), Stream.of(headerLines)).toArray(String[]::new);
        Http.Response r = assertTimeoutPreemptively(PROMPTLY,
                () -> Http.get(port, "/async?" + query, lines),
                () -> "no answer within " + PROMPTLY + " to /async?" + query);
        assertTrue(AsyncErrorServlets.completed(requestId).await(PROMPTLY.toMillis(), TimeUnit.MILLISECONDS),
                () -> "the async cycle of /async?" + query + " was not completed within " + PROMPTLY);
        return r;
    }

    private static JsonNode problem(Http.Response r, int status, String code, String requestId) {
        assertEquals(status, r.status(), r::toString);
        assertTrue(String.valueOf(r.header("Content-Type")).startsWith("application/problem+json"), r::toString);
        JsonNode body = r.json();
        assertEquals(status, body.get("status").asInt(), r::body);
        assertEquals(code, body.get("code").asText(), r::body);
        assertEquals("/async", body.get("instance").asText(), r::body);
        assertEquals(requestId, body.get("request_id").asText(), r::body);
        assertEquals(requestId, r.header("X-Request-ID"), r::toString);
        assertEquals(String.valueOf(r.bytes().length), r.header("Content-Length"), r::toString);
        return body;
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "wrapped"})
    void shouldRenderSendErrorFromAnotherThreadAtOnce(String start) throws Exception {
        String id = "async-send-error-" + start;
        Http.Response r = get("start=" + start + "&then=send-error", id);
        problem(r, 404, "not_found", id);
        assertFalse(r.body().contains("written after sendError"), r::body);
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "wrapped"})
    void shouldRenderSendErrorFromAnotherThreadBeforeTheDispatchReturnsAndLetTheAppComplete(String start)
            throws Exception {
        String id = "async-early-send-error-" + start;
        problem(get("start=" + start + "&then=early-send-error", id), 404, "not_found", id);
        if (start.equals("wrapped")) {
            // Only through Tollgate's wrapper: Jetty refuses complete() after a sendError on its own response.
            assertNull(AsyncErrorServlets.COMPLETE_FAILURES.get(id), "the application's complete() failed");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "wrapped"})
    void shouldRenderThrowRightAfterStartAsyncAtOnce(String start) throws Exception {
        String id = "async-throw-" + start;
        Http.Response r = get("start=" + start + "&then=throw", id);
        problem(r, 500, "internal_error", id);
        assertFalse(r.body().contains(FoundationServlets.SECRET), r::body);
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain", "wrapped"})
    void shouldRenderAsyncTimeoutAs503(String start) throws Exception {
        String id = "async-timeout-" + start;
        problem(get("start=" + start + "&then=timeout", id), 503, "request_timeout", id);
    }

    /**
     * The client set by the application's own authentication (a {@code ClientIdentity}, no MDC
     * entry) is in the MDC of the error filter's log line: an exception right after
     * {@code startAsync()} (ERROR), and the listener's timeout (WARN).
     */
    @ParameterizedTest
    @ValueSource(strings = {"throw", "timeout"})
    void shouldNameTheClientInTheLogOfAnAsyncFailure(String then) throws Exception {
        String id = "async-client-" + then;
        try (LogCapture log = new LogCapture(ErrorRenderingFilter.class)) {
            get("start=wrapped&then=" + then, id, "X-User: erin");
            Level level = then.equals("throw") ? Level.ERROR : Level.WARN;
            List<ILoggingEvent> events = log.events().stream().filter(e -> e.getLevel() == level).toList();
            assertEquals(1, events.size(), log::text);
            assertEquals("erin", events.get(0).getMDCPropertyMap().get("client_id"), events.get(0)::toString);
            assertEquals(id, events.get(0).getMDCPropertyMap().get("request_id"), events.get(0)::toString);
        }
    }
}
