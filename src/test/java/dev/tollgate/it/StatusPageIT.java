package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.apikey.ApiKeys;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;

/**
 * The status page on each container, deploying {@code src/test/webapps/status}: one servlet under
 * each protection (loopback only, an API key scoped to it, a role of the container's realm), beside
 * the four filters it reports on. What it shows, what it refuses, and the headers of every answer.
 */
class StatusPageIT extends ContainerCases {

    static final String ADMIN = "admin-key-0123456789";
    static final String PARTNER = "partner-key-0123456789";
    static final String ACME = "acme-key-0123456789";
    static final String BETA = "beta-key-0123456789";

    static String keysFile() {
        return ApiKeyIT.keysFileText(
                ApiKeyIT.line("ops-admin", ADMIN, "paths=/tollgate-key,/tollgate-trial"),
                ApiKeyIT.line("partner", PARTNER, ""),
                ApiKeyIT.line("acme", ACME, "methods=GET paths=/api"),
                ApiKeyIT.line("beta", BETA, "expires=2099-01-01T00:00:00Z"));
    }

    private RedisServerProcess redis;

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        redis = RedisServerProcess.start();
        deploy(WebappTemplate.fill("status", Map.of("REDIS_URI", redis.uri())), keysFile());
    }

    @AfterParameterizedClassInvocation
    void stopRedis() {
        redis.close();
    }

    private Http.Response get(String path, String... headers) throws Exception {
        return Http.get(port, path, headers);
    }

    private static JsonNode filter(JsonNode status, String name) {
        for (JsonNode filter : status.get("filters")) {
            if (filter.get("name").asText().equals(name)) {
                return filter;
            }
        }
        throw new AssertionError("no filter " + name + " in " + status);
    }

    private static void assertGuarded(Http.Response response) {
        assertEquals("no-store", response.header("Cache-Control"), response.toString());
        assertEquals("DENY", response.header("X-Frame-Options"));
        assertEquals("nosniff", response.header("X-Content-Type-Options"));
        assertTrue(response.header("Content-Security-Policy").contains("frame-ancestors 'none'"), response.toString());
    }

    /** The answer refuses in the application's error format and carries no status data. */
    private static void assertRefused(int status, Http.Response response) {
        assertEquals(status, response.status(), response.toString());
        JsonNode body = response.json();
        assertFalse(body.get("success").asBoolean(), response.toString());
        assertNotNull(body.get("request_id"), response.toString());
        assertNull(body.get("filters"), response.toString());
        assertFalse(response.body().contains("acme"), response.toString());
    }

    @Test
    void thePageRunsOnlyItsOwnScriptAndStyle() throws Exception {
        Http.Response page = get("/tollgate/");
        assertEquals(200, page.status(), page.toString());
        assertTrue(page.header("Content-Type").startsWith("text/html"), page.toString());
        assertGuarded(page);
        String html = page.body();
        String csp = page.header("Content-Security-Policy");
        assertTrue(csp.contains("script-src " + sha256Of(html, "script") + ";"), csp);
        assertTrue(csp.contains("style-src " + sha256Of(html, "style") + ";"), csp);
        assertTrue(csp.contains("default-src 'none'"), csp);
        assertTrue(csp.contains("connect-src 'self'"), csp);
        assertFalse(csp.contains("unsafe"), csp);
        // No asset from anywhere else: an offline intranet shows the page as it is.
        assertFalse(html.contains("http://") || html.contains("https://") || html.contains("src=\""), html);
        assertTrue(html.contains("data-refresh=\"1\""), "the refresh init-param reaches the page");
    }

    private static String sha256Of(String html, String tag) throws Exception {
        String body = html.substring(html.indexOf("<" + tag + ">") + tag.length() + 2, html.indexOf("</" + tag + ">"));
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8));
        return "'sha256-" + Base64.getEncoder().encodeToString(digest) + "'";
    }

    @Test
    void theMappingWithoutItsSlashRedirectsToThePage() throws Exception {
        Http.Response bare = get("/tollgate");
        assertEquals(302, bare.status(), bare.toString());
        assertTrue(bare.header("Location").endsWith("/tollgate/"), bare.toString());
    }

    @Test
    void statusShowsEveryFilterTheLimitedClientAndTheKeysButNoSecret() throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            statuses.add(get("/api/orders", "X-API-Key: " + ACME).status());
        }
        assertEquals(List.of(200, 200, 200, 429, 429), statuses);

        Http.Response response = get("/tollgate/status.json");
        assertEquals(200, response.status(), response.toString());
        assertTrue(response.header("Content-Type").startsWith("application/json"), response.toString());
        assertGuarded(response);
        JsonNode status = response.json();
        List<String> types = new ArrayList<>();
        status.get("filters").forEach(f -> types.add(f.get("type").asText()));
        assertTrue(types.containsAll(List.of("RequestIdFilter", "ErrorRenderingFilter", "ApiKeyFilter", "RateLimitFilter")), types.toString());

        JsonNode limiter = filter(status, "rate-limit");
        assertEquals("enforce", limiter.get("mode").asText());
        assertTrue(limiter.at("/counters/allowed/total").asLong() >= 3, limiter.toString());
        assertTrue(limiter.at("/counters/rejected/last_minute").asLong() >= 2, limiter.toString());
        assertEquals("local", limiter.at("/store/store").asText());
        assertEquals("none", limiter.at("/store/circuit").asText());
        JsonNode top = limiter.at("/top_clients/last_minute/0");
        assertEquals("client:acme", top.get("client").asText(), limiter.toString());
        assertEquals(2, top.get("rejections").asLong());
        // Two limits, neither named by a header: the local bucket tells which one rejected.
        assertEquals("default-1m", top.get("limit").asText());
        assertFalse(top.get("next_token_at").isNull());
        assertEquals("client:acme", limiter.at("/top_clients/last_hour/0/client").asText());

        JsonNode keys = filter(status, "api-key");
        assertEquals(4, keys.get("keys_loaded").asInt());
        assertTrue(keys.at("/keys_source/type").asText().startsWith("file "), keys.toString());
        assertEquals("success", keys.at("/keys_source/last_reload_outcome").asText());
        JsonNode acme = null;
        for (JsonNode key : keys.get("keys")) {
            if (key.get("client_id").asText().equals("acme")) {
                acme = key;
            }
        }
        assertNotNull(acme, keys.toString());
        assertEquals("[\"GET\"]", acme.get("methods").toString());
        assertEquals("[\"/api\"]", acme.get("paths").toString());
        assertFalse(acme.get("last_used_at").isNull(), "an accepted key has a last use");
        assertTrue(acme.get("enabled").asBoolean());

        String body = response.body();
        for (String secret : List.of(ADMIN, PARTNER, ACME, BETA)) {
            assertFalse(body.contains(secret), "a key in the status");
            assertFalse(body.contains(ApiKeys.sha256Hex(secret)), "a key's hash in the status");
        }
        assertTrue(filter(status, "errors").at("/counters/requests_seen/total").asLong() >= 5, status.toString());
        assertTrue(filter(status, "request-id").at("/counters/generated/last_minute").asLong() >= 5, status.toString());
    }

    @Test
    void aLookupShowsOneClientsBucketsAndCreatesNone() throws Exception {
        assertEquals(200, get("/api/items", "X-API-Key: " + BETA).status());
        JsonNode beta = get("/tollgate/client.json?id=beta").json();
        JsonNode buckets = filter(beta, "rate-limit").get("buckets");
        assertEquals(1, buckets.size(), beta.toString());
        assertEquals("client:beta", buckets.at("/0/key").asText());
        assertEquals("default-1m", buckets.at("/0/limits/0/limit").asText());
        assertEquals(2, buckets.at("/0/limits/0/remaining").asLong());
        assertEquals(99, buckets.at("/0/limits/1/remaining").asLong());
        // One token missing of 3 a minute: back within 20 s; of 100 an hour: within 36 s.
        long minuteFull = buckets.at("/0/limits/0/full_seconds").asLong();
        assertTrue(minuteFull >= 1 && minuteFull <= 20, buckets.toString());
        long hourFull = buckets.at("/0/limits/1/full_seconds").asLong();
        assertTrue(hourFull >= 1 && hourFull <= 36, buckets.toString());
        assertEquals(0, buckets.at("/0/next_token_seconds").asLong());

        JsonNode nobody = get("/tollgate/client.json?id=client:nobody").json();
        assertEquals(0, filter(nobody, "rate-limit").get("buckets").size(), nobody.toString());
        JsonNode again = get("/tollgate/client.json?id=client:nobody").json();
        assertEquals(0, filter(again, "rate-limit").get("buckets").size(), "a lookup made a bucket: " + again);

        Http.Response noId = get("/tollgate/client.json");
        assertRefused(400, noId);
        assertGuarded(noId);
    }

    @Test
    void thePageIsReadOnly() throws Exception {
        Http.Response post = Http.send(port, "POST", "/tollgate/status.json", "{}", "Content-Type: application/json");
        assertRefused(405, post);
        assertEquals("GET, HEAD", post.header("Allow"));
        assertGuarded(post);

        Http.Response head = Http.send(port, "HEAD", "/tollgate/status.json", null);
        assertEquals(200, head.status(), head.toString());
        assertEquals(0, head.bytes().length);

        assertRefused(404, get("/tollgate/secrets"));
    }

    @Test
    void loopbackOnlyRefusesAClientBehindTheProxy() throws Exception {
        Http.Response remote = get("/tollgate/status.json", "X-Forwarded-For: 203.0.113.9");
        assertRefused(403, remote);
        assertGuarded(remote);
        assertRefused(403, get("/tollgate/", "X-Forwarded-For: 203.0.113.9"));
        assertEquals(200, get("/tollgate/status.json", "X-Forwarded-For: 127.0.0.1").status());
    }

    @Test
    void anApiKeyScopedToThePageIsNeeded() throws Exception {
        // The key filter over the page answers a request without a key.
        assertRefused(401, get("/tollgate-key/status.json"));
        // A partner's key reaches every path of the application, but it names no path: not an operator's.
        assertRefused(403, get("/tollgate-key/status.json", "X-API-Key: " + PARTNER));
        assertEquals(200, get("/tollgate-key/status.json", "X-API-Key: " + ADMIN).status());
        // A browser carries the key in the page's query, and the page passes it on to its data.
        Http.Response page = get("/tollgate-key/?api_key=" + ADMIN);
        assertEquals(200, page.status(), page.toString());
        assertTrue(page.body().contains("window.location.search"), "the page sends its query with every fetch");
    }

    @Test
    void aKeyFilterInReportOnlyModeLetsNoOtherKeyThrough() throws Exception {
        // Report-only passes acme's key (paths=/api) on, marked: the page refuses it all the same.
        assertRefused(403, get("/tollgate-trial/status.json", "X-API-Key: " + ACME));
        assertRefused(403, get("/tollgate-trial/status.json", "X-API-Key: " + PARTNER));
        assertRefused(401, get("/tollgate-trial/status.json"));
        assertEquals(200, get("/tollgate-trial/status.json", "X-API-Key: " + ADMIN).status());
    }

    @Test
    void theRedirectToThePageStaysOnThisSite() throws Exception {
        // Tomcat maps this to /tollgate (it drops ;params and resolves ..); Jetty refuses it.
        Http.Response tricky = get("//evil.example/..;/tollgate");
        if (tricky.status() == 302) {
            String location = tricky.header("Location");
            assertFalse(location.startsWith("//") || location.contains("evil.example"), tricky.toString());
            assertTrue(location.endsWith("/tollgate/"), tricky.toString());
        } else {
            assertEquals(400, tricky.status(), tricky.toString());
        }
    }

    @Test
    void aRoleOfTheContainersRealmIsNeeded() throws Exception {
        // No constraint over this mapping: the servlet itself refuses, in the application's format.
        assertRefused(401, get("/tollgate-open/status.json"));
        // Behind the login: the container asks for credentials.
        Http.Response anonymous = get("/tollgate-role/status.json");
        assertEquals(401, anonymous.status(), anonymous.toString());
        // Jetty 10 writes the scheme in lower case; schemes are case-insensitive (RFC 9110, 11.1).
        assertTrue(anonymous.header("WWW-Authenticate").toLowerCase(java.util.Locale.ROOT).startsWith("basic"), anonymous.toString());
        // A user of the realm without the role.
        assertRefused(403, get("/tollgate-role/status.json", basic(EmbeddedContainer.OTHER_USER)));
        Http.Response admin = get("/tollgate-role/status.json", basic(EmbeddedContainer.ADMIN_USER));
        assertEquals(200, admin.status(), admin.toString());
        assertTrue(admin.json().get("filters").size() >= 5, admin.toString());
    }

    private static String basic(String user) {
        String credentials = user + ":" + user + "-secret";
        return "Authorization: Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aClientIdThatIsMarkupIsShownAsData() throws Exception {
        String user = "<script>alert(1)</script>";
        assertEquals(200, get("/app/x", "X-User: " + user).status());
        assertEquals(429, get("/app/x", "X-User: " + user).status());
        JsonNode top = filter(get("/tollgate/status.json").json(), "user-limit").at("/top_clients/last_minute/0");
        assertEquals("client:" + user, top.get("client").asText(), top.toString());
        assertEquals("default-1m", top.get("limit").asText());
    }

    @Test
    void aSharedStoreShowsItsCircuitItsLastFailureAndItsRecovery() throws Exception {
        assertEquals(200, get("/shared/a").status());
        JsonNode up = Wait.until("the shared store to answer", () -> filter(get("/tollgate/status.json").json(), "shared-limit")
                .get("store"), store -> store.get("circuit").asText().equals("closed"));
        assertEquals("redis", up.get("store").asText(), up.toString());
        assertEquals("exact", up.get("sync").asText());
        assertEquals("closed", up.get("circuit").asText());
        assertEquals("local", up.get("on_store_failure").asText());
        JsonNode bucket = filter(get("/tollgate/client.json?id=127.0.0.1").json(), "shared-limit").get("buckets");
        assertEquals("ip:127.0.0.1", bucket.at("/0/key").asText(), bucket.toString());
        assertEquals(4, bucket.at("/0/limits/0/remaining").asLong(), "read from Redis: " + bucket);

        redis.stop(true);
        try {
            assertEquals(200, get("/shared/a").status(), "on-store-failure=local answers");
            JsonNode down = filter(get("/tollgate/status.json").json(), "shared-limit").get("store");
            assertEquals("open", down.get("circuit").asText(), down.toString());
            assertFalse(down.get("last_failure_at").isNull(), down.toString());
            assertFalse(down.get("last_failure").asText().isEmpty(), down.toString());
            JsonNode lookup = filter(get("/tollgate/client.json?id=127.0.0.1").json(), "shared-limit");
            assertTrue(lookup.get("error").asText().startsWith("store unavailable"), lookup.toString());
        } finally {
            redis.startAgain();
        }
        JsonNode back = Wait.until("the circuit to close again", () -> {
            get("/shared/a");
            return filter(get("/tollgate/status.json").json(), "shared-limit").get("store");
        }, store -> store.get("circuit").asText().equals("closed"));
        assertFalse(back.get("last_recovery_at").isNull(), back.toString());
    }
}
