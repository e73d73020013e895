package dev.tollgate.ratelimit.redis;

import dev.tollgate.ratelimit.spi.SharedBucketStore;
import dev.tollgate.ratelimit.spi.SharedBucketStore.Options;
import dev.tollgate.ratelimit.spi.SyncMode;
import java.time.Duration;
import java.util.function.LongConsumer;

/** Redis stores for the limiter's tests in other packages, made as the filter's provider makes them. */
public final class RedisStores {

    private RedisStores() {
    }

    /** The exact mode, on the Redis at {@code uri}, keys starting with {@code prefix}. */
    public static SharedBucketStore create(String uri, String prefix, Duration timeout, Duration probeInterval) {
        return create(uri, prefix, timeout, probeInterval, SyncMode.exact());
    }

    /** The same with {@code sync}. */
    public static SharedBucketStore create(String uri, String prefix, Duration timeout, Duration probeInterval, SyncMode sync) {
        return RedisBucketStore.create(uri, prefix, timeout, probeInterval, sync);
    }

    /** With {@code sync}, keeping at most {@code maxClients} buckets' proxies (and copies). */
    public static SharedBucketStore create(String uri, String prefix, Duration timeout, Duration probeInterval, SyncMode sync,
                                           int maxClients) {
        return RedisBucketStore.create(uri, false, null, prefix, new Options(timeout, probeInterval, sync), nanos -> { }, maxClients);
    }

    /** The calls {@code store} (a Redis store of this class) sent to Redis through its bucket proxies so far. */
    public static long calls(SharedBucketStore store) {
        return ((RedisBucketStore) store).calls();
    }

    /** The exact mode; {@code storeLatency} hears the nanoseconds of each call. */
    public static SharedBucketStore create(String uri, String prefix, Duration timeout, Duration probeInterval,
                                           LongConsumer storeLatency) {
        return RedisBucketStore.create(uri, false, null, prefix, new Options(timeout, probeInterval, SyncMode.exact()), storeLatency,
                RedisBucketStore.DEFAULT_MAX_CLIENTS);
    }
}
