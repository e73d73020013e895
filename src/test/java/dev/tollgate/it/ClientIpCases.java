package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Who the rate-limit filter counts behind proxies, deploying {@code src/test/webapps/client-ip}:
 * {@code 3/1m} per client IP; trusted proxies 127.0.0.5 and {@code ::ffff:127.0.0.6}. Each test
 * counts under its own addresses, since the buckets outlive a test.
 */
abstract class ClientIpCases extends ContainerCases {

    @BeforeAll
    void start() throws Exception {
        deploy("client-ip");
    }

    private String remaining(String from, String forwardedFor) throws Exception {
        Http.Response r = Http.sendFrom(from, port, "GET", "/ip/x", null, "X-Forwarded-For: " + forwardedFor);
        assertEquals(200, r.status(), r::toString);
        return r.header("X-Throttle-Remaining");
    }

    @Test
    void shouldCountAnIpv4MappedForwardedForEntryAsTheIpv4Client() throws Exception {
        assertEquals("2", remaining("127.0.0.5", "::ffff:203.0.113.9"));
        assertEquals("1", remaining("127.0.0.5", "203.0.113.9"), "the same client as its IPv4 form");
        assertEquals("0", remaining("127.0.0.5", "6.6.6.6, [::ffff:203.0.113.9]:443"));
        assertEquals("2", remaining("127.0.0.5", "::ffff:203.0.113.10"), "another client, not the proxy's bucket");
    }

    @Test
    void shouldTrustAProxyListedAsAnIpv4MappedAddress() throws Exception {
        assertEquals("2", remaining("127.0.0.6", "198.51.100.20"));
        assertEquals("1", remaining("127.0.0.5", "198.51.100.20"), "both proxies pass on the same client");
        assertEquals("2", remaining("127.0.0.6", "198.51.100.21, ::ffff:127.0.0.5"), "a mapped trusted hop is skipped");
    }

    @Test
    void shouldCountHopsThatAreNotIpLiteralsAgainstTheProxyThatPassedThemOn() throws Exception {
        // A garbage hop ends the walk: never a client (and a bucket) of its own, never a lookup.
        assertEquals("2", remaining("127.0.0.5", "198.51.100.30, ..::"));
        assertEquals("1", remaining("127.0.0.5", "198.51.100.31, .::7"));
        assertEquals("0", remaining("127.0.0.5", "198.51.100.32, 0x7f.0.0.1"));
    }
}
