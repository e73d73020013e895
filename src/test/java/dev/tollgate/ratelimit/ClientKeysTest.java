package dev.tollgate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tollgate.ClientIdentity;
import dev.tollgate.testing.FakeHttp;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientKeysTest {

    private static final Plans PLANS = Plans.of(Limits.parse("2/1m"), List.of(Plan.of("gold", Limits.parse("10/1m"))),
            Map.of("bob", "gold", "tenant-7", "gold"));
    private static final ClientIdentity CAROL = ClientIdentity.of("carol", "gold", "jwt");
    private static final ClientIdentity BOB = ClientIdentity.of("bob", null, "api-key");
    private static final ClientIpResolver PROXY = ClientIpResolver.trusting(List.of("10.0.0.1"));

    private static ClientKeys keys(String keyBy) {
        return ClientKeys.of(keyBy, PROXY, PLANS);
    }

    private static FakeHttp.Request from(String address) {
        return FakeHttp.request("GET", "/x").remoteAddr(address);
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
        ClientKeys tenant = keys("header: X-Tenant");
        assertEquals("header:tenant-7", tenant.key(from("10.0.0.1").header("X-Tenant", " tenant-7 ").get(), null));
        assertEquals("ip:192.0.2.1", tenant.key(from("192.0.2.1").header("X-Tenant", "tenant-7").get(), null));
        assertEquals("header:tenant-7", ClientKeys.of("header:X-Tenant", ClientIpResolver.DIRECT, PLANS)
                .key(from("192.0.2.1").header("X-Tenant", "tenant-7").get(), null), "no trusted proxies: every request");
    }

    @Test
    void shouldChooseTheIdentityPlanThenClientPlansThenTheDefault() {
        ClientKeys auto = keys("auto");
        assertEquals("gold", auto.plan(CAROL, "client:carol").name());
        assertEquals("gold", auto.plan(BOB, "client:bob").name(), "client-plans");
        assertEquals("default", auto.plan(ClientIdentity.of("carol", "platinum", "jwt"), "client:carol").name(), "undefined plan");
        assertEquals("default", auto.plan(null, "ip:192.0.2.1").name());
        assertEquals("gold", keys("header:X-Tenant").plan(null, "header:tenant-7").name());
    }

    @Test
    void shouldRefuseAnUnknownKeyBy() {
        assertEquals("must be auto, client, ip or header:<Header-Name>",
                assertThrows(IllegalArgumentException.class, () -> keys("tenant")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> keys("header:X Tenant"));
        assertThrows(IllegalArgumentException.class, () -> keys("header:"));
    }
}
