package dev.tollgate.it;

import static dev.tollgate.it.FoundationServlets.SECRET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.error.ErrorRenderingFilter;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;

/**
 * The foundation's cases: request ids and error rendering, over HTTP, on each container
 * deploying {@code src/test/webapps/foundation}. Each container has a subclass.
 */
class FoundationIT extends ContainerCases {

    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        deploy("foundation");
    }

    @BeforeEach
    void clearProbe() {
        FoundationServlets.MdcProbe.LEAKS.clear();
    }

    /** Checks the headers every error carries and returns the body. */
    private JsonNode assertErrorShape(Http.Response r, int status) {
        assertEquals(status, r.status(), r::toString);
        assertEquals("application/json;charset=utf-8", r.header("Content-Type").replace(" ", "").toLowerCase(Locale.ROOT));
        assertEquals("no-store", r.header("Cache-Control"));
        assertEquals(String.valueOf(r.bytes().length), r.header("Content-Length"));
        JsonNode body = r.json();
        assertFalse(body.get("success").asBoolean(true));
        assertTrue(body.get("error").isTextual());
        assertNotNull(r.header("X-Request-ID"));
        assertEquals(r.header("X-Request-ID"), body.get("request_id").asText());
        assertFalse(r.body().contains(SECRET), r::body);
        return body;
    }

    @Test
    void shouldAnswerOkAndExposeRequestIdToTheApplication() throws Exception {
        Http.Response r = Http.get(port, "/ok");
        assertEquals(200, r.status());
        String id = r.header("X-Request-ID");
        assertTrue(UUID.matcher(id).matches(), id);
        assertEquals(id, r.json().get("attribute").asText());
        assertEquals(id, r.json().get("mdc").asText());
        assertTrue(FoundationServlets.MdcProbe.LEAKS.isEmpty(), FoundationServlets.MdcProbe.LEAKS::toString);
    }

    @Test
    void shouldAcceptSafeIncomingRequestIdInHeaderMdcAndBody() throws Exception {
        String id = "client-42.retry:1_A";
        Http.Response ok = Http.get(port, "/ok", "X-Request-ID: " + id);
        assertEquals(id, ok.header("X-Request-ID"));
        assertEquals(id, ok.json().get("mdc").asText());
        Http.Response error = Http.get(port, "/validation", "X-Request-ID: " + id);
        assertEquals(id, assertErrorShape(error, 400).get("request_id").asText());
    }

    @Test
    void shouldReplaceUnsafeIncomingRequestIds() throws Exception {
        for (String unsafe : List.of("has space", "a".repeat(129), "abc%0D%0Aset-cookie:x", "<script>", "ünïcode")) {
            Http.Response r = Http.get(port, "/validation", "X-Request-ID: " + unsafe);
            String id = r.header("X-Request-ID");
            assertTrue(UUID.matcher(id).matches(), unsafe + " -> " + id);
            assertEquals(id, assertErrorShape(r, 400).get("request_id").asText());
        }
        Http.Response longest = Http.get(port, "/ok", "X-Request-ID: " + "b".repeat(128));
        assertEquals("b".repeat(128), longest.header("X-Request-ID"));
    }

    @Test
    void shouldRenderApiExceptionWithFieldErrorsInOrder() throws Exception {
        JsonNode body = assertErrorShape(Http.get(port, "/validation"), 400);
        assertEquals("Validation failed", body.get("error").asText());
        assertEquals("{\"email\":[\"This field is required\"],\"password\":[\"Password must be at least 8 characters\","
                + "\"Password must contain a digit\"]}", body.get("errors").toString());
        assertEquals(List.of("success", "error", "errors", "request_id"), fieldNames(body));
    }

    @Test
    void shouldRender500WithoutSecretAndLogStackOnceWithRequestId() throws Exception {
        try (LogCapture log = new LogCapture(ErrorRenderingFilter.class)) {
            Http.Response r = Http.get(port, "/boom", "X-Request-ID: trace-500");
            JsonNode body = assertErrorShape(r, 500);
            assertEquals("Internal server error", body.get("error").asText());
            assertEquals(List.of("success", "error", "request_id"), fieldNames(body));
            assertFalse(r.body().contains("IllegalStateException"));
            assertFalse(r.body().contains("at dev.tollgate"));
            List<ILoggingEvent> errors = log.events().stream().filter(e -> e.getLevel() == Level.ERROR).toList();
            assertEquals(1, errors.size(), log::text);
            assertTrue(errors.get(0).getFormattedMessage().contains("trace-500"), log::text);
            assertEquals("trace-500", errors.get(0).getMDCPropertyMap().get("request_id"));
            assertEquals(IllegalStateException.class.getName(), errors.get(0).getThrowableProxy().getClassName());
        }
    }

    @Test
    void shouldRenderErrorsThrownAsServletExceptionsAndErrorsAs500() throws Exception {
        assertEquals("Internal server error", assertErrorShape(Http.get(port, "/boom?kind=servlet"), 500).get("error").asText());
        assertEquals("Internal server error", assertErrorShape(Http.get(port, "/boom?kind=error"), 500).get("error").asText());
    }

    @Test
    void shouldUseNearestMappingAlongTheCauseChain() throws Exception {
        assertEquals("Resource not found", assertErrorShape(Http.get(port, "/boom?kind=mapped"), 404).get("error").asText());
        assertEquals("Resource not found", assertErrorShape(Http.get(port, "/boom?kind=wrapped"), 404).get("error").asText());
        assertEquals("Invalid argument", assertErrorShape(Http.get(port, "/boom?kind=subclass"), 422).get("error").asText());
    }

    @Test
    void shouldRenderMalformedJsonAs400() throws Exception {
        Http.Response r = Http.send(port, "POST", "/json", "{\"email\": ", "Content-Type: application/json");
        assertEquals("Malformed JSON", assertErrorShape(r, 400).get("error").asText());
        assertEquals(204, Http.send(port, "POST", "/json", "{\"email\": \"a@b.c\"}", "Content-Type: application/json").status());
    }

    @Test
    void shouldRenderSendErrorAsJsonWithThatStatus() throws Exception {
        assertEquals("Resource not found", assertErrorShape(Http.get(port, "/send-error?sc=404"), 404).get("error").asText());
        JsonNode withMessage = assertErrorShape(Http.get(port, "/send-error?sc=409&msg=" + SECRET.replace("=", "%3D")), 409);
        assertEquals("Conflict", withMessage.get("error").asText());
        Http.Response r = Http.get(port, "/send-error?sc=503");
        assertEquals("Service unavailable", assertErrorShape(r, 503).get("error").asText());
        assertFalse(r.body().contains("written after sendError"));
    }

    @Test
    void shouldRenderUnmappedUrlAs404Json() throws Exception {
        Http.Response r = Http.get(port, "/no/such/thing", "X-Request-ID: lost-1");
        JsonNode body = assertErrorShape(r, 404);
        assertEquals("Resource not found", body.get("error").asText());
        assertEquals("lost-1", body.get("request_id").asText());
    }

    @Test
    void shouldRender405WithAllowHeader() throws Exception {
        Http.Response r = Http.send(port, "POST", "/get-only", "x=1", "Content-Type: application/x-www-form-urlencoded");
        assertEquals("Method not allowed", assertErrorShape(r, 405).get("error").asText());
        // The servlet's own value, kept as it is: one computed from its class would name POST (it overrides doPost).
        assertEquals("GET, HEAD, OPTIONS", r.header("Allow"));
    }

    /** The methods of a response's one {@code Allow} header. */
    private static List<String> allowed(Http.Response r) {
        assertEquals(1, r.headers("Allow").size(), r::toString);
        return List.of(r.header("Allow").split(", "));
    }

    /**
     * A 405 sent by {@code HttpServlet} itself (a method whose {@code doXxx} the servlet does not
     * override) carries no {@code Allow}; the rendered one carries what the container's own
     * {@code doOptions} answers for that servlet, TRACE included where that lists it: the Servlet
     * API's {@code HttpServlet} always does (on Jetty, and on the embedded Tomcat of these tests,
     * where the API jar comes first), Tomcat's own only when its connector allows TRACE.
     */
    @Test
    void shouldRender405OfAPlainHttpServletWithTheAllowOfItsDoOptions() throws Exception {
        String options = Http.send(port, "OPTIONS", "/plain-get", null).header("Allow");
        for (String method : List.of("PUT", "POST", "DELETE")) {
            Http.Response r = Http.send(port, method, "/plain-get", method.equals("DELETE") ? null : "x");
            assertEquals("Method not allowed", assertErrorShape(r, 405).get("error").asText());
            List<String> allowed = allowed(r);
            assertTrue(allowed.containsAll(List.of("GET", "HEAD", "OPTIONS")), r::toString);
            assertFalse(allowed.contains("PUT") || allowed.contains("POST") || allowed.contains("DELETE"), r::toString);
            assertEquals(options, r.header("Allow"), "the Allow of OPTIONS /plain-get");
        }
        Http.Response head = Http.send(port, "HEAD", "/plain-get", null);
        assertEquals(200, head.status(), head::toString);
    }

    @Test
    void shouldRender405OfAGetAndPostServletWithGetHeadPostInAllow() throws Exception {
        Http.Response r = Http.send(port, "DELETE", "/get-and-post", null);
        assertErrorShape(r, 405);
        List<String> allowed = allowed(r);
        assertTrue(allowed.containsAll(List.of("GET", "HEAD", "POST", "OPTIONS")), r::toString);
        assertFalse(allowed.contains("PUT") || allowed.contains("DELETE"), r::toString);
        assertEquals(Http.send(port, "OPTIONS", "/get-and-post", null).header("Allow"), r.header("Allow"));
        assertEquals(r.header("Allow"), Http.send(port, "PUT", "/get-and-post", "x").header("Allow"));
    }

    /**
     * Tomcat's connector refuses TRACE itself (it does not allow TRACE by default), with an
     * {@code Allow} of its own, and the error page renders it: that {@code Allow} is kept (one
     * worked out here would name TRACE, as the API's {@code doOptions} of these tests does).
     * Jetty's default descriptor forbids TRACE: 403.
     */
    @Test
    void shouldKeepTheAllowOfA405FromTheContainerItself() throws Exception {
        Http.Response r = Http.send(port, "TRACE", "/plain-get", null);
        if (container == Container.TOMCAT) {
            assertEquals("Method not allowed", assertErrorShape(r, 405).get("error").asText());
            List<String> allowed = allowed(r);
            assertTrue(allowed.contains("GET") && !allowed.contains("TRACE"), r::toString);
        } else {
            assertTrue(r.status() != 405 || r.header("Allow") != null, r::toString);
        }
    }

    /** Tomcat renders it through the error page ({@code ErrorPageServlet}); so does Jetty. */
    @Test
    void shouldRender405FromOutsideTheErrorFilterWithTheAllowOfTheRequestedServlet() throws Exception {
        Http.Response r = Http.send(port, "POST", "/refused-outside", "x");
        assertEquals("Method not allowed", assertErrorShape(r, 405).get("error").asText());
        assertTrue(allowed(r).containsAll(List.of("GET", "HEAD", "OPTIONS")), r::toString);
        assertEquals(Http.send(port, "OPTIONS", "/refused-outside", null).header("Allow"), r.header("Allow"));
    }

    /**
     * A servlet that is not an {@code HttpServlet}, or one that answers everything in its own
     * {@code service()}: which methods it serves cannot be known, and none are invented.
     */
    @Test
    void shouldRender405WithoutAllowWhereTheMethodsCannotBeKnown() throws Exception {
        Http.Response generic = Http.get(port, "/generic-refusal");
        assertEquals("Method not allowed", assertErrorShape(generic, 405).get("error").asText());
        assertNull(generic.header("Allow"), generic::toString);
        Http.Response service = Http.get(port, "/send-error?sc=405");
        assertErrorShape(service, 405);
        assertNull(service.header("Allow"), service::toString);
    }

    @Test
    void shouldNotWriteToCommittedResponse() throws Exception {
        try (LogCapture log = new LogCapture(ErrorRenderingFilter.class)) {
            Http.Response r = Http.get(port, "/committed");
            assertEquals(200, r.status());
            assertTrue(r.body().startsWith("partial answer"), r::body);
            assertFalse(r.body().contains("success"));
            assertTrue(log.text().contains("committed"), log::text);
        }
    }

    @Test
    void shouldRenderCleanBodyAfterWriterUsedAndKeepErrorHeaders() throws Exception {
        Http.Response r = Http.get(port, "/writer");
        JsonNode body = assertErrorShape(r, 409);
        assertFalse(r.body().contains("half a page"));
        assertEquals("User with this email already exists", body.get("errors").get("email").get(0).asText());
        assertEquals("30", r.header("Retry-After"));
        assertEquals("ApiKey header=\"X-API-KEY\"", r.header("WWW-Authenticate"));
        assertEquals("60", r.header("X-Throttle-Limit"));
    }

    @Test
    void shouldRenderAsyncErrorWithoutSecret() throws Exception {
        Http.Response r = Http.get(port, "/async?mode=error", "X-Request-ID: async-err");
        JsonNode body = assertErrorShape(r, 500);
        assertEquals("async-err", body.get("request_id").asText());
        assertTrue(FoundationServlets.MdcProbe.LEAKS.isEmpty(), FoundationServlets.MdcProbe.LEAKS::toString);
    }

    @Test
    void shouldRenderAsyncTimeoutAs503() throws Exception {
        Http.Response r = Http.get(port, "/async?mode=timeout", "X-Request-ID: async-slow");
        JsonNode body = assertErrorShape(r, 503);
        assertEquals("Request timed out", body.get("error").asText());
        assertEquals("async-slow", body.get("request_id").asText());
    }

    @Test
    void shouldLeaveSuccessfulAsyncAlone() throws Exception {
        Http.Response r = Http.get(port, "/async?mode=ok");
        assertEquals(200, r.status());
        assertEquals("async ok", r.body());
    }

    @Test
    void shouldAnswerHeadWithHeadersAndNoBody() throws Exception {
        Http.Response r = Http.send(port, "HEAD", "/boom", null, "X-Request-ID: head-1");
        assertEquals(500, r.status());
        assertEquals("head-1", r.header("X-Request-ID"));
        assertTrue(r.header("Content-Type").startsWith("application/json"));
        assertEquals(0, r.bytes().length);
        int length = Integer.parseInt(r.header("Content-Length"));
        assertEquals(Http.get(port, "/boom", "X-Request-ID: head-1").bytes().length, length);
    }

    @Test
    void shouldGiveEachRequestItsOwnId() throws Exception {
        String first = Http.get(port, "/ok").header("X-Request-ID");
        String second = Http.get(port, "/ok").header("X-Request-ID");
        assertNotEquals(first, second);
    }

    private static List<String> fieldNames(JsonNode body) {
        List<String> names = new java.util.ArrayList<>();
        body.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
