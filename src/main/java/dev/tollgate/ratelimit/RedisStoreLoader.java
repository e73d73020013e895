package dev.tollgate.ratelimit;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Loads the {@link RedisBucketStore} behind the plain {@link BucketStore} type, so the filter's
 * class never refers to Lettuce: the optional dependency is only loaded when {@code store=redis}.
 * ({@link RedisBucketStore} is the store itself.)
 */
final class RedisStoreLoader {

    private RedisStoreLoader() {
    }

    /**
     * See {@link RedisBucketStore#create(String, boolean, List, String, Duration, Duration, LongConsumer, RedisSync)};
     * {@code storeLatency} hears the nanoseconds of each call to Redis.
     */
    static BucketStore create(String uri, boolean cluster, List<X509Certificate> trustedCas, String prefix, int timeoutMillis,
                              int probeMillis, LongConsumer storeLatency, RedisSync sync) {
        return RedisBucketStore.create(uri, cluster, trustedCas, prefix, Duration.ofMillis(timeoutMillis),
                Duration.ofMillis(probeMillis), storeLatency, sync);
    }

    /** {@code uri} with any password hidden, for messages. */
    static String mask(String uri) {
        return uri.replaceAll("//[^@/]*@", "//***@");
    }
}
