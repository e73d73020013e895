package dev.tollgate.ratelimit;

import java.time.Duration;

/**
 * Loads the {@link RedisBucketStore} behind the plain {@link BucketStore} type, so the filter's
 * class never refers to Lettuce: the optional dependency is only loaded when {@code store=redis}.
 * ({@link RedisBucketStore} is the store itself.)
 */
final class RedisStoreLoader {

    private RedisStoreLoader() {
    }

    static BucketStore create(String uri, String prefix, int timeoutMillis, int probeMillis) {
        return create(uri, prefix, timeoutMillis, probeMillis, RedisSync.exact());
    }

    static BucketStore create(String uri, String prefix, int timeoutMillis, int probeMillis, RedisSync sync) {
        return RedisBucketStore.create(uri, prefix, Duration.ofMillis(timeoutMillis), Duration.ofMillis(probeMillis), sync);
    }

    /** {@code uri} with any password hidden, for messages. */
    static String mask(String uri) {
        return uri.replaceAll("//[^@/]*@", "//***@");
    }
}
