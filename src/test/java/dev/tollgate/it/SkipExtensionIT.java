package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;

/**
 * Skip-paths on each container, deploying {@code src/test/webapps/skip-extension}: both filters
 * skip {@code *.css, *.txt}; {@code /api/*} and the exact {@code /exact/theme.css} are API
 * servlets, {@code *.css} serves static files, and {@code /} is the application's own front
 * controller, which overrides the container's default servlet. The key filter also skips
 * {@code /health/*}; both filters see the ERROR dispatch to the error page.
 */
class SkipExtensionIT extends ContainerCases {

    private static final String KEY = "X-API-KEY: alice-key-0123456789";

    @Override
    EmbeddedContainer newContainer() {
        return container.withDefaultServlet();
    }

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        deploy("skip-extension");
    }

    @Test
    void shouldNotSkipAnApiPathThatEndsInASkippedExtension() throws Exception {
        Http.Response r = Http.get(port, "/api/users/42.css");
        assertEquals(401, r.status(), r::toString);
        assertEquals(401, Http.get(port, "/api/users/42.txt").status());
        assertEquals(401, Http.get(port, "/api/files/secret.css").status());
        assertEquals(401, Http.get(port, "/exact/theme.css").status(), "an exact mapping is the API too");
    }

    @Test
    void shouldCountAnApiPathThatEndsInASkippedExtension() throws Exception {
        Http.Response r = Http.get(port, "/api/users/42.css", KEY);
        assertEquals(200, r.status(), r::toString);
        assertNotNull(r.header("X-Throttle-Remaining"), "counted by the limiter");
    }

    @Test
    void shouldSkipFilesServedByAnExtensionMapping() throws Exception {
        Http.Response r = Http.get(port, "/static/site.css");
        assertEquals(200, r.status(), r::toString);
        assertNull(r.header("X-Throttle-Remaining"), "not counted");
    }

    @Test
    void shouldNotSkipWhatTheApplicationsFrontControllerServesThroughTheDefaultMapping() throws Exception {
        for (String path : new String[] {"/files/secret.txt", "/api-v2/files/secret.txt", "/docs/readme.txt"}) {
            Http.Response r = Http.get(port, path);
            assertEquals(401, r.status(), path + " " + r);
            assertEquals("Authentication required", r.json().get("error").asText(), path);
        }
    }

    @Test
    void shouldCountWhatTheApplicationsFrontControllerServesThroughTheDefaultMapping() throws Exception {
        Http.Response r = Http.get(port, "/files/secret.txt", KEY);
        assertEquals(200, r.status(), r::toString);
        assertEquals("alice", r.json().get("remote_user").asText());
        assertNotNull(r.header("X-Throttle-Remaining"), "counted by the limiter");
    }

    @Test
    void shouldAnswerTheErrorOfASkippedPathNotA401() throws Exception {
        Http.Response r = Http.get(port, "/health/boom");
        assertEquals(500, r.status(), r::toString);
        JsonNode body = r.json();
        assertFalse(body.get("success").asBoolean(true), r::body);
        assertEquals("Internal server error", body.get("error").asText(), r::body);
        assertFalse(r.body().contains(FoundationServlets.SECRET), r::body);
        assertNull(r.header("WWW-Authenticate"), r::toString);
    }

    @Test
    void shouldAnswerTheSendErrorOfASkippedPathNotA401() throws Exception {
        Http.Response r = Http.get(port, "/health/send-error?sc=404");
        assertEquals(404, r.status(), r::toString);
        assertFalse(r.json().get("success").asBoolean(true), r::body);
        assertNull(r.header("WWW-Authenticate"), r::toString);
    }

    @Test
    void shouldNotCountTheErrorDispatchOfACountedRequestAgain() throws Exception {
        // bob may call once an hour: the ERROR dispatch of his one request must not be counted as a second.
        Http.Response r = Http.get(port, "/boom", "X-API-KEY: bob-key-0123456789");
        assertEquals(500, r.status(), r::toString);
        assertEquals("Internal server error", r.json().get("error").asText(), r::body);
        assertEquals(429, Http.get(port, "/files/secret.txt", "X-API-KEY: bob-key-0123456789").status(),
                "the request was counted once, on its REQUEST dispatch");
    }

    @Test
    void shouldStillCheckTheErrorPageReachedDirectly() throws Exception {
        assertEquals(401, Http.get(port, "/tollgate-error").status());
    }
}
