package dev.tollgate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tollgate.testing.Fakes;
import jakarta.servlet.ServletException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code count-statuses} and {@code costs} init-params: every bad value stops startup with its rule. */
class CountStatusesAndCostsParamsTest {

    private static String initFailure(String... pairs) {
        Map<String, String> params = new HashMap<>();
        params.put("limits", "20/1m");
        for (int i = 0; i < pairs.length; i += 2) {
            params.put(pairs[i], pairs[i + 1]);
        }
        return assertThrows(ServletException.class,
                () -> new RateLimitFilter().init(Fakes.filterConfig("rate-limit", params, Fakes.context(Map.of())))).getMessage();
    }

    private static void starts(String... pairs) throws ServletException {
        Map<String, String> params = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            params.put(pairs[i], pairs[i + 1]);
        }
        RateLimitFilter filter = new RateLimitFilter();
        filter.init(Fakes.filterConfig("rate-limit", params, Fakes.context(Map.of())));
        filter.destroy();
    }

    @Test
    void shouldAcceptStatusCodesAndClasses() throws ServletException {
        starts("limits", "3/1m", "count-statuses", "401, 403");
        starts("limits", "3/1m", "count-statuses", "401 429\n4xx,5XX");
        starts("limits", "3/1m", "count-statuses", "100, 599");
    }

    @Test
    void shouldRefuseWhatIsNotAStatusCodeOrClass() {
        String rule = "must be an HTTP status code from 100 to 599 or a class from 1xx to 5xx";
        assertEquals("RateLimitFilter: init-param [count-statuses] has invalid value [401, 99]: status [99] " + rule,
                initFailure("count-statuses", "401, 99"));
        assertEquals("RateLimitFilter: init-param [count-statuses] has invalid value [600]: status [600] " + rule,
                initFailure("count-statuses", "600"));
        assertEquals("RateLimitFilter: init-param [count-statuses] has invalid value [6xx]: status [6xx] " + rule,
                initFailure("count-statuses", "6xx"));
        assertEquals("RateLimitFilter: init-param [count-statuses] has invalid value [4x1]: status [4x1] " + rule,
                initFailure("count-statuses", "4x1"));
        assertEquals("RateLimitFilter: init-param [count-statuses] has invalid value [401;403]: status [401;403] " + rule,
                initFailure("count-statuses", "401;403"));
        assertEquals("RateLimitFilter: init-param [count-statuses] has invalid value [\u0664\u0660\u0661]: status [\u0664\u0660\u0661] " + rule,
                initFailure("count-statuses", "\u0664\u0660\u0661"));
        assertEquals("RateLimitFilter: init-param [count-statuses] has invalid value [401, 401]: status [401] is listed twice",
                initFailure("count-statuses", "401, 401"));
        assertEquals("RateLimitFilter: init-param [count-statuses] has invalid value [4xx, 4XX]: status [4XX] is listed twice",
                initFailure("count-statuses", "4xx, 4XX"));
    }

    @Test
    void shouldAcceptCostsOfUrlPatterns() throws ServletException {
        starts("limits", "20/1m", "costs", "/api/export=10, /api/reports/*=5");
        starts("limits", "20/1m, 1000/1d", "costs", "/api/export = 20\n*.csv=3 /*=2");
    }

    @Test
    void shouldRefuseACostThatIsNotAPositiveNumberOfAUrlPattern() {
        assertEquals("RateLimitFilter: init-param [costs] has invalid value [/api/export]: entry [/api/export] must be "
                + "<url-pattern>=<cost>, like /api/export=10", initFailure("costs", "/api/export"));
        assertEquals("RateLimitFilter: init-param [costs] has invalid value [api/export=10]: url-pattern [api/export] must be "
                + "an exact path (/health), a prefix (/public/*) or an extension (*.css)", initFailure("costs", "api/export=10"));
        assertEquals("RateLimitFilter: init-param [costs] has invalid value [/api/export=0]: cost [0] of [/api/export] must be "
                + "a whole number from 1 to 1000000000", initFailure("costs", "/api/export=0"));
        assertEquals("RateLimitFilter: init-param [costs] has invalid value [/api/export=ten]: cost [ten] of [/api/export] must be "
                + "a whole number from 1 to 1000000000", initFailure("costs", "/api/export=ten"));
        assertEquals("RateLimitFilter: init-param [costs] has invalid value [/api/export=99999999999999999999]: cost "
                + "[99999999999999999999] of [/api/export] must be a whole number from 1 to 1000000000",
                initFailure("costs", "/api/export=99999999999999999999"));
        assertEquals("RateLimitFilter: init-param [costs] has invalid value [/a/*=2, /a/*=3]: url-pattern [/a/*] is given a cost twice",
                initFailure("costs", "/a/*=2, /a/*=3"));
    }

    @Test
    void shouldRefuseACostThatNoPlanCouldEverLetThrough() {
        assertEquals("RateLimitFilter: init-param [costs] has invalid value [/api/export=25]: cost [25] of [/api/export] is more "
                + "than limit [20/1m] of plan [default] holds, so such a request could never pass", initFailure("costs", "/api/export=25"));
        assertEquals("RateLimitFilter: init-param [costs] has invalid value [/api/export=10]: cost [10] of [/api/export] is more "
                + "than limit [5/1s] of plan [gold] holds, so such a request could never pass",
                initFailure("plans", "gold: 1000/1m, 5/1s", "costs", "/api/export=10"));
    }
}
