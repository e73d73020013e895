package dev.tollgate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.testing.Fakes;
import jakarta.servlet.ServletException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The startup messages of the limits and namespace params, and the namespace derived from the filter name. */
class RateLimitFilterConfigTest {

    private static String initFailure(String filterName, String... pairs) {
        Map<String, String> params = new HashMap<>();
        params.put("limits", "10/1m");
        for (int i = 0; i < pairs.length; i += 2) {
            params.put(pairs[i], pairs[i + 1]);
        }
        return assertThrows(ServletException.class,
                () -> new RateLimitFilter().init(Fakes.filterConfig(filterName, params, Fakes.context(Map.of())))).getMessage();
    }

    @Test
    void shouldNameParamValueAndRuleForLimitsWithHugeNumbers() {
        assertEquals("RateLimitFilter: init-param [limits] has invalid value [100/99999999999999999999d]: "
                + "limit [100/99999999999999999999d]: period must be at most 366d",
                initFailure("rate-limit", "limits", "100/99999999999999999999d"));
        assertEquals("RateLimitFilter: init-param [plans] has invalid value [gold: 1/9223372036854775807ms]: "
                + "plan [gold]: limit [1/9223372036854775807ms]: period must be at most 366d",
                initFailure("rate-limit", "plans", "gold: 1/9223372036854775807ms"));
    }

    @Test
    void shouldRefuseBadNamespaces() {
        assertEquals("RateLimitFilter: init-param [namespace] has invalid value [login limit]: "
                + "must be 1-64 characters of [A-Za-z0-9_.-]", initFailure("rate-limit", "namespace", "login limit"));
        assertEquals("RateLimitFilter: init-param [namespace] has invalid value [a:b]: "
                + "must be 1-64 characters of [A-Za-z0-9_.-]", initFailure("rate-limit", "namespace", "a:b"));
        String tooLong = "n".repeat(65);
        assertEquals("RateLimitFilter: init-param [namespace] has invalid value [" + tooLong + "]: "
                + "must be 1-64 characters of [A-Za-z0-9_.-]", initFailure("rate-limit", "namespace", tooLong));
    }

    @Test
    void shouldDeriveTheNamespaceFromTheFilterName() {
        assertEquals("login-limit", RateLimitFilter.namespaceOf("login-limit"));
        assertEquals("api.v2_limit", RateLimitFilter.namespaceOf("api.v2_limit"));
        String spaced = RateLimitFilter.namespaceOf("Login Limit");
        assertTrue(spaced.matches("Login_Limit-[0-9a-f]{8}"), spaced);
        assertNotEquals(spaced, RateLimitFilter.namespaceOf("Login_Limit"), "a changed name never collides with a valid one");
        assertNotEquals(spaced, RateLimitFilter.namespaceOf("Login:Limit"));
        String longName = RateLimitFilter.namespaceOf("x".repeat(300));
        assertTrue(longName.matches("[A-Za-z0-9_.-]{1,64}"), longName);
        assertTrue(RateLimitFilter.namespaceOf("\u30ec\u30fc\u30c8").matches("[A-Za-z0-9_.-]{1,64}"));
    }
}
