package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.apikey.ApiKeys;
import dev.tollgate.apikey.FileApiKeyStore;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;

/**
 * The API-key filter on each container, deploying {@code src/test/webapps/apikey}; the keys
 * file is named by the {@code tollgate.keys-file} system property, and one key is inline.
 */
class ApiKeyIT extends ContainerCases {

    static final String ALICE = "alice-key-0123456789";
    static final String READER = "reader-key-0123456789";
    static final String OLD = "old-key-0123456789";
    static final String BOB = "bob-key-0123456789";
    static final String CAROL = "carol-key-0123456789";
    static final String ORIGIN = "Origin: https://app.example";

    private Path keysFile;

    static String keysFileText(String... lines) {
        return "# test keys\n" + String.join("\n", lines) + "\n";
    }

    static String line(String client, String key, String attributes) {
        return client + "  " + ApiKeys.sha256Hex(key) + "  " + attributes;
    }

    private static final String INITIAL = keysFileText(
            line("alice", ALICE, "plan=gold"),
            line("reader", READER, "methods=GET,HEAD,OPTIONS paths=/api/reports"),
            line("old", OLD, "expires=2020-01-01T00:00:00Z"));

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        keysFile = deploy("apikey", INITIAL);
    }

    private static final List<String> CHALLENGES = List.of("ApiKey realm=\"api\", header=\"X-API-KEY\"", "Bearer realm=\"api\"");

    private JsonNode assertRejected(Http.Response r, int status, String message) {
        return assertRejected(r, status, message, CHALLENGES);
    }

    /** {@code challenges}: the {@code WWW-Authenticate} values of a 401. */
    private JsonNode assertRejected(Http.Response r, int status, String message, List<String> challenges) {
        assertEquals(status, r.status(), r::toString);
        assertTrue(r.header("Content-Type").startsWith("application/json"));
        JsonNode body = r.json();
        assertFalse(body.get("success").asBoolean(true));
        assertEquals(message, body.get("error").asText());
        assertEquals(r.header("X-Request-ID"), body.get("request_id").asText());
        if (status == 401) {
            assertEquals(challenges, r.headers("WWW-Authenticate"));
        } else {
            assertNull(r.header("WWW-Authenticate"));
        }
        return body;
    }

    @Test
    void shouldRejectMissingKeyWith401AndWwwAuthenticate() throws Exception {
        assertRejected(Http.get(port, "/api/items"), 401, "Authentication required");
        assertRejected(Http.get(port, "/api/items", "X-API-KEY: "), 401, "Authentication required");
    }

    @Test
    void shouldRejectUnknownKeyWith401() throws Exception {
        assertRejected(Http.get(port, "/api/items", "X-API-KEY: not-a-key"), 401, "Invalid API key");
        assertRejected(Http.get(port, "/api/items", "Authorization: Bearer not-a-key"), 401, "Invalid API key");
    }

    @Test
    void shouldRejectExpiredKeyWith401() throws Exception {
        assertRejected(Http.get(port, "/api/items", "X-API-KEY: " + OLD), 401, "API key expired");
    }

    @Test
    void shouldRejectMethodOrPathNotAllowedWith403() throws Exception {
        assertRejected(Http.send(port, "POST", "/api/reports", "{}", "X-API-KEY: " + READER), 403, "Permission denied");
        assertRejected(Http.get(port, "/api/reportsx", "X-API-KEY: " + READER), 403, "Permission denied");
        assertRejected(Http.get(port, "/api/items", "X-API-KEY: " + READER), 403, "Permission denied");
        assertEquals(200, Http.get(port, "/api/reports/2026", "X-API-KEY: " + READER).status());
        assertEquals(200, Http.get(port, "/api/reports", "X-API-KEY: " + READER).status());
    }

    @Test
    void shouldExposeClientToTheApplicationAndHideTheKey() throws Exception {
        Http.Response r = Http.get(port, "/api/items", "X-API-KEY: " + ALICE);
        assertEquals(200, r.status(), r::toString);
        JsonNode body = r.json();
        assertEquals("alice", body.get("remote_user").asText());
        assertEquals("alice", body.get("principal").asText());
        assertEquals("alice", body.get("client_mdc").asText());
        assertEquals("alice", body.get("client_attribute").asText());
        assertFalse(body.get("key_header_visible").asBoolean());
        Http.Response bearer = Http.get(port, "/api/items", "Authorization: Bearer " + ALICE);
        assertEquals("alice", bearer.json().get("remote_user").asText());
        assertFalse(bearer.json().get("authorization_visible").asBoolean());
    }

    @Test
    void shouldAcceptInlineKey() throws Exception {
        assertEquals("inline-bob", Http.get(port, "/api/items", "X-API-KEY: " + BOB).json().get("remote_user").asText());
    }

    @Test
    void shouldAnswerPreflightAndPassSkippedPathsWithoutKey() throws Exception {
        Http.Response preflight = Http.send(port, "OPTIONS", "/api/items", null, ORIGIN, "Access-Control-Request-Method: POST");
        assertEquals(204, preflight.status(), preflight::toString);
        assertEquals(200, Http.get(port, "/health").status());
        assertRejected(Http.send(port, "OPTIONS", "/api/items", null), 401, "Authentication required");
    }

    @Test
    void shouldAnswerAPreflightItselfSoTheApplicationNeverRunsForIt() throws Exception {
        // /legacy/*: the default preflight=answer, before a servlet that answers every method with data.
        try (LogCapture app = new LogCapture(LegacyServiceServlet.class)) {
            Http.Response preflight = Http.send(port, "OPTIONS", "/legacy/data", null, ORIGIN,
                    "Access-Control-Request-Method: DELETE", "Access-Control-Request-Headers: x-api-key");
            assertEquals(204, preflight.status(), preflight::toString);
            assertEquals("", preflight.body());
            assertNull(preflight.header("Content-Type"), preflight::toString);
            assertNull(preflight.header("WWW-Authenticate"), preflight::toString);
            assertNotNull(preflight.header("X-Request-ID"), "the outer filters' headers stay");
            assertTrue(app.events().isEmpty(), app::text);
            // The servlet does run, and is seen running, for a request with a key.
            Http.Response keyed = Http.send(port, "OPTIONS", "/legacy/data", null, "X-API-KEY: " + ALICE);
            assertEquals(LegacyServiceServlet.SECRET + " for OPTIONS", keyed.body(), keyed::toString);
            assertEquals(1, app.events().size(), app::text);
        }
    }

    @Test
    void shouldPassAPreflightToTheApplicationWithPreflightPass() throws Exception {
        // /legacy-pass/*: preflight=pass, for applications that answer CORS themselves.
        try (LogCapture app = new LogCapture(LegacyServiceServlet.class)) {
            Http.Response preflight = Http.sendFrom("127.0.0.21", port, "OPTIONS", "/legacy-pass/data", null, ORIGIN,
                    "Access-Control-Request-Method: POST");
            assertEquals(200, preflight.status(), preflight::toString);
            assertEquals(LegacyServiceServlet.SECRET + " for OPTIONS", preflight.body());
            assertEquals(1, app.events().size(), app::text);
        }
    }

    @Test
    void shouldCheckAnOptionsWhoseRequestMethodIsNoMethodTokenLikeAnyRequest() throws Exception {
        List<String> headerOnly = List.of("ApiKey realm=\"api\", header=\"X-API-KEY\"");
        try (LogCapture app = new LogCapture(LegacyServiceServlet.class)) {
            for (String method : List.of("GET<bad>", "x y", "GET,POST", "")) {
                String header = "Access-Control-Request-Method: " + method;
                assertRejected(Http.send(port, "OPTIONS", "/legacy/data", null, ORIGIN, header), 401,
                        "Authentication required");
                assertRejected(Http.sendFrom("127.0.0.23", port, "OPTIONS", "/legacy-pass/data", null, ORIGIN, header), 401,
                        "Authentication required", headerOnly);
            }
            assertTrue(app.events().isEmpty(), app::text);
        }
    }

    @Test
    void shouldCountPassedPreflightsAgainstTheLimit() throws Exception {
        // /legacy-pass/*: preflight=pass, then 2/1h per address for requests without a key.
        for (int remaining = 1; remaining >= 0; remaining--) {
            Http.Response preflight = Http.sendFrom("127.0.0.22", port, "OPTIONS", "/legacy-pass/data", null, ORIGIN,
                    "Access-Control-Request-Method: PUT");
            assertEquals(200, preflight.status(), preflight::toString);
            assertEquals(String.valueOf(remaining), preflight.header("X-Throttle-Remaining"), preflight::toString);
        }
        Http.Response limited = Http.sendFrom("127.0.0.22", port, "OPTIONS", "/legacy-pass/data", null, ORIGIN,
                "Access-Control-Request-Method: PUT");
        assertEquals(429, limited.status(), limited::toString);
        assertFalse(limited.body().contains(LegacyServiceServlet.SECRET), limited::toString);
    }

    @Test
    void shouldReadTheKeyFromTheQueryCheckPreflightAndNameTheRealmWhereConfigured() throws Exception {
        // /query/*: query-param=api_key, skip-preflight=false (preflight=check), realm=partners; /api/*: none of these.
        Http.Response r = Http.get(port, "/query/items?page=2&api_key=" + ALICE);
        assertEquals(200, r.status(), r::toString);
        assertEquals("alice", r.json().get("remote_user").asText());
        // That filter has realm=partners and takes no bearer tokens, so it challenges for the header only.
        List<String> headerOnly = List.of("ApiKey realm=\"partners\", header=\"X-API-KEY\"");
        assertRejected(Http.get(port, "/query/items?api_key=not-a-key"), 401, "Invalid API key", headerOnly);
        assertRejected(Http.get(port, "/query/items?api_key=" + ALICE, "X-API-KEY: " + BOB), 401, "Invalid API key", headerOnly);
        assertRejected(Http.send(port, "OPTIONS", "/query/items", null, ORIGIN, "Access-Control-Request-Method: POST"), 401,
                "Authentication required", headerOnly);
        assertRejected(Http.get(port, "/api/items?api_key=" + ALICE), 401, "Authentication required");
    }

    @Test
    void shouldAnswerBadKeysWithClean401() throws Exception {
        assertRejected(Http.get(port, "/api/items", "X-API-KEY: " + ALICE, "X-API-KEY: " + BOB), 401, "Invalid API key");
        assertRejected(Http.get(port, "/api/items", "X-API-KEY: " + "k".repeat(10 * 1024)), 401, "Invalid API key");
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        raw.write(("GET /api/items HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-API-KEY: caf").getBytes(StandardCharsets.US_ASCII));
        raw.write(new byte[] {(byte) 0xC3, (byte) 0xA9, (byte) 0xFF});
        raw.write("\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertRejected(Http.raw(port, raw.toByteArray(), false), 401, "Invalid API key");
    }

    @Test
    void shouldPickUpRotatedKeysAndKeepThemWhenFileBreaks() throws Exception {
        String rotated = keysFileText(
                line("alice", ALICE, "plan=gold"),
                line("carol", CAROL, ""));
        try {
            Files.writeString(keysFile, rotated);
            awaitStatus(CAROL, 200);
            awaitStatus(READER, 401);
            // Loaded, this file would drop carol.
            try (LogCapture log = new LogCapture(FileApiKeyStore.class)) {
                Files.writeString(keysFile, keysFileText(line("alice", ALICE, "plan=gold"), "broken-line-without-hash"));
                Wait.forLog(log, "Keys file not reloaded, keeping the previous");
            }
            assertEquals(200, Http.get(port, "/api/items", "X-API-KEY: " + CAROL).status(), "a broken file keeps the keys");
        } finally {
            Files.writeString(keysFile, INITIAL);
            awaitStatus(READER, 200, "/api/reports");
        }
    }

    private void awaitStatus(String key, int status) throws Exception {
        awaitStatus(key, status, "/api/items");
    }

    private void awaitStatus(String key, int status, String path) throws Exception {
        Wait.until("status " + status + " on " + path, () -> Http.get(port, path, "X-API-KEY: " + key).status(), s -> s == status);
    }
}
