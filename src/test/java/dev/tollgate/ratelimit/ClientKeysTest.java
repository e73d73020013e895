package dev.tollgate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.ClientIdentity;
import dev.tollgate.apikey.ApiKeys;
import dev.tollgate.internal.ClientIpResolver;
import dev.tollgate.testing.FakeHttp;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class ClientKeysTest {

    /** An API key on the gold plan in client-plans, as an operator would paste it there. */
    private static final String GOLD_KEY = ApiKeys.generateKey();
    private static final Plans PLANS = Plans.of(Limits.parse("2/1m"), List.of(Plan.of("gold", Limits.parse("10/1m"))),
            Map.of("bob", "gold", "tenant-7", "gold", GOLD_KEY, "gold"));
    private static final ClientIdentity CAROL = ClientIdentity.of("carol", "gold", "jwt");
    private static final ClientIdentity BOB = ClientIdentity.of("bob", null, "api-key");
    private static final ClientIpResolver PROXY = ClientIpResolver.trusting(List.of("10.0.0.1"));
    private static final String NAMESPACE = "rate-limit";

    private static ClientKeys keys(String keyBy) {
        return ClientKeys.of(keyBy, NAMESPACE, PROXY, PLANS);
    }

    private static ClientKeys direct(String keyBy, String namespace) {
        return ClientKeys.of(keyBy, namespace, ClientIpResolver.DIRECT, PLANS);
    }

    private static FakeHttp.Request from(String address) {
        return FakeHttp.request("GET", "/x").remoteAddr(address);
    }

    private static String keyOf(ClientKeys keys, String header, String value) {
        return keys.key(from("192.0.2.1").header(header, value).get(), null);
    }

    /**
     * What docs/rate-limit.md ("Counting by a header") says an operator can compute: the first 16
     * bytes of HMAC-SHA-256, keyed by the namespace.
     */
    private static String hmacHex(String namespace, String value) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(namespace.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)), 0, 16);
    }

    @Test
    void shouldCountTheIdentityElseTheAddress() {
        assertEquals("client:carol", keys("auto").key(from("192.0.2.1").get(), CAROL));
        assertEquals("client:carol", keys("CLIENT").key(from("192.0.2.1").get(), CAROL));
        assertEquals("ip:192.0.2.1", keys("auto").key(from("192.0.2.1").get(), null));
        assertEquals("ip:192.0.2.1", keys("ip").key(from("192.0.2.1").get(), CAROL));
        assertEquals("ip:203.0.113.9", keys("ip").key(from("10.0.0.1").header("X-Forwarded-For", "203.0.113.9").get(), null),
                "behind a trusted proxy");
    }

    @Test
    void shouldBelieveAKeyHeaderOnlyFromATrustedProxy() {
        ClientKeys tenant = keys("header: X-Tenant;plain");
        assertEquals("header:tenant-7", tenant.key(from("10.0.0.1").header("X-Tenant", " tenant-7 ").get(), null));
        assertEquals("ip:192.0.2.1", tenant.key(from("192.0.2.1").header("X-Tenant", "tenant-7").get(), null));
        assertEquals("header:tenant-7", keyOf(direct("header:X-Tenant;plain", NAMESPACE), "X-Tenant", "tenant-7"),
                "no trusted proxies: every request");
        assertEquals("ip:192.0.2.1", keys("header:X-API-KEY").key(from("192.0.2.1").header("X-API-KEY", GOLD_KEY).get(), null),
                "hashed or not, an untrusted header is not believed");
    }

    @Test
    void shouldNeverPutAGeneratedKeyInTheBucketKeyButItsKeyedHash() throws Exception {
        String apiKey = ApiKeys.generateKey();
        String key = keyOf(direct("header:X-API-KEY", NAMESPACE), "X-API-KEY", apiKey);
        assertFalse(key.contains(apiKey.substring(ApiKeys.PREFIX.length())), key);
        assertEquals("header:#" + hmacHex(NAMESPACE, apiKey), key);
        assertEquals(key, keyOf(direct("header:X-API-KEY", NAMESPACE), "X-API-KEY", " " + apiKey + " "),
                "another node with the same namespace names the same bucket");
    }

    @Test
    void shouldHashEvenAShortSafeValueUnlessTheHeaderIsMarkedPlain() throws Exception {
        assertEquals("header:#" + hmacHex(NAMESPACE, "tenant-7"), keyOf(direct("header:X-Tenant", NAMESPACE), "X-Tenant", "tenant-7"));
        ClientKeys plain = direct("header:X-Tenant;plain", NAMESPACE);
        assertEquals("header:tenant-7", keyOf(plain, "X-Tenant", "tenant-7"));
        assertEquals("header:a.b_c:d@e-1", keyOf(plain, "X-Tenant", "a.b_c:d@e-1"));
        String long65 = "t".repeat(65);
        assertEquals("header:#" + hmacHex(NAMESPACE, long65), keyOf(plain, "X-Tenant", long65), "too long to keep");
        assertEquals("header:" + "t".repeat(64), keyOf(plain, "X-Tenant", "t".repeat(64)));
        for (String unusual : List.of("Bearer eyJhbGciOi.secret/value+x", "tenant 7", "t\u00e9nant", "tenant#7", "a,b")) {
            assertEquals("header:#" + hmacHex(NAMESPACE, unusual), keyOf(plain, "X-Tenant", unusual), unusual);
        }
    }

    @Test
    void shouldGiveTheSameValueUnrelatedHashesInTwoNamespaces() {
        String apiKey = ApiKeys.generateKey();
        String login = keyOf(direct("header:X-API-KEY", "login-limit"), "X-API-KEY", apiKey);
        String general = keyOf(direct("header:X-API-KEY", "general-limit"), "X-API-KEY", apiKey);
        assertTrue(login.startsWith("header:#") && general.startsWith("header:#"), login + " " + general);
        assertNotEquals(login, general);
    }

    @Test
    void shouldChooseTheIdentityPlanThenClientPlansThenTheDefault() {
        ClientKeys auto = keys("auto");
        assertEquals("gold", auto.plan(CAROL, "client:carol").name());
        assertEquals("gold", auto.plan(BOB, "client:bob").name(), "client-plans");
        assertEquals("default", auto.plan(ClientIdentity.of("carol", "platinum", "jwt"), "client:carol").name(), "undefined plan");
        assertEquals("default", auto.plan(null, "ip:192.0.2.1").name());
        assertEquals("gold", keys("header:X-Tenant;plain").plan(null, "header:tenant-7").name());
    }

    @Test
    void shouldFindTheClientPlanOfAHashedHeaderValue() {
        ClientKeys byKey = direct("header:X-API-KEY", NAMESPACE);
        assertEquals("gold", byKey.plan(null, keyOf(byKey, "X-API-KEY", GOLD_KEY)).name());
        assertEquals("gold", byKey.plan(null, keyOf(byKey, "X-API-KEY", "tenant-7")).name());
        assertEquals("default", byKey.plan(null, keyOf(byKey, "X-API-KEY", ApiKeys.generateKey())).name());
        assertEquals("default", byKey.plan(null, "header:tenant-7").name(), "a raw value is no key of this filter");
        ClientKeys plain = direct("header:X-API-KEY;plain", NAMESPACE);
        assertEquals("gold", plain.plan(null, keyOf(plain, "X-API-KEY", GOLD_KEY)).name());
    }

    @Test
    void shouldRefuseAnUnknownKeyBy() {
        String rule = "must be auto, client, ip, header:<Header-Name> or header:<Header-Name>;plain";
        for (String bad : List.of("tenant", "header:X Tenant", "header:", "header:X-Tenant;", "header:X-Tenant;raw",
                "header:X-Tenant;plain;plain", "header:;plain", "plain-header:X-Tenant", "header:X-Tenant plain")) {
            assertEquals(rule, assertThrows(IllegalArgumentException.class, () -> keys(bad)).getMessage(), bad);
        }
        assertEquals("header:tenant-7", keyOf(direct(" header: X-Tenant ; PLAIN ", NAMESPACE), "X-Tenant", "tenant-7"));
    }
}
