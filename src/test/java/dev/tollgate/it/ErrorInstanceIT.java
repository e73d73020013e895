package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;

/**
 * {@code src/test/webapps/error-instance}, in the problem format: the {@code instance} of an error
 * is the path the client asked for, also when the answer comes from the error page (an unmapped
 * URL, a {@code sendError} or an exception outside the error filter), never the error page's own.
 */
class ErrorInstanceIT extends ContainerCases {

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        deploy("error-instance");
    }

    private static JsonNode problem(Http.Response r, int status) {
        assertEquals(status, r.status(), r::toString);
        assertTrue(r.header("Content-Type").startsWith("application/problem+json"), r::toString);
        JsonNode body = r.json();
        assertEquals(status, body.get("status").asInt(), r::body);
        assertEquals(r.header("X-Request-ID"), body.get("request_id").asText(), r::body);
        return body;
    }

    @Test
    void shouldNameTheRequestedPathOfAnUnmappedUrl() throws Exception {
        JsonNode body = problem(Http.get(port, "/nowhere/deeper?q=1"), 404);
        assertEquals("/nowhere/deeper", body.get("instance").asText());
        assertEquals("not_found", body.get("code").asText());
    }

    @Test
    void shouldNameTheRequestedPathOfASendErrorThroughTheErrorPage() throws Exception {
        JsonNode body = problem(Http.get(port, "/plain/send-error?sc=409"), 409);
        assertEquals("/plain/send-error", body.get("instance").asText());
    }

    @Test
    void shouldNameTheRequestedPathOfAnExceptionThroughTheErrorPage() throws Exception {
        Http.Response r = Http.get(port, "/plain/boom");
        JsonNode body = problem(r, 500);
        assertEquals("/plain/boom", body.get("instance").asText());
        assertFalse(r.body().contains(FoundationServlets.SECRET), r::body);
    }

    @Test
    void shouldNameTheRequestedPathOfASendErrorUnderTheFilter() throws Exception {
        JsonNode body = problem(Http.get(port, "/api/send-error?sc=404"), 404);
        assertEquals("/api/send-error", body.get("instance").asText());
    }

    @Test
    void shouldNameTheErrorPageItselfWhenReachedDirectly() throws Exception {
        JsonNode body = problem(Http.get(port, "/tollgate-error"), 404);
        assertEquals("/tollgate-error", body.get("instance").asText());
    }
}
