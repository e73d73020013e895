package dev.tollgate.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tollgate.testing.FuzzInput;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code X-Forwarded-For} as a client may write it, and {@code trusted-proxies} as an operator
 * may: the walk from the right never throws, never passes an untrusted hop, and stops at the first
 * hop that is not an IP literal; addresses parse to 4 or 16 bytes or to nothing, and every text
 * form of an address parses back to it. Inputs: {@code ClientIpResolverFuzzTestInputs/}.
 */
class ClientIpResolverFuzzTest {

    private static final ClientIpResolver RESOLVER = ClientIpResolver.trusting(List.of("10.0.0.0/8", "fd00::/8"));
    private static final String PROXY = "10.0.0.1";
    private static final List<String> GARBAGE = List.of("unknown", "..::", ".::7", "\u0661\u0662\u0663.1.1.1", "1.2.3", "1.2.3.4.5",
            "256.1.1.1", "01.2.3.4", "::ffff:1.2.3", "fe80::1%eth0/64", "_hidden", "localhost", "", " ");

    /** A hop as sent, the client key it stands for, whether it is an IP literal and a trusted proxy. */
    record Hop(String text, String key, boolean ip, boolean trusted) {
    }

    /** Any list of hops, in one header or one header per hop: the client is the one the rule picks. */
    @FuzzTest
    void shouldNeverPickAnAddressLeftOfAnUntrustedOrUnparsableHop(FuzzedDataProvider data) {
        boolean oneHeaderPerHop = data.consumeBoolean();
        int count = data.consumeInt(1, 8);
        List<Hop> hops = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            hops.add(hop(data));
        }
        List<String> headers = new ArrayList<>();
        if (oneHeaderPerHop) {
            hops.forEach(h -> headers.add(h.text()));
        } else {
            headers.add(String.join(",", hops.stream().map(Hop::text).toList()));
        }
        assertEquals(expected(hops), RESOLVER.resolve(PROXY, headers), () -> "hops " + hops);
    }

    /** Lines: the socket address, then the {@code X-Forwarded-For} headers. */
    @FuzzTest
    void shouldNeverThrowWhateverTheHeaderHolds(byte[] input) {
        List<String> lines = FuzzInput.lines(FuzzInput.latin1(input));
        String remote = lines.get(0);
        List<String> headers = lines.subList(1, lines.size());
        assertNotNull(RESOLVER.resolve(remote, headers), "a client key");
        assertNotNull(ClientIpResolver.DIRECT.resolve(remote, headers), "a client key");
        RESOLVER.trusts(remote);
    }

    @FuzzTest
    void shouldParseAnyTextToAnAddressOrNothing(byte[] input) {
        String text = FuzzInput.latin1(input);
        byte[] bytes = ClientIpResolver.parse(text);
        if (bytes == null) {
            return;
        }
        assertTrue(bytes.length == 4 || bytes.length == 16, text);
        assertArrayEquals(bytes, ClientIpResolver.parse(full(bytes)), () -> "[" + text + "] written as " + full(bytes));
        if (text.indexOf(':') >= 0 && !text.startsWith("[") && text.length() <= 62) {
            assertArrayEquals(bytes, ClientIpResolver.parse("[" + text + "]"), () -> "[" + text + "] in brackets");
        }
    }

    /** The first 16 (or 4) bytes of the input, written in every text form: each parses back to them. */
    @FuzzTest
    void shouldReadBackEveryAddressInEveryTextForm(byte[] input) {
        if (input.length < 16) {
            byte[] v4 = Arrays.copyOf(input, 4);
            String quad = quad(v4, 0);
            for (String text : List.of(quad, "::ffff:" + quad, "[::ffff:" + quad + "]", "0:0:0:0:0:FFFF:" + quad)) {
                assertArrayEquals(v4, ClientIpResolver.parse(text), text);
            }
            return;
        }
        byte[] v6 = Arrays.copyOf(input, 16);
        byte[] expected = mapped(v6) ? Arrays.copyOfRange(v6, 12, 16) : v6;
        List<String> forms = List.of(full(v6), full(v6).toUpperCase(Locale.ROOT), padded(v6), compressed(v6), "[" + compressed(v6) + "]",
                compressed(v6) + "%eth0", withIpv4Tail(v6));
        for (String text : forms) {
            assertArrayEquals(expected, ClientIpResolver.parse(text), text);
        }
    }

    /** {@code trusted-proxies}: the resolver, which trusts each listed address, or a message that names the bad one. */
    @FuzzTest
    void shouldTrustTheListedProxiesOrNameTheBadOne(byte[] input) {
        List<String> items = Arrays.stream(FuzzInput.utf8(input).split("[,\\s]+")).filter(s -> !s.isEmpty()).toList();
        ClientIpResolver resolver;
        try {
            resolver = ClientIpResolver.trusting(items);
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            assertTrue(items.stream().anyMatch(item -> message.startsWith("trusted proxy [" + item + "]")), () -> items + ": " + message);
            return;
        }
        for (String item : items) {
            String address = item.indexOf('/') < 0 ? item : item.substring(0, item.indexOf('/'));
            assertTrue(resolver.trusts(address), () -> items + " trusts " + address);
        }
    }

    /** The rule: from the right, skip trusted proxies; stop at an untrusted hop, or before one that is no IP. */
    private static String expected(List<Hop> hops) {
        String client = PROXY;
        for (int i = hops.size() - 1; i >= 0; i--) {
            Hop hop = hops.get(i);
            if (!hop.ip()) {
                return client;
            }
            client = hop.key();
            if (!hop.trusted()) {
                return client;
            }
        }
        return client;
    }

    private static Hop hop(FuzzedDataProvider data) {
        String pad = data.pickValue(List.of("", " ", "  "));
        Hop hop = switch (data.consumeInt(0, 13)) {
            case 0, 1, 2, 3 -> {
                String a = "10." + octet(data) + "." + octet(data) + "." + octet(data);
                yield ip(a, a, true);
            }
            case 4, 5 -> {
                String a = "203.0." + octet(data) + "." + octet(data);
                yield ip(a, a, false);
            }
            case 6 -> {
                String a = "198.51.100." + octet(data);
                yield ip(a + ":" + data.consumeInt(1, 65535), a, false);
            }
            case 7 -> {
                int a = octet(data);
                yield data.consumeBoolean() ? ip("::ffff:10.9.8." + a, "10.9.8." + a, true)
                        : ip("::ffff:203.0.113." + a, "203.0.113." + a, false);
            }
            case 8 -> {
                String net = Integer.toHexString(data.consumeInt(0, 0xffff));
                yield ip("2001:db8:" + net + ":7::" + Integer.toHexString(data.consumeInt(1, 0xffff)), "2001:db8:" + net + ":7::/64", false);
            }
            case 9 -> ip("[2001:db8::" + Integer.toHexString(data.consumeInt(1, 0xffff)) + "]:8443", "2001:db8:0:0::/64", false);
            case 10, 11 -> ip("fd00::" + Integer.toHexString(data.consumeInt(1, 0xffff)), "fd00:0:0:0::/64", true);
            default -> {
                // Not an IP literal: a known bad form, or 'x' and printable ASCII without a comma.
                String text = data.consumeBoolean() ? data.pickValue(GARBAGE)
                        : "x" + data.consumeAsciiString(20).replaceAll("[^!-~]|,", "");
                yield new Hop(text, null, false, false);
            }
        };
        return new Hop(pad + hop.text() + pad, hop.key(), hop.ip(), hop.trusted());
    }

    private static int octet(FuzzedDataProvider data) {
        return data.consumeInt(0, 255);
    }

    private static Hop ip(String text, String key, boolean trusted) {
        return new Hop(text, key, true, trusted);
    }

    private static boolean mapped(byte[] v6) {
        for (int i = 0; i < 10; i++) {
            if (v6[i] != 0) {
                return false;
            }
        }
        return v6[10] == (byte) 0xFF && v6[11] == (byte) 0xFF;
    }

    private static String quad(byte[] b, int from) {
        return (b[from] & 0xFF) + "." + (b[from + 1] & 0xFF) + "." + (b[from + 2] & 0xFF) + "." + (b[from + 3] & 0xFF);
    }

    private static int group(byte[] b, int g) {
        return ((b[2 * g] & 0xFF) << 8) | (b[2 * g + 1] & 0xFF);
    }

    /** Four bytes as a dotted quad, sixteen as eight hex groups. */
    private static String full(byte[] b) {
        if (b.length == 4) {
            return quad(b, 0);
        }
        List<String> groups = new ArrayList<>();
        for (int g = 0; g < 8; g++) {
            groups.add(Integer.toHexString(group(b, g)));
        }
        return String.join(":", groups);
    }

    private static String padded(byte[] b) {
        List<String> groups = new ArrayList<>();
        for (int g = 0; g < 8; g++) {
            groups.add(String.format("%04x", group(b, g)));
        }
        return String.join(":", groups);
    }

    /** RFC 5952: the longest run of two or more zero groups as {@code ::}. */
    private static String compressed(byte[] b) {
        int bestStart = -1;
        int bestLength = 1;
        for (int g = 0; g < 8; ) {
            int end = g;
            while (end < 8 && group(b, end) == 0) {
                end++;
            }
            if (end - g > bestLength) {
                bestStart = g;
                bestLength = end - g;
            }
            g = Math.max(end, g + 1);
        }
        if (bestStart < 0) {
            return full(b);
        }
        List<String> left = new ArrayList<>();
        List<String> right = new ArrayList<>();
        for (int g = 0; g < bestStart; g++) {
            left.add(Integer.toHexString(group(b, g)));
        }
        for (int g = bestStart + bestLength; g < 8; g++) {
            right.add(Integer.toHexString(group(b, g)));
        }
        return String.join(":", left) + "::" + String.join(":", right);
    }

    private static String withIpv4Tail(byte[] b) {
        List<String> groups = new ArrayList<>();
        for (int g = 0; g < 6; g++) {
            groups.add(Integer.toHexString(group(b, g)));
        }
        return String.join(":", groups) + ":" + quad(b, 12);
    }
}
