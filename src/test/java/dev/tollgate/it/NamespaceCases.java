package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two rate-limit filters in one application, deploying {@code src/test/webapps/ratelimit-namespaces}:
 * a general {@code 5/1h} on {@code /api/*} and {@code /login/*} and a strict {@code 2/1h} on
 * {@code /login/*}, both on one Redis prefix, counting per IP; the same pair with the local store
 * under {@code /local/*}. Each limit holds on its own. Each test counts from its own loopback address.
 */
abstract class NamespaceCases extends ContainerCases {

    private static final String PREFIX = "tollgate-test-namespaces:";

    private RedisTestSupport redis;

    @BeforeAll
    void start() throws Exception {
        redis = RedisTestSupport.connect();
        redis.deleteKeys(PREFIX);
        deploy("ratelimit-namespaces");
    }

    @AfterAll
    void cleanUp() {
        if (redis != null) {
            redis.deleteKeys(PREFIX);
            redis.close();
        }
    }

    private Http.Response getFrom(String address, String path) throws Exception {
        return Http.sendFrom(address, port, "GET", path, null);
    }

    private static void assertStatusAndLimit(Http.Response r, int status, String limit) {
        assertEquals(status, r.status(), r::toString);
        assertEquals(limit, r.header("X-Throttle-Limit"), r::toString);
    }

    @Test
    void shouldHoldTheLoginLimitAndTheGeneralLimitEachOnItsOwn() throws Exception {
        String ip = "127.0.1.1";
        // /login passes both filters: the general one counts 1 of 5, the login one 1 of 2.
        assertStatusAndLimit(getFrom(ip, "/login/x"), 200, "2");
        assertEquals("0", getFrom(ip, "/login/x").header("X-Throttle-Remaining"), "2 of the login limit's 2");
        assertStatusAndLimit(getFrom(ip, "/login/x"), 429, "2");
        // The general limit has counted the 3 login requests and nothing else: 2 of 5 left.
        Http.Response api = getFrom(ip, "/api/x");
        assertStatusAndLimit(api, 200, "5");
        assertEquals("1", api.header("X-Throttle-Remaining"));
        assertStatusAndLimit(getFrom(ip, "/api/x"), 200, "5");
        assertStatusAndLimit(getFrom(ip, "/api/x"), 429, "5");
        assertTrue(redis.keys(PREFIX).contains(PREFIX + "general-limit:default:ip:" + ip), redis.keys(PREFIX)::toString);
        assertTrue(redis.keys(PREFIX).contains(PREFIX + "login-limit:default:ip:" + ip), redis.keys(PREFIX)::toString);
    }

    @Test
    void shouldLetTheGeneralLimitRejectLoginsOnceItIsSpent() throws Exception {
        String ip = "127.0.1.2";
        for (int remaining = 4; remaining >= 0; remaining--) {
            Http.Response r = getFrom(ip, "/api/x");
            assertStatusAndLimit(r, 200, "5");
            assertEquals(String.valueOf(remaining), r.header("X-Throttle-Remaining"));
        }
        assertStatusAndLimit(getFrom(ip, "/api/x"), 429, "5");
        assertStatusAndLimit(getFrom(ip, "/login/x"), 429, "5");
    }

    @Test
    void shouldKeepTheTwoLocalFiltersApartToo() throws Exception {
        String ip = "127.0.1.3";
        assertStatusAndLimit(getFrom(ip, "/local/login/x"), 200, "2");
        assertStatusAndLimit(getFrom(ip, "/local/login/x"), 200, "2");
        assertStatusAndLimit(getFrom(ip, "/local/login/x"), 429, "2");
        Http.Response other = getFrom(ip, "/local/x");
        assertStatusAndLimit(other, 200, "5");
        assertEquals("1", other.header("X-Throttle-Remaining"));
    }
}
