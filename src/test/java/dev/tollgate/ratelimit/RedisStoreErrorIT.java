package dev.tollgate.ratelimit;

import dev.tollgate.ratelimit.redis.RedisStores;
import dev.tollgate.ratelimit.spi.SharedBucketStore;
import dev.tollgate.it.RealRedisCases;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.benmanes.caffeine.cache.Cache;
import dev.tollgate.it.RedisTestSupport;
import dev.tollgate.ratelimit.RateLimiter.OnStoreFailure;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The Redis store against the real Redis when bucket4j's proxy fails with an {@link Error}: the
 * proxy of one bucket is swapped for one that throws, as a broken classpath would.
 */
class RedisStoreErrorIT extends RealRedisCases {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final Duration PROBE = Duration.ofMillis(200);


    @Test
    void shouldOpenTheCircuitWhenTheStoreFailsWithAnError() throws Exception {
        Plans plans = Plans.of(Limits.parse("5/1h"));
        SharedBucketStore store = RedisStores.create(RedisTestSupport.URI, prefix, TIMEOUT, PROBE);
        try (RateLimiter limiter = RateLimiter.builder(plans).store(store).onStoreFailure(OnStoreFailure.REJECT).build()) {
            assertTrue(limiter.tryConsume("client:error", plans.defaultPlan()).counted());
            Cache<String, AsyncBucketProxy> proxies = proxiesOf(store);
            String key = proxies.asMap().keySet().iterator().next();
            AsyncBucketProxy working = proxies.getIfPresent(key);
            AsyncBucketProxy broken = (AsyncBucketProxy) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {AsyncBucketProxy.class}, (proxy, method, args) -> {
                        throw new NoClassDefFoundError("io/github/bucket4j/Missing");
                    });
            proxies.put(key, broken);
            RateLimitDecision failed = limiter.tryConsume("client:error", plans.defaultPlan());
            assertFalse(failed.counted() || failed.allowed(), "the outage behaviour (reject) answers");
            assertTrue(store.isCircuitOpen());
            Thread.sleep(PROBE.toMillis() + 50);
            assertFalse(limiter.tryConsume("client:error", plans.defaultPlan()).counted(), "the probe fails with an Error too");
            proxies.put(key, working);
            assertFalse(limiter.tryConsume("client:error", plans.defaultPlan()).counted(), "no probe before the interval");
            Thread.sleep(PROBE.toMillis() + 50);
            RateLimitDecision back = limiter.tryConsume("client:error", plans.defaultPlan());
            assertTrue(back.counted(), "the next probe reaches Redis: the circuit was not stuck half-open");
            assertEquals(3, back.remaining());
            assertFalse(store.isCircuitOpen());
        }
    }

    @SuppressWarnings("unchecked")
    private static Cache<String, AsyncBucketProxy> proxiesOf(SharedBucketStore store) throws ReflectiveOperationException {
        Field field = SharedBucketStore.class.getDeclaredField("bucketProxies");
        field.setAccessible(true);
        return (Cache<String, AsyncBucketProxy>) field.get(store);
    }
}
