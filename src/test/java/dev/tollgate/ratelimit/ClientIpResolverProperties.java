package dev.tollgate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

/**
 * {@code X-Forwarded-For} as a client may write it: any list of tokens. The walk from the right
 * never throws, never passes an untrusted hop, and stops at the first hop that is not an IP literal.
 */
class ClientIpResolverProperties {

    private static final ClientIpResolver RESOLVER = ClientIpResolver.trusting(List.of("10.0.0.0/8", "fd00::/8"));
    private static final String PROXY = "10.0.0.1";

    /** A hop as sent, the client key it stands for, whether it is an IP literal and a trusted proxy. */
    record Hop(String text, String key, boolean ip, boolean trusted) {
    }

    @Property(tries = 3000)
    void shouldNeverPickAnAddressLeftOfAnUntrustedOrUnparsableHop(@ForAll("hopLists") List<Hop> hops,
                                                                  @ForAll boolean oneHeaderPerHop) {
        List<String> headers = new ArrayList<>();
        if (oneHeaderPerHop) {
            hops.forEach(h -> headers.add(h.text()));
        } else {
            headers.add(String.join(",", hops.stream().map(Hop::text).toList()));
        }

        assertEquals(expected(hops), RESOLVER.resolve(PROXY, headers), () -> "hops " + hops);
    }

    @Property(tries = 3000)
    void shouldNeverThrowWhateverTheHeaderHolds(@ForAll @Size(max = 6) List<String> headers, @ForAll("remotes") String remote) {
        String client = RESOLVER.resolve(remote, headers);
        assertEquals(false, client == null, "a client key");
    }

    @Property(tries = 5000)
    void shouldParseAnyStringToAnAddressOrNothing(@ForAll String text) {
        byte[] bytes = ClientIpResolver.parse(text);
        assertEquals(true, bytes == null || bytes.length == 4 || bytes.length == 16, text);
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

    @Provide
    Arbitrary<List<Hop>> hopLists() {
        return hop().list().ofMinSize(1).ofMaxSize(8);
    }

    @Provide
    Arbitrary<String> remotes() {
        return Arbitraries.oneOf(Arbitraries.of(PROXY, "203.0.113.7", "::1", "fd00::2", "::ffff:10.0.0.9"),
                Arbitraries.strings().ofMaxLength(40));
    }

    private static Arbitrary<Hop> hop() {
        Arbitrary<Integer> octet = Arbitraries.integers().between(0, 255);
        Arbitrary<Hop> trustedV4 = Combinators.combine(octet, octet, octet)
                .as((a, b, c) -> ip("10." + a + "." + b + "." + c, "10." + a + "." + b + "." + c, true));
        Arbitrary<Hop> clientV4 = Combinators.combine(octet, octet)
                .as((a, b) -> ip("203.0." + a + "." + b, "203.0." + a + "." + b, false));
        Arbitrary<Hop> clientV4WithPort = Combinators.combine(octet, Arbitraries.integers().between(1, 65535))
                .as((a, port) -> ip("198.51.100." + a + ":" + port, "198.51.100." + a, false));
        Arbitrary<Hop> mappedV4 = Combinators.combine(octet, Arbitraries.of(true, false))
                .as((a, trusted) -> trusted ? ip("::ffff:10.9.8." + a, "10.9.8." + a, true)
                        : ip("::ffff:203.0.113." + a, "203.0.113." + a, false));
        Arbitrary<Hop> clientV6 = Combinators.combine(Arbitraries.integers().between(0, 0xffff), Arbitraries.integers().between(1, 0xffff))
                .as((net, host) -> ip("2001:db8:" + Integer.toHexString(net) + ":7::" + Integer.toHexString(host),
                        "2001:db8:" + Integer.toHexString(net) + ":7::/64", false));
        Arbitrary<Hop> clientV6Bracketed = Arbitraries.integers().between(1, 0xffff)
                .map(host -> ip("[2001:db8::" + Integer.toHexString(host) + "]:8443", "2001:db8:0:0::/64", false));
        Arbitrary<Hop> trustedV6 = Arbitraries.integers().between(1, 0xffff)
                .map(host -> ip("fd00::" + Integer.toHexString(host), "fd00:0:0:0::/64", true));
        Arbitrary<Hop> garbage = Arbitraries.oneOf(
                Arbitraries.of("unknown", "..::", ".::7", "\u0661\u0662\u0663.1.1.1", "1.2.3", "1.2.3.4.5", "256.1.1.1",
                        "01.2.3.4", "::ffff:1.2.3", "fe80::1%eth0/64", "_hidden", "localhost", "", " "),
                Arbitraries.strings().withCharRange('!', '~').ofMinLength(1).ofMaxLength(20).map(s -> "x" + s))
                .filter(s -> s.indexOf(',') < 0)
                .map(s -> new Hop(s, null, false, false));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, trustedV4), net.jqwik.api.Tuple.of(2, clientV4), net.jqwik.api.Tuple.of(1, clientV4WithPort),
                net.jqwik.api.Tuple.of(1, mappedV4), net.jqwik.api.Tuple.of(1, clientV6), net.jqwik.api.Tuple.of(1, clientV6Bracketed),
                net.jqwik.api.Tuple.of(2, trustedV6), net.jqwik.api.Tuple.of(2, garbage))
                .flatMap(h -> Arbitraries.of("", " ", "  ").map(pad -> new Hop(pad + h.text() + pad, h.key(), h.ip(), h.trusted())));
    }

    private static Hop ip(String text, String key, boolean trusted) {
        return new Hop(text, key, true, trusted);
    }
}
