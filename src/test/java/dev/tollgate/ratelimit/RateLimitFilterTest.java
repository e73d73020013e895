package dev.tollgate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.internal.PlanRegistry;
import dev.tollgate.testing.Fakes;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RateLimitFilterTest {

    private static String initFailure(Map<String, String> params) {
        return initFailure(params, Fakes.context(Map.of()));
    }

    private static String initFailure(Map<String, String> params, ServletContext context) {
        return assertThrows(ServletException.class,
                () -> new RateLimitFilter().init(Fakes.filterConfig("rate-limit", params, context))).getMessage();
    }

    private static Map<String, String> with(String... pairs) {
        Map<String, String> map = new HashMap<>();
        map.put("limits", "10/1m");
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map;
    }

    @Test
    void shouldRequireLimits() {
        assertEquals("RateLimitFilter: init-param [limits] is required, like 100/1m, 5000/1d", initFailure(Map.of()));
    }

    @Test
    void shouldNameParamValueAndRuleForBadLimitsAndPlans() {
        assertEquals("RateLimitFilter: init-param [limits] has invalid value [100/0s]: limit [100/0s]: period must be positive",
                initFailure(with("limits", "100/0s")));
        assertEquals("RateLimitFilter: init-param [limits] has invalid value [-1/1m]: limit [-1/1m]: capacity must be a whole number from 1 to 1000000000",
                initFailure(with("limits", "-1/1m")));
        assertTrue(initFailure(with("limits", "abc")).startsWith("RateLimitFilter: init-param [limits] has invalid value [abc]: limit [abc] must be <capacity>/<period>"));
        assertEquals("RateLimitFilter: init-param [plans] has invalid value [gold: 0/1m]: plan [gold]: limit [0/1m]: capacity must be a whole number from 1 to 1000000000",
                initFailure(with("plans", "gold: 0/1m")));
        assertEquals("RateLimitFilter: init-param [client-plans] has invalid value [alice=platinum]: client [alice] is on plan [platinum], "
                + "which is not defined; defined plans are [default, gold]",
                initFailure(with("plans", "gold: 100/1m", "client-plans", "alice=platinum")));
        assertEquals("RateLimitFilter: init-param [plans] has invalid value [default: 5/1m]: plan [default] is defined twice "
                + "(the default plan comes from the limits)", initFailure(with("plans", "default: 5/1m")));
    }

    @Test
    void shouldRefusePlanNamedByAKeyButNotDefined() throws ServletException {
        ServletContext context = Fakes.context(Map.of());
        PlanRegistry.forContext(context).publishReferences("ApiKeyFilter [api-key]", Map.of("acme", "gold", "zeta", "platinum"));
        assertEquals("RateLimitFilter [rate-limit]: plan [platinum], named by the API key of client [zeta] (ApiKeyFilter [api-key]), "
                + "is not defined; its plans are [default, gold]", initFailure(with("plans", "gold: 100/1m"), context));
        // A limiter without plans applies its limits to everyone and checks nothing.
        RateLimitFilter open = new RateLimitFilter();
        open.init(Fakes.filterConfig("open", with(), context));
        open.destroy();
    }

    @Test
    void shouldRefuseBadKeyByProxiesAndNumbers() {
        String keyByRule = "must be auto, client, ip, header:<Header-Name> or header:<Header-Name>;plain";
        assertEquals("RateLimitFilter: init-param [key-by] has invalid value [cookie]: " + keyByRule,
                initFailure(with("key-by", "cookie")));
        assertEquals("RateLimitFilter: init-param [key-by] has invalid value [header:X Tenant]: " + keyByRule,
                initFailure(with("key-by", "header:X Tenant")));
        assertEquals("RateLimitFilter: init-param [key-by] has invalid value [header:X-Tenant;raw]: " + keyByRule,
                initFailure(with("key-by", "header:X-Tenant;raw")));
        assertEquals("RateLimitFilter: init-param [trusted-proxies] has invalid value [10.0.0.0/8, 10.1.0.0/99]: "
                + "trusted proxy [10.1.0.0/99]: prefix length must be 0-32", initFailure(with("trusted-proxies", "10.0.0.0/8, 10.1.0.0/99")));
        assertEquals("RateLimitFilter: init-param [max-clients] has invalid value [0]: must be an integer between 1 and 100000000",
                initFailure(with("max-clients", "0")));
        assertTrue(initFailure(with("limit", "1/1m")).startsWith("RateLimitFilter: unknown init-param [limit]; known names are [client-plans"));
    }

    @Test
    void shouldValidateStoreParamsWithoutShowingPasswords() {
        assertEquals("RateLimitFilter: init-param [store] has invalid value [memcached]: must be local, redis, jdbc or the name of a class that implements "
                        + "dev.tollgate.ratelimit.spi.StoreProvider",
                initFailure(with("store", "memcached")));
        assertEquals("RateLimitFilter: init-param [redis-uri] is required with store=redis, like redis://127.0.0.1:6379/0",
                initFailure(with("store", "redis")));
        String message = initFailure(with("store", "redis", "redis-uri", "redis://:s3cret@"));
        assertEquals("RateLimitFilter: init-param [redis-uri] has invalid value [redis://***@]: must be a Redis URI like "
                + "redis://host:6379/0, rediss://:password@host:6380 or redis-sentinel://host:26379,host2:26379/0#mymaster", message);
        assertEquals("RateLimitFilter: init-param [on-store-failure] has invalid value [ignore]: must be one of [allow, local, reject]",
                initFailure(with("on-store-failure", "ignore")));
        assertEquals("RateLimitFilter: init-param [redis-timeout] has invalid value [0]: must be an integer between 1 and 60000",
                initFailure(with("store", "redis", "redis-uri", "redis://127.0.0.1:6379", "redis-timeout", "0")));
    }

    @Test
    void shouldNameTheParamWhenAClusterSentinelOrTlsSettingDoesNotFit() throws Exception {
        assertEquals("RateLimitFilter: init-param [redis-mode] has invalid value [sharded]: must be one of [cluster, standalone]",
                initFailure(with("store", "redis", "redis-uri", "redis://127.0.0.1:7000", "redis-mode", "sharded")));
        assertEquals("RateLimitFilter: init-param [redis-uri] has invalid value [redis://***@h1:7000,h2:7001]: several hosts need "
                        + "redis-mode=cluster (or redis-sentinel:// for Sentinel)",
                initFailure(with("store", "redis", "redis-uri", "redis://:pw@h1:7000,h2:7001")));
        assertEquals("RateLimitFilter: init-param [redis-uri] has invalid value [redis-sentinel://h1:26379#mymaster]: "
                        + "redis-mode=cluster takes redis:// or rediss:// seed nodes, like redis://h1:7000,h2:7001,h3:7002",
                initFailure(with("store", "redis", "redis-uri", "redis-sentinel://h1:26379#mymaster", "redis-mode", "cluster")));
        assertEquals("RateLimitFilter: init-param [redis-uri] has invalid value [redis-sentinel://h1:26379]: "
                        + "must be a Redis URI like redis://host:6379/0, rediss://:password@host:6380 "
                        + "or redis-sentinel://host:26379,host2:26379/0#mymaster",
                initFailure(with("store", "redis", "redis-uri", "redis-sentinel://h1:26379")));
        assertEquals("RateLimitFilter: init-param [redis-ca-file] has invalid value [/no/such/ca.pem]: "
                        + "must be a readable PEM file of CA certificates (cannot read it)",
                initFailure(with("store", "redis", "redis-uri", "rediss://127.0.0.1:6380", "redis-ca-file", "/no/such/ca.pem")));
        java.nio.file.Path notPem = java.nio.file.Files.createTempFile("tollgate-not-a-ca", ".pem");
        try {
            java.nio.file.Files.writeString(notPem, "not a certificate\n");
            assertEquals("RateLimitFilter: init-param [redis-ca-file] has invalid value [" + notPem + "]: "
                            + "must be a readable PEM file of CA certificates (no certificate in it)",
                    initFailure(with("store", "redis", "redis-uri", "rediss://127.0.0.1:6380", "redis-ca-file", notPem.toString())));
            assertEquals("RateLimitFilter: init-param [redis-ca-file] has invalid value [" + notPem + "]: "
                            + "is for TLS, so redis-uri must start with rediss:// (or rediss-sentinel://)",
                    initFailure(with("store", "redis", "redis-uri", "redis://127.0.0.1:6379", "redis-ca-file", notPem.toString())));
        } finally {
            java.nio.file.Files.delete(notPem);
        }
    }

    @Test
    void shouldValidateRedisSyncParams() {
        assertEquals("RateLimitFilter: init-param [redis-sync] has invalid value [sometimes]: must be one of [batched, delayed, exact]",
                initFailure(with("store", "redis", "redis-uri", "redis://127.0.0.1:6379", "redis-sync", "sometimes")));
        assertEquals("RateLimitFilter: init-param [redis-sync-tokens] has invalid value [0]: must be an integer between 1 and 1000000",
                initFailure(with("store", "redis", "redis-uri", "redis://127.0.0.1:6379", "redis-sync", "delayed",
                        "redis-sync-tokens", "0")));
        assertEquals("RateLimitFilter: init-param [redis-sync-interval] has invalid value [3600001]: must be an integer between 1 and 3600000",
                initFailure(with("store", "redis", "redis-uri", "redis://127.0.0.1:6379", "redis-sync", "delayed",
                        "redis-sync-interval", "3600001")));
    }
}
