package dev.tollgate.ratelimit;

import java.time.Duration;

/**
 * Builds the Redis store behind a plain {@link BucketStore} type, so the filter's class never
 * refers to Lettuce: the optional dependency is only loaded when {@code store=redis}.
 */
final class RedisStores {

    private RedisStores() {
    }

    static BucketStore create(String uri, String prefix, int timeoutMillis, int probeMillis) {
        return RedisBucketStore.create(uri, prefix, Duration.ofMillis(timeoutMillis), Duration.ofMillis(probeMillis));
    }

    /** {@code uri} with any password hidden, for messages. */
    static String mask(String uri) {
        return uri.replaceAll("//[^@/]*@", "//***@");
    }
}
