package dev.tollgate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClientIpResolverTest {

    private final ClientIpResolver proxies = ClientIpResolver.trusting(List.of("10.0.0.0/8", "127.0.0.1", "fd00::/8"));

    @Test
    void shouldUseSocketAddressWhenNothingIsTrusted() {
        assertEquals("203.0.113.9", ClientIpResolver.DIRECT.resolve("203.0.113.9", List.of("1.2.3.4")));
    }

    @Test
    void shouldIgnoreForwardedForFromUntrustedPeer() {
        assertEquals("203.0.113.9", proxies.resolve("203.0.113.9", List.of("1.2.3.4")));
    }

    @Test
    void shouldWalkForwardedForFromTheRightSkippingTrustedProxies() {
        assertEquals("198.51.100.7", proxies.resolve("10.1.1.1", List.of("6.6.6.6, 198.51.100.7, 10.2.2.2")));
        assertEquals("198.51.100.7", proxies.resolve("127.0.0.1", List.of("6.6.6.6", "198.51.100.7:4711", "10.2.2.2")));
        assertEquals("10.3.3.3", proxies.resolve("10.1.1.1", List.of("10.3.3.3, 10.2.2.2")), "all trusted: the leftmost");
    }

    @Test
    void shouldStopAtMalformedOrHostnameEntries() {
        assertEquals("10.2.2.2", proxies.resolve("10.1.1.1", List.of("6.6.6.6, evil.example.com, 10.2.2.2")));
        assertEquals("10.1.1.1", proxies.resolve("10.1.1.1", List.of("unknown")));
        assertEquals("10.1.1.1", proxies.resolve("10.1.1.1", List.of("999.1.1.1")));
    }

    @Test
    void shouldGroupIpv6ClientsBy64() {
        assertEquals("2001:db8:1:2::/64", ClientIpResolver.DIRECT.resolve("2001:db8:1:2:aaaa:bbbb:cccc:dddd", null));
        assertEquals("2001:db8:1:2::/64", proxies.resolve("fd00::1", List.of("[2001:db8:1:2::99]:443")));
        assertEquals("0:0:0:0::/64", ClientIpResolver.DIRECT.resolve("0:0:0:0:0:0:0:1", null));
    }

    @Test
    void shouldParseLiteralsWithoutLookups() {
        assertEquals(4, ClientIpResolver.parse("192.168.0.1").length);
        assertEquals(16, ClientIpResolver.parse("::1").length);
        assertNull(ClientIpResolver.parse("localhost"));
        assertNull(ClientIpResolver.parse("1.2.3"));
        assertNull(ClientIpResolver.parse("1.2.3.4.5"));
        assertNull(ClientIpResolver.parse("1:::2:zz"));
    }

    @Test
    void shouldRefuseBadCidrsNamingThem() {
        assertEquals("trusted proxy [10.0.0.0/33]: prefix length must be 0-32",
                assertThrows(IllegalArgumentException.class, () -> ClientIpResolver.trusting(List.of("10.0.0.0/33"))).getMessage());
        assertEquals("trusted proxy [proxy.local] must be an IPv4 or IPv6 address or CIDR, like 10.0.0.0/8 or fd00::/8",
                assertThrows(IllegalArgumentException.class, () -> ClientIpResolver.trusting(List.of("proxy.local"))).getMessage());
        assertEquals("trusted proxy [10.0.0.0/x]: prefix length must be 0-32",
                assertThrows(IllegalArgumentException.class, () -> ClientIpResolver.trusting(List.of("10.0.0.0/x"))).getMessage());
    }
}
