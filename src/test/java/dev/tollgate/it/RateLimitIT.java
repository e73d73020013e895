package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;

/**
 * The rate-limit filter on each container, deploying {@code src/test/webapps/ratelimit}:
 * default plan {@code 3/1m, 100/1d}, plan gold {@code 5/1m} for the key client alice, per-IP
 * counting elsewhere; 127.0.0.5 is the one trusted proxy. Each test counts under its own identity
 * (a key or a loopback address), since the buckets outlive a test.
 */
class RateLimitIT extends ContainerCases {

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        deploy("ratelimit");
    }

    private Http.Response getFrom(String address, String path, String... headers) throws Exception {
        return Http.sendFrom(address, port, "GET", path, null, headers);
    }

    /** {@code within}: the longest wait the plan allows (a rejection waits for a token, an allowed request until full). */
    private static void assertThrottleHeaders(Http.Response r, String limit, long remaining, long within) {
        assertEquals(limit, r.header("X-Throttle-Limit"), r::toString);
        assertEquals(String.valueOf(remaining), r.header("X-Throttle-Remaining"));
        long reset = Long.parseLong(r.header("X-Throttle-Reset"));
        long now = System.currentTimeMillis() / 1000;
        assertTrue(reset >= now && reset <= now + within + 1, "reset " + reset + " vs now " + now);
    }

    private static void assertRateLimited(Http.Response r, String limit) {
        assertEquals(429, r.status(), r::toString);
        assertThrottleHeaders(r, limit, 0, 60);
        long retryAfter = Long.parseLong(r.header("Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
        JsonNode body = r.json();
        assertFalse(body.get("success").asBoolean(true));
        assertEquals("Rate limit exceeded", body.get("error").asText());
        assertEquals(r.header("X-Request-ID"), body.get("request_id").asText());
        assertTrue(r.header("Content-Type").startsWith("application/json"));
    }

    @Test
    void shouldLimitPerKeyWithThePlanOfTheClient() throws Exception {
        for (int remaining = 4; remaining >= 0; remaining--) {
            Http.Response r = getFrom("127.0.0.1", "/api/items", "X-API-KEY: alice-key-0123456789");
            assertEquals(200, r.status(), r::toString);
            assertThrottleHeaders(r, "5", remaining, 60);
        }
        assertRateLimited(getFrom("127.0.0.1", "/api/items", "X-API-KEY: alice-key-0123456789"), "5");
        Http.Response bob = getFrom("127.0.0.1", "/api/items", "X-API-KEY: bob-key-0123456789");
        assertEquals(200, bob.status(), "another key has its own bucket");
        // Full again when the one token taken from 100/1d is back: 864 s.
        assertThrottleHeaders(bob, "3", 2, 864);
    }

    @Test
    void shouldSendIetfHeadersFromTheSameProbe() throws Exception {
        Http.Response r = getFrom("127.0.0.9", "/open/x");
        assertEquals(200, r.status());
        assertEquals("\"default-1m\";q=3;w=60, \"default-1d\";q=100;w=86400", r.header("RateLimit-Policy"));
        // The item with the fewest tokens left is 3/1m; t: until the bucket is full, i.e. the token
        // of 100/1d is back (86400 s / 100).
        assertEquals("\"default-1m\";r=2;t=864", r.header("RateLimit"));
    }

    @Test
    void shouldLimitPerIpAndKeepAddressesApart() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals(200, getFrom("127.0.0.2", "/open/x").status());
        }
        assertRateLimited(getFrom("127.0.0.2", "/open/x"), "3");
        assertEquals(200, getFrom("127.0.0.3", "/open/x").status(), "another address has its own bucket");
    }

    @Test
    void shouldIgnoreSpoofedForwardedForFromUntrustedAddress() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals(200, getFrom("127.0.0.4", "/open/x", "X-Forwarded-For: 198.51.100." + i).status());
        }
        assertRateLimited(getFrom("127.0.0.4", "/open/x", "X-Forwarded-For: 198.51.100.99"), "3");
    }

    @Test
    void shouldCountForwardedClientBehindTrustedProxy() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals(200, getFrom("127.0.0.5", "/open/x", "X-Forwarded-For: 203.0.113.7").status());
        }
        assertRateLimited(getFrom("127.0.0.5", "/open/x", "X-Forwarded-For: 203.0.113.7"), "3");
        assertEquals(200, getFrom("127.0.0.5", "/open/x", "X-Forwarded-For: 203.0.113.8").status(),
                "another client behind the same proxy");
    }

    @Test
    void shouldNotLimitSkippedPathsButCountOptionsLikeAnyRequest() throws Exception {
        for (int i = 0; i < 5; i++) {
            Http.Response r = getFrom("127.0.0.6", "/health");
            assertEquals(200, r.status());
            assertNull(r.header("X-Throttle-Limit"));
        }
        // No method is skipped by default: an OPTIONS, preflight or not, costs a token.
        for (int remaining = 2; remaining >= 0; remaining--) {
            Http.Response options = Http.sendFrom("127.0.0.6", port, "OPTIONS", "/open/x", null,
                    "Origin: https://app.example", "Access-Control-Request-Method: GET");
            assertEquals(200, options.status(), options::toString);
            assertEquals(String.valueOf(remaining), options.header("X-Throttle-Remaining"), options::toString);
        }
        assertRateLimited(Http.sendFrom("127.0.0.6", port, "OPTIONS", "/open/x", null), "3");
        assertRateLimited(getFrom("127.0.0.6", "/open/x"), "3");
    }

    @Test
    void shouldSendThrottleHeadersOnlyOnRejectionAndSkipTheConfiguredMethods() throws Exception {
        // /quiet/*: 2/1m, throttle-headers=false, skip-methods=HEAD (OPTIONS counts); no X-Tenant, so per IP.
        for (int i = 0; i < 5; i++) {
            Http.Response head = Http.sendFrom("127.0.0.7", port, "HEAD", "/quiet/x", null);
            assertEquals(200, head.status(), head::toString);
            assertNull(head.header("X-Throttle-Limit"));
        }
        Http.Response allowed = getFrom("127.0.0.7", "/quiet/x");
        assertEquals(200, allowed.status(), allowed::toString);
        assertNull(allowed.header("X-Throttle-Limit"));
        assertNull(allowed.header("X-Throttle-Remaining"));
        assertNull(allowed.header("X-Throttle-Reset"));
        assertEquals(200, Http.sendFrom("127.0.0.7", port, "OPTIONS", "/quiet/x", null).status());
        assertRateLimited(getFrom("127.0.0.7", "/quiet/x"), "2");
    }

    @Test
    void shouldCountByTheConfiguredHeaderAcrossAddresses() throws Exception {
        // /quiet/*: key-by=header:X-Tenant, 2/1m.
        assertEquals(200, getFrom("127.0.0.8", "/quiet/x", "X-Tenant: tenant-a").status());
        assertEquals(200, getFrom("127.0.0.9", "/quiet/x", "X-Tenant: tenant-a").status());
        assertRateLimited(getFrom("127.0.0.10", "/quiet/x", "X-Tenant: tenant-a"), "2");
        assertEquals(200, getFrom("127.0.0.8", "/quiet/x", "X-Tenant: tenant-b").status(), "another tenant has its own bucket");
    }
}
