package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;

/**
 * The IETF headers with two limits, deploying {@code src/test/webapps/ratelimit-ietf}: {@code RateLimit}
 * names the {@code RateLimit-Policy} item that decided the answer.
 */
class IetfHeaderIT extends ContainerCases {

    private static final Pattern ITEM = Pattern.compile("\"([^\"]+)\"");

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        deploy("ratelimit-ietf");
    }

    private static List<String> policyItems(Http.Response r) {
        List<String> names = new ArrayList<>();
        Matcher m = ITEM.matcher(r.header("RateLimit-Policy"));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /** The item name and {@code r} of the {@code RateLimit} header, which must name a policy item. */
    private static String rateLimitItem(Http.Response r) {
        String header = r.header("RateLimit");
        Matcher m = Pattern.compile("\"([^\"]+)\";r=(\\d+);t=(\\d+)").matcher(header);
        assertTrue(m.matches(), header);
        assertTrue(policyItems(r).contains(m.group(1)), "RateLimit " + header + " names an item of RateLimit-Policy "
                + r.header("RateLimit-Policy"));
        return m.group(1) + ";r=" + m.group(2);
    }

    @Test
    void shouldNameTheHourlyLimitWhenItDecides() throws Exception {
        // 5/1m, 3/1h: the hourly limit has the fewest tokens left, and rejects the fourth request.
        for (int remaining = 2; remaining >= 0; remaining--) {
            Http.Response r = Http.sendFrom("127.0.2.1", port, "GET", "/hour/x", null);
            assertEquals(200, r.status(), r::toString);
            assertEquals(List.of("default-1m", "default-1h"), policyItems(r));
            assertEquals("default-1h;r=" + remaining, rateLimitItem(r));
        }
        Http.Response rejected = Http.sendFrom("127.0.2.1", port, "GET", "/hour/x", null);
        assertEquals(429, rejected.status(), rejected::toString);
        assertEquals("default-1h;r=0", rateLimitItem(rejected));
    }

    @Test
    void shouldNameTheMinuteLimitWhenItDecides() throws Exception {
        // 3/1m, 5/1h: the minute limit has the fewest tokens left, and rejects the fourth request.
        for (int remaining = 2; remaining >= 0; remaining--) {
            Http.Response r = Http.sendFrom("127.0.2.2", port, "GET", "/minute/x", null);
            assertEquals(200, r.status(), r::toString);
            assertEquals("default-1m;r=" + remaining, rateLimitItem(r));
        }
        Http.Response rejected = Http.sendFrom("127.0.2.2", port, "GET", "/minute/x", null);
        assertEquals(429, rejected.status(), rejected::toString);
        assertEquals("default-1m;r=0", rateLimitItem(rejected));
    }
}
