package dev.tollgate.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
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
    void shouldStopAtAnEmptyHop() {
        assertEquals("10.1.1.1", proxies.resolve("10.1.1.1", List.of("198.51.100.7, 10.2.2.2,")), "an empty last hop");
        assertEquals("10.2.2.2", proxies.resolve("10.1.1.1", List.of("198.51.100.7,, 10.2.2.2")));
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

    @Test
    void shouldTreatIpv4MappedIpv6HopsAsTheIpv4Address() {
        assertEquals("203.0.113.9", proxies.resolve("10.1.1.1", List.of("::ffff:203.0.113.9")));
        assertEquals("203.0.113.9", proxies.resolve("10.1.1.1", List.of("6.6.6.6, [::FFFF:203.0.113.9]:443, 10.2.2.2")));
        assertEquals("203.0.113.9", proxies.resolve("10.1.1.1", List.of("::ffff:cb00:7109")), "hex form of the same address");
        assertEquals("198.51.100.7", proxies.resolve("10.1.1.1", List.of("198.51.100.7, ::ffff:10.2.2.2")),
                "a mapped trusted proxy is skipped");
    }

    @Test
    void shouldTrustOnlyListedPeers() {
        assertTrue(proxies.trusts("10.9.9.9"));
        assertTrue(proxies.trusts("::ffff:10.9.9.9"));
        assertFalse(proxies.trusts("203.0.113.9"));
        assertFalse(proxies.trusts("not-an-ip"));
        assertFalse(ClientIpResolver.DIRECT.trusts("10.9.9.9"), "nobody is trusted without trusted-proxies");
    }

    @Test
    void shouldTreatAnIpv4MappedRemoteAddressAsTheIpv4Address() {
        assertEquals("203.0.113.9", ClientIpResolver.DIRECT.resolve("::ffff:203.0.113.9", null));
        assertEquals("198.51.100.7", proxies.resolve("::ffff:10.1.1.1", List.of("198.51.100.7")), "the mapped peer is trusted");
    }

    @Test
    void shouldAcceptIpv4MappedTrustedProxies() {
        ClientIpResolver mapped = ClientIpResolver.trusting(List.of("::ffff:192.0.2.1", "::ffff:10.0.0.0/104"));
        assertEquals("198.51.100.7", mapped.resolve("192.0.2.1", List.of("198.51.100.7")));
        assertEquals("198.51.100.7", mapped.resolve("10.9.9.9", List.of("198.51.100.7, 10.1.2.3")));
        assertEquals("11.0.0.1", mapped.resolve("11.0.0.1", List.of("198.51.100.7")), "outside the mapped /104");
        assertEquals("trusted proxy [::ffff:10.0.0.0/64]: prefix length of an IPv4-mapped address must be 96-128",
                assertThrows(IllegalArgumentException.class, () -> ClientIpResolver.trusting(List.of("::ffff:10.0.0.0/64"))).getMessage());
    }

    @Test
    void shouldEndTheWalkAtHopsThatAreNotIpLiterals() {
        for (String hop : List.of("..::", ".::7", "::\u0661", "\u0661\u0662.0.0.1", "1:2:3:4:5:6:7:8:9", "1::2::3", "::ffff:1.2.3",
                "[::1", "fe80::1%", "010.0.0.1", "1.2.3.4.", ":1::2", "1::2:", "::ffff:1.2.3.4:5", "12345::", "0x7f.0.0.1",
                "::1.2.3.4.5", "\uff11.2.3.4")) {
            assertNull(ClientIpResolver.parse(hop), hop);
            assertEquals("10.2.2.2", proxies.resolve("10.1.1.1", List.of("6.6.6.6, " + hop + ", 10.2.2.2")), hop);
        }
    }

    @Test
    void shouldParseIpv6LiteralsStrictly() {
        assertArrayEquals(bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), ClientIpResolver.parse("::1"));
        assertArrayEquals(bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), ClientIpResolver.parse("::"));
        assertArrayEquals(bytes(0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), ClientIpResolver.parse("2001:DB8::1"));
        assertArrayEquals(bytes(0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8), ClientIpResolver.parse("1:2:3:4:5:6:7:8"));
        assertArrayEquals(bytes(0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), ClientIpResolver.parse("1::"));
        assertArrayEquals(bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4), ClientIpResolver.parse("::1.2.3.4"), "IPv4-compatible");
        assertArrayEquals(bytes(0x20, 1, 0xd, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4), ClientIpResolver.parse("2001:db8::1.2.3.4"));
        assertArrayEquals(bytes(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), ClientIpResolver.parse("fe80::1%eth0"), "zone id ignored");
        assertArrayEquals(bytes(203, 0, 113, 9), ClientIpResolver.parse("::ffff:203.0.113.9"));
        assertArrayEquals(bytes(203, 0, 113, 9), ClientIpResolver.parse("0:0:0:0:0:ffff:cb00:7109"));
    }

    /**
     * Hostile hops never reach the system resolver: the parser is ours, byte by byte, and the class
     * does not even refer to the JDK's name lookups (which consult /etc/hosts and DNS).
     */
    @Test
    void shouldNeverReferToTheResolver() throws IOException {
        String constants;
        try (InputStream in = ClientIpResolver.class.getResourceAsStream("ClientIpResolver.class")) {
            constants = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
        for (String lookup : List.of("getByName", "getAllByName", "java/net/InetAddress")) {
            assertFalse(constants.contains(lookup), "ClientIpResolver refers to " + lookup);
        }
    }

    @Test
    void shouldParseHostileHopsWithoutFailingFuzz() {
        Random random = new Random(20261125L);
        String alphabet = "0123456789abcdefABCDEFxX:.%[]/ -\u0660\u0661\u0669\u06f1\uff10\uff11\u0966\u00e9zZg";
        for (int i = 0; i < 200_000; i++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(48);
            for (int c = 0; c < length; c++) {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String hop = text.toString();
            byte[] parsed = ClientIpResolver.parse(hop);
            if (parsed != null) {
                assertTrue(parsed.length == 4 || parsed.length == 16, hop);
                assertTrue(hop.chars().allMatch(ch -> ch < 128), "only ASCII digits: " + hop);
            }
            proxies.resolve("10.1.1.1", List.of(hop + ", 10.2.2.2"));
        }
        for (int i = 0; i < 20_000; i++) {
            byte[] address = new byte[16];
            random.nextBytes(address);
            if (random.nextBoolean()) {
                Arrays.fill(address, 0, 2 * random.nextInt(8), (byte) 0);
            }
            StringBuilder text = new StringBuilder();
            for (int g = 0; g < 8; g++) {
                text.append(g == 0 ? "" : ":").append(Integer.toHexString(((address[2 * g] & 0xFF) << 8) | (address[2 * g + 1] & 0xFF)));
            }
            String full = text.toString();
            boolean mapped = Arrays.equals(Arrays.copyOf(address, 12), bytes(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff));
            assertArrayEquals(mapped ? Arrays.copyOfRange(address, 12, 16) : address, ClientIpResolver.parse(full), full);
            String compressed = full.replaceFirst("^0(:0)*(?=:|$)", ":");
            if (!compressed.equals(full)) {
                compressed = compressed.equals(":") ? "::" : compressed;
                assertArrayEquals(mapped ? Arrays.copyOfRange(address, 12, 16) : address, ClientIpResolver.parse(compressed), compressed);
            }
        }
    }

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    @Test
    void loopbackIsTheLoopbackLiteralsOnly() {
        for (String address : List.of("127.0.0.1", "127.1.2.3", "::1", "0:0:0:0:0:0:0:1", "[::1]")) {
            assertTrue(ClientIpResolver.isLoopback(address), address);
        }
        // Names are never resolved, whatever they resolve to: db1.corp and cafe.bad are not literals.
        for (String address : List.of("10.0.0.1", "203.0.113.9", "::ffff:10.0.0.1", "fe80::1", "localhost", "", "x",
                "db1.corp", "cafe.bad", "beef")) {
            assertFalse(ClientIpResolver.isLoopback(address), address);
        }
        assertFalse(ClientIpResolver.isLoopback(null));
    }
}
