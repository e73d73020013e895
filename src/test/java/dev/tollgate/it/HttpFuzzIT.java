package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;

/**
 * A few thousand random requests against the whole chain ({@code src/test/webapps/fuzz}): methods,
 * paths with encoded and dot segments, request ids, API keys (right, wrong, huge, repeated, in a
 * bearer token or the query), {@code X-Forwarded-For} and bodies. Whatever the container lets through
 * to the application is answered below 500, with a request id, and no body echoes what the client
 * sent unless it was safe. What the container rejects itself (see "Hardening the container") is
 * counted apart.
 */
class HttpFuzzIT extends ContainerCases {

    static final int REQUESTS = Integer.getInteger("tollgate.test.fuzz-requests", 2500);
    /** What the key header property sent before: 600 requests over the two containers. */
    static final int KEY_HEADER_REQUESTS = 300;
    static final String KEY = "tg_fuzz-key-0123456789";
    static final long SEED = Long.getLong("tollgate.test.fuzz-seed", 20261125L);

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        deploy("fuzz");
    }

    /** One generated request: its bytes and what the answer must respect. */
    record Fuzzed(byte[] bytes, String method, String target, String requestId, boolean safeId, String key, boolean rightKey,
                  List<String> echoable) {
        @Override
        public String toString() {
            return new String(bytes, 0, Math.min(bytes.length, 600), StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void shouldAnswerRandomRequestsBelow500WithARequestIdAndNoUnsafeEcho() throws Exception {
        Random random = new Random(SEED);
        Map<Integer, Integer> statuses = new TreeMap<>();
        int containerRejections = 0;
        for (int i = 0; i < REQUESTS; i++) {
            Fuzzed request = fuzz(random);
            Http.Response response = Http.raw(port, request.bytes(), request.method().equals("HEAD"));
            statuses.merge(response.status(), 1, Integer::sum);
            String why = "seed " + SEED + ", request " + i + ":\n" + request + "\n=> " + response;
            // HttpServlet answers a method it has no doXxx for (PROPFIND; PATCH before Servlet 6.1) with 501.
            boolean unknownMethod = List.of("PROPFIND", "G3T", "PATCH").contains(request.method());
            assertTrue(response.status() < 500 || unknownMethod && response.status() == 501, why);
            String id = response.header("X-Request-ID");
            if (id == null) {
                // Rejected by the container before any filter ran: by its parser, or (Jetty) TRACE by
                // the security constraint of its default descriptor. Never a body of ours.
                assertTrue(response.status() == 400 || response.status() == 414 || response.status() == 431
                        || response.status() == 505 || response.status() == 403 && request.method().equals("TRACE"), why);
                assertFalse(response.body().contains("\"request_id\""), why);
                containerRejections++;
                continue;
            }
            if (request.safeId()) {
                assertEquals(request.requestId(), id, why);
            } else if (request.requestId() != null) {
                assertNotEquals(request.requestId(), id, why);
            }
            String body = response.body();
            for (String sent : request.echoable()) {
                assertFalse(body.contains(sent), () -> "echoed [" + sent + "]: " + why);
            }
            String type = response.header("Content-Type");
            if (response.status() >= 400 && type != null && type.toLowerCase(Locale.ROOT).contains("json") && body.length() > 0) {
                JsonNode json = response.json();
                assertEquals(id, json.path("request_id").asText(), why);
                assertFalse(json.path("success").asBoolean(true), why);
            }
            if (request.rightKey() && response.status() == 401) {
                throw new AssertionError("the right key was refused: " + why);
            }
            if (response.status() == 401) {
                assertTrue(response.header("WWW-Authenticate") != null, why);
            }
        }
        System.out.printf("HTTP fuzz on %s, seed %d: %d requests, statuses %s, %d rejected by the container before any filter%n",
                container, SEED, REQUESTS, statuses, containerRejections);
        assertTrue(containerRejections < REQUESTS / 2, "most requests reach the filters");
    }

    /**
     * Any {@code X-API-KEY} headers, as the bytes a client may put on the wire (any byte a header
     * value may hold, huge, repeated), on {@code /api/items}: the right key alone passes, anything
     * else is 401 and no body repeats what was sent, unless the container refuses the head itself
     * (400, 431) before any filter runs. What the key filter does with such values is also
     * {@code ApiKeyHeaderFuzzTest}'s, without a container.
     */
    @Test
    void shouldPassOnlyTheRightKeyAloneWhateverTheKeyHeadersHold() throws Exception {
        Random random = new Random(SEED);
        Map<String, Integer> answers = new TreeMap<>();
        for (int i = 0; i < KEY_HEADER_REQUESTS; i++) {
            List<String> values = keyHeaders(random);
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            request.writeBytes("GET /api/items HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n".getBytes(StandardCharsets.ISO_8859_1));
            for (String value : values) {
                request.writeBytes(("X-API-KEY: " + value + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            }
            request.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            Http.Response response = Http.raw(port, request.toByteArray(), false);
            String why = "seed " + SEED + ", request " + i + ": "
                    + values.stream().map(v -> v.length() > 80 ? v.substring(0, 80) + "…" : v).toList() + " => " + response;
            if (response.header("X-Request-ID") == null) {
                assertTrue(response.status() == 400 || response.status() == 431, why);
                answers.merge("refused by the container", 1, Integer::sum);
                continue;
            }
            List<String> presented = values.stream().map(String::strip).filter(v -> !v.isEmpty()).toList();
            assertEquals(presented.equals(List.of(KEY)) ? 200 : 401, response.status(), why);
            for (String value : presented) {
                if (value.length() >= 4) {
                    assertFalse(response.body().contains(value), why);
                }
            }
            answers.merge(String.valueOf(response.status()), 1, Integer::sum);
        }
        System.out.printf("X-API-KEY fuzz on %s, seed %d: %d requests, answers %s%n", container, SEED,
                KEY_HEADER_REQUESTS, answers);
    }

    /** No key, or up to three: printable and Latin-1 bytes and tabs, huge ones, and near misses of the right key. */
    private static List<String> keyHeaders(Random random) {
        List<String> values = new ArrayList<>();
        int count = random.nextInt(4);
        for (int v = 0; v < count; v++) {
            int kind = random.nextInt(8);
            if (kind < 4) {
                StringBuilder value = new StringBuilder();
                int length = random.nextInt(201);
                for (int c = 0; c < length; c++) {
                    int pick = random.nextInt(95 + 128 + 1);
                    value.append(pick < 95 ? (char) (' ' + pick) : pick < 95 + 128 ? (char) (0x80 + pick - 95) : '\t');
                }
                values.add(value.toString());
            } else if (kind == 4) {
                values.add("tg_" + "x".repeat(1_000 + random.nextInt(39_001)));
            } else {
                values.add(pick(random, KEY, " " + KEY + " ", KEY + "x", KEY.substring(1), KEY.toUpperCase(Locale.ROOT), "", " ",
                        "Bearer " + KEY, KEY + "," + KEY));
            }
        }
        return values;
    }

    private static Fuzzed fuzz(Random random) {
        String method = pick(random, "GET", "GET", "GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "TRACE", "PROPFIND", "G3T");
        String path = path(random);
        List<String> headers = new ArrayList<>();
        List<String> echoable = new ArrayList<>();
        String requestId = null;
        boolean safeId = false;
        switch (random.nextInt(4)) {
            case 0 -> {
                requestId = token(random, "abcXYZ0189._:-", 1 + random.nextInt(40));
                safeId = true;
            }
            case 1 -> {
                requestId = pick(random, "<script>alert(1)</script>", "id with space", "a\"b", "x".repeat(129), "ü-id",
                        "../../etc", "{\"a\":1}", "\u00ff\u00fe", "a;b", "%00");
                echoable.add(requestId);
            }
            default -> {
                // no id
            }
        }
        if (requestId != null) {
            headers.add("X-Request-ID: " + requestId);
        }
        String key = null;
        boolean rightKey = false;
        switch (random.nextInt(7)) {
            case 0, 1 -> {
                key = KEY;
                rightKey = true;
                headers.add("X-API-KEY: " + key);
            }
            case 2 -> {
                key = "tg_" + token(random, "abcdefghijklmnopqrstuvwxyz0123456789-_", 1 + random.nextInt(60));
                headers.add("X-API-KEY: " + key);
                echoable.add(key);
            }
            case 3 -> {
                key = "tg_" + "k".repeat(1000 + random.nextInt(9000));
                headers.add("X-API-KEY: " + key);
            }
            case 4 -> {
                headers.add("X-API-KEY: " + KEY);
                headers.add("X-API-KEY: tg_other-key-" + random.nextInt(1000));
            }
            case 5 -> {
                key = "tg_bearer-" + random.nextInt(100000);
                headers.add("Authorization: " + pick(random, "Bearer ", "bearer ", "Basic ", "Bearer  ", "Token ") + key);
                echoable.add(key);
            }
            default -> {
                // no key
            }
        }
        if (random.nextInt(4) == 0) {
            headers.add("X-Forwarded-For: " + pick(random, "203.0.113.9", "::ffff:203.0.113.9, 10.0.0.1", "unknown", "..::", ".::7",
                    "1.2.3.4, , 5.6.7.8", "[2001:db8::1]:443", "\u0661.1.1.1", "999.1.1.1", "a".repeat(300)));
        }
        if (random.nextInt(6) == 0) {
            headers.add("Origin: https://example.test");
            headers.add("Access-Control-Request-Method: " + pick(random, "GET", "DELETE", "X"));
        }
        String body = null;
        if (!method.equals("GET") && !method.equals("HEAD") && random.nextBoolean()) {
            body = pick(random, "{\"email\":\"a@b\"}", "{\"email\":", "[1,2", "null", "\u0000\u0001", "{}".repeat(50), "not json");
        }
        String query = query(random, echoable);
        String target = path + query;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1\r\nConnection: close\r\n");
        headers.forEach(h -> head.append(h).append("\r\n"));
        byte[] bodyBytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (body != null) {
            head.append("Content-Type: application/json\r\nContent-Length: ").append(bodyBytes.length).append("\r\n");
        }
        head.append("\r\n");
        bytes.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
        bytes.writeBytes(bodyBytes);
        // The right key counts only when it is the one key presented: two keys are refused, even equal ones.
        long keys = headers.stream().filter(h -> h.startsWith("X-API-KEY:") || h.startsWith("Authorization: Bearer ")
                || h.startsWith("Authorization: bearer ")).count() + (query.contains("api_key=") ? 1 : 0);
        return new Fuzzed(bytes.toByteArray(), method, target, requestId, safeId, key, rightKey && keys == 1, echoable);
    }

    private static String path(Random random) {
        StringBuilder path = new StringBuilder();
        path.append(pick(random, "/api", "/api", "/json", "/health", "/nowhere", "/tollgate-error", "", "/static"));
        int segments = random.nextInt(4);
        for (int i = 0; i < segments; i++) {
            path.append('/').append(pick(random, "users", "42", "..", ".", "%2e%2e", "%2E", "a%20b", "%c3%bc", "%ff", "site.css",
                    "x;jsessionid=1", "%3Cscript%3E", "~", "a+b", "", "%25", "\u00e9"));
        }
        return path.length() == 0 ? "/" : path.toString();
    }

    private static String query(Random random, List<String> echoable) {
        return switch (random.nextInt(6)) {
            case 0 -> "?api_key=" + KEY;
            case 1 -> {
                String wrong = "tg_q" + random.nextInt(1_000_000);
                echoable.add(wrong);
                yield "?api_key=" + wrong + "&x=1";
            }
            case 2 -> "?" + pick(random, "a=%3Cscript%3E", "%%", "a=b=c&&", "x=%ff", "q=" + "z".repeat(500));
            default -> "";
        };
    }

    private static String token(Random random, String chars, int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(chars.charAt(random.nextInt(chars.length())));
        }
        return s.toString();
    }

    @SafeVarargs
    private static <T> T pick(Random random, T... choices) {
        return choices[random.nextInt(choices.length)];
    }
}
