package dev.tollgate.it;

import static dev.tollgate.it.ApiKeyIT.keysFileText;
import static dev.tollgate.it.ApiKeyIT.line;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;

/**
 * {@code src/test/webapps/formats} chooses the Netilion format by context-param: every answer, from
 * the key and rate-limit filters, the container and a servlet, comes out in it, with its statuses
 * and the usual headers.
 */
class FormatIT extends ContainerCases {

    private static final String WRITER = "writer-key-0123456789";

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        deploy("formats", keysFileText(
                line("alice", ApiKeyIT.ALICE, ""),
                line("reader", ApiKeyIT.READER, "methods=GET"),
                line("old", ApiKeyIT.OLD, "expires=2020-01-01T00:00:00Z"),
                line("writer", WRITER, "")));
    }

    /** Checks the Netilion shape and returns the one entry. */
    private static JsonNode netilion(Http.Response r, int status, String type) {
        assertEquals(status, r.status(), r::toString);
        assertTrue(r.header("Content-Type").startsWith("application/json"));
        assertNotNull(r.header("X-Request-ID"));
        JsonNode errors = r.json().get("errors");
        assertEquals(1, errors.size(), r::body);
        JsonNode entry = errors.get(0);
        assertEquals(type, entry.get("type").asText());
        assertTrue(entry.get("attribute").isNull());
        assertEquals(1, r.json().size(), "only errors: " + r.body());
        return entry;
    }

    @Test
    void shouldRenderKeyFilterAnswersInTheFormat() throws Exception {
        Http.Response missing = Http.get(port, "/api/items");
        assertEquals("Authentication required", netilion(missing, 401, "unauthorized").get("message").asText());
        assertTrue(missing.header("WWW-Authenticate").startsWith("ApiKey "));
        netilion(Http.get(port, "/api/items", "X-API-KEY: wrong"), 401, "invalid_api_key");
        Http.Response expired = Http.get(port, "/api/items", "X-API-KEY: " + ApiKeyIT.OLD);
        netilion(expired, 402, "expired_api_key");
        assertNotNull(expired.header("WWW-Authenticate"), "headers do not change with the format");
        Http.Response denied = Http.send(port, "POST", "/api/items", "{}", "X-API-KEY: " + ApiKeyIT.READER);
        netilion(denied, 403, "access_denied");
    }

    @Test
    void shouldRenderRateLimitAnswerInTheFormat() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals(200, Http.get(port, "/api/items", "X-API-KEY: " + ApiKeyIT.ALICE).status());
        }
        Http.Response limited = Http.get(port, "/api/items", "X-API-KEY: " + ApiKeyIT.ALICE);
        netilion(limited, 429, "too_many_requests");
        assertNotNull(limited.header("Retry-After"));
        assertEquals("0", limited.header("X-Throttle-Remaining"));
    }

    @Test
    void shouldRenderContainerAndServletErrorsInTheFormat() throws Exception {
        netilion(Http.get(port, "/nowhere"), 404, "not_found_no_permission");
        Http.Response boom = Http.get(port, "/api/boom", "X-API-KEY: " + ApiKeyIT.READER);
        assertEquals("Internal server error", netilion(boom, 500, "internal_server_error").get("message").asText());
        assertFalse(boom.body().contains(FoundationServlets.SECRET));
        assertNull(Http.get(port, "/nowhere").header("WWW-Authenticate"));
    }

    @Test
    void shouldKeepAllowOn405InTheFormat() throws Exception {
        Http.Response r = Http.send(port, "POST", "/api/get-only", "{}", "X-API-KEY: " + WRITER);
        netilion(r, 405, "invalid_input");
        assertEquals("GET, HEAD, OPTIONS", r.header("Allow"));
    }

    @Test
    void shouldShowSendErrorMessagesOf4xxButNever5xxWhenConfigured() throws Exception {
        // The errors filter here has send-error-message=true.
        Http.Response conflict = Http.get(port, "/send-error?sc=409&msg=Widget+7+exists");
        assertEquals("Widget 7 exists", netilion(conflict, 409, "invalid_input").get("message").asText());
        Http.Response down = Http.get(port, "/send-error?sc=503&msg=db-primary.internal+refused");
        assertEquals("Service unavailable", netilion(down, 500, "service_unavailable").get("message").asText());
        assertFalse(down.body().contains("db-primary"), down::body);
    }
}
