package dev.tollgate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tollgate.testing.FakeHttp;
import dev.tollgate.testing.Fakes;
import jakarta.servlet.ServletException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link RateLimitFilter.Builder}: each value checked by its init-param's rule, the rest at startup with the init-params' messages. */
class RateLimitFilterBuilderTest {

    private static String rule(Runnable call) {
        return assertThrows(IllegalArgumentException.class, call::run).getMessage();
    }

    @Test
    void shouldCheckEachValueByTheRuleOfItsInitParam() {
        assertEquals("limit [0/1m]: capacity must be a whole number from 1 to 1000000000", rule(() -> RateLimitFilter.builder("0/1m")));
        RateLimitFilter.Builder b = RateLimitFilter.builder("10/1m");
        assertEquals("must be auto, client, ip, header:<Header-Name> or header:<Header-Name>;plain", rule(() -> b.keyBy("cookie")));
        assertEquals("trusted proxy [10.1.0.0/99]: prefix length must be 0-32", rule(() -> b.trustedProxies("10.1.0.0/99")));
        assertEquals("max-clients [0] must be an integer between 1 and 100000000", rule(() -> b.maxClients(0)));
        assertEquals("must be 1-64 characters of [A-Za-z0-9_.-]", rule(() -> b.namespace("a b")));
        assertEquals("must be one of [allow, local, reject]", rule(() -> b.onStoreFailure("ignore")));
        assertEquals("RateLimitFilter: init-param [store] has invalid value [memcached]: must be local, redis, jdbc or the name of a class "
                + "that implements dev.tollgate.ratelimit.spi.StoreProvider", rule(() -> b.store("memcached", Map.of())));
        assertEquals("store [redis] has no param [redis-url]; its params are [redis-ca-file, redis-key-prefix, redis-mode, "
                + "redis-probe-interval, redis-sync, redis-sync-interval, redis-sync-tokens, redis-timeout, redis-uri]",
                rule(() -> b.store("redis", Map.of("redis-url", "redis://127.0.0.1"))));
        rule(() -> b.plans("gold 100/1m"));
        rule(() -> b.countStatuses("600"));
        rule(() -> b.costs("/export=0"));
    }

    @Test
    void shouldCheckWhatDependsOnSeveralValuesAtStartupWithTheInitParamsMessages() {
        RateLimitFilter filter = RateLimitFilter.builder("10/1m").clientPlans("alice=platinum").build();
        assertEquals("RateLimitFilter: init-param [client-plans] has invalid value [alice=platinum]: client [alice] is on plan "
                + "[platinum], which is not defined; defined plans are [default]",
                assertThrows(ServletException.class, () -> filter.init(Fakes.filterConfig("built", Map.of()))).getMessage());
    }

    @Test
    void shouldApplyTheBuiltValuesAndIgnoreInitParams() throws Exception {
        RateLimitFilter filter = RateLimitFilter.builder("2/1m").throttleHeaders(false).ietfHeaders(true).build();
        // Init-params a built filter never reads: an unknown name and other limits.
        filter.init(Fakes.filterConfig("built", Map.of("limits", "100/1m", "no-such-param", "x")));
        FakeHttp.Chain chain = new FakeHttp.Chain();
        FakeHttp.Response first = FakeHttp.response();
        filter.doFilter(FakeHttp.request("GET", "/x").get(), first.get(), chain);
        assertEquals(null, first.header("X-Throttle-Limit"), "throttle-headers=false, as built");
        assertEquals("\"default-1m\";q=2;w=60", first.header("RateLimit-Policy"));
        filter.doFilter(FakeHttp.request("GET", "/x").get(), FakeHttp.response().get(), chain);
        FakeHttp.Response third = FakeHttp.response();
        filter.doFilter(FakeHttp.request("GET", "/x").get(), third.get(), chain);
        assertEquals(429, third.status(), "limits 2/1m, as built");
        filter.destroy();
    }
}
