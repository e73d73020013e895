package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.lang.management.ManagementFactory;
import java.util.List;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;

/**
 * Who the rate-limit filter counts behind proxies, deploying {@code src/test/webapps/client-ip}:
 * {@code 3/1m} per client IP under {@code /ip}, trusted proxies 127.0.0.5 and {@code ::ffff:127.0.0.6};
 * under {@code /tenant}, {@code 2/1m} per {@code X-Tenant} header from the trusted proxy 127.0.0.5,
 * tenant acme on plan gold {@code 5/1m}; under {@code /flood}, {@code 2/1d} per client IP behind
 * 127.0.0.5 with {@code max-clients=4}. Each test counts under its own addresses, since the buckets
 * outlive a test.
 */
class ClientIpIT extends ContainerCases {

    @BeforeParameterizedClassInvocation
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

    private Http.Response tenant(String from, String tenant) throws Exception {
        Http.Response r = Http.sendFrom(from, port, "GET", "/tenant/x", null, "X-Tenant: " + tenant);
        assertEquals(200, r.status(), r::toString);
        return r;
    }

    @Test
    void shouldBelieveTheKeyHeaderOnlyFromATrustedProxy() throws Exception {
        Http.Response viaProxy = tenant("127.0.0.5", "acme");
        assertEquals("5", viaProxy.header("X-Throttle-Limit"), "acme's plan");
        assertEquals("4", viaProxy.header("X-Throttle-Remaining"));

        Http.Response direct = tenant("127.0.0.8", "acme");
        assertEquals("2", direct.header("X-Throttle-Limit"), "a direct caller cannot claim acme's plan");
        assertEquals("1", direct.header("X-Throttle-Remaining"));
        assertEquals("0", tenant("127.0.0.8", "globex").header("X-Throttle-Remaining"), "counted per IP, whatever the header");

        assertEquals("3", tenant("127.0.0.5", "acme").header("X-Throttle-Remaining"), "nor drain acme's bucket");
    }

    private int flood(String forwardedFor) throws Exception {
        return Http.sendFrom("127.0.0.5", port, "GET", "/flood/x", null, "X-Forwarded-For: " + forwardedFor).status();
    }

    @Test
    void shouldKeepADrainedClientLimitedWhileNewAddressesFloodTheStore() throws Exception {
        assertEquals(200, flood("198.51.100.60"));
        assertEquals(200, flood("198.51.100.60"));
        assertEquals(429, flood("198.51.100.60"));
        try (LogCapture log = new LogCapture("dev.tollgate.ratelimit.LocalBucketStore")) {
            // Thirty new /64s: three find room, the others share one overflow bucket of 2/1d.
            int allowed = 0;
            for (int i = 0; i < 30; i++) {
                if (flood("2001:db8:5:" + Integer.toHexString(i) + "::1") == 200) {
                    allowed++;
                }
            }
            assertEquals(429, flood("198.51.100.60"), "the drained client, after the flood");
            assertEquals(3 + 2, allowed, "new clients allowed");

            List<ILoggingEvent> warnings = log.events().stream().filter(e -> e.getLevel() == Level.WARN).toList();
            assertEquals(1, warnings.size(), log::text);
            String message = warnings.get(0).getFormattedMessage();
            assertTrue(message.startsWith("RateLimitFilter [flood-limit]: "), message);
            assertFalse(message.contains("2001:db8") || message.contains("198.51.100"), "never an address: " + message);
        }
        ObjectName mbean = new ObjectName("dev.tollgate:type=RateLimitFilter,context=/,name=flood-limit");
        assertEquals(27L, ManagementFactory.getPlatformMBeanServer().getAttribute(mbean, "OverflowRequests"));
        assertEquals(4L, ManagementFactory.getPlatformMBeanServer().getAttribute(mbean, "TrackedClients"));
    }
}
