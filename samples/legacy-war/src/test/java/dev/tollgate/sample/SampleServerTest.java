package dev.tollgate.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The README's curl walk-through, run against the sample as the README starts it. */
class SampleServerTest {

    private static final SampleServer SERVER = new SampleServer();
    private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        port = SERVER.start(0, SampleServer.webappDir());
    }

    @AfterAll
    static void stop() throws Exception {
        SERVER.stop();
    }

    static final String DEMO_KEY = "tg_demo-key-for-the-sample-only";
    static final String READ_ONLY_KEY = "tg_demo-read-only-key";
    static final String ADMIN_KEY = "tg_demo-admin-key-for-the-status-page";

    private static HttpResponse<String> call(String method, String path, String body) throws Exception {
        return call(method, path, body, DEMO_KEY);
    }

    private static HttpResponse<String> call(String method, String path, String body, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10))
                .header("X-API-KEY", key == null ? "" : key)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode error(HttpResponse<String> r, int status) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode body = new ObjectMapper().readTree(r.body());
        assertFalse(body.get("success").asBoolean());
        assertEquals(r.headers().firstValue("X-Request-ID").orElseThrow(), body.get("request_id").asText());
        return body;
    }

    /** The README's status page: only the admin key, whose paths name the page, reads it; in the query for a browser. */
    @Test
    void shouldShowTheStatusPageToTheAdminKeyOnly() throws Exception {
        assertEquals(200, call("GET", "/api/hello", null).statusCode());
        HttpResponse<String> status = call("GET", "/tollgate/status.json", null, ADMIN_KEY);
        assertEquals(200, status.statusCode(), status.body());
        JsonNode filters = new ObjectMapper().readTree(status.body()).get("filters");
        assertEquals(4, filters.size(), status.body());
        assertFalse(status.body().contains(DEMO_KEY), "no key on the page");
        HttpResponse<String> page = call("GET", "/tollgate/?api_key=" + ADMIN_KEY, null, null);
        assertEquals(200, page.statusCode(), page.body());
        assertTrue(page.headers().firstValue("Content-Type").orElseThrow().startsWith("text/html"));
        error(call("GET", "/tollgate/status.json", null, null), 401);
        error(call("GET", "/tollgate/status.json", null, DEMO_KEY), 403);
    }

    @Test
    void shouldAnswerTheReadmeWalkThrough() throws Exception {
        assertEquals(200, call("GET", "/api/hello", null).statusCode());
        assertEquals("This field is required",
                error(call("POST", "/api/users", "{}"), 400).get("errors").get("email").get(0).asText());
        assertEquals("Malformed JSON", error(call("POST", "/api/users", "{\"email\":"), 400).get("error").asText());
        HttpResponse<String> fail = call("GET", "/api/fail", null);
        assertEquals("Internal server error", error(fail, 500).get("error").asText());
        assertFalse(fail.body().contains("s3cret"));
        assertEquals("Resource not found", error(call("GET", "/api/missing", null), 404).get("error").asText());
        assertEquals("Resource not found", error(call("GET", "/nowhere", null), 404).get("error").asText());
        HttpResponse<String> refused = call("PUT", "/api/hello", null);
        assertEquals("Method not allowed", error(refused, 405).get("error").asText());
        List<String> allowed = List.of(refused.headers().firstValue("Allow").orElseThrow().split(", "));
        assertTrue(allowed.containsAll(List.of("GET", "HEAD", "OPTIONS")) && !allowed.contains("PUT"), allowed::toString);
        assertTrue(call("GET", "/api/slow", null).body().contains("\"success\":true"));
        assertEquals("Authentication required", error(call("GET", "/api/hello", null, null), 401).get("error").asText());
        assertEquals("Invalid API key", error(call("GET", "/api/hello", null, "tg_wrong"), 401).get("error").asText());
        assertTrue(call("GET", "/api/hello", null, READ_ONLY_KEY).body().contains("\"client\":\"reporting\""));
        assertEquals("Permission denied", error(call("GET", "/api/fail", null, READ_ONLY_KEY), 403).get("error").asText());
        assertEquals(200, call("GET", "/health", null, null).statusCode());
        // The read-only key is on the default plan, 5 a minute; one call was counted above.
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> ok = call("GET", "/api/hello", null, READ_ONLY_KEY);
            assertEquals(200, ok.statusCode(), ok.body());
            assertEquals("5", ok.headers().firstValue("X-Throttle-Limit").orElseThrow());
        }
        HttpResponse<String> limited = call("GET", "/api/hello", null, READ_ONLY_KEY);
        assertEquals("Rate limit exceeded", error(limited, 429).get("error").asText());
        assertEquals("0", limited.headers().firstValue("X-Throttle-Remaining").orElseThrow());
        assertTrue(Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow()) >= 1);
        assertEquals("60", call("GET", "/api/hello", null).headers().firstValue("X-Throttle-Limit").orElseThrow(),
                "the demo key is on plan gold");
        assertEquals("Request timed out", error(call("GET", "/api/slow?stall=true", null), 503).get("error").asText());
    }
}
