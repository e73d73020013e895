package dev.tollgate.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.VerboseResult;
import io.github.bucket4j.local.LocalBucketBuilder;
import io.github.bucket4j.local.SynchronizationStrategy;
import java.time.Duration;

/**
 * Buckets in this JVM, in a bounded Caffeine cache: at most {@code maxClients} buckets, each dropped
 * after it has been idle for the longest period of any plan (by then it would be full again, so
 * dropping it changes nothing). A flood of distinct clients evicts the least recently used instead
 * of growing the heap. Each bucket is bucket4j's unsynchronized one, consumed under the bucket's
 * own monitor: its state changes in place, where the lock-free bucket copies it on every
 * consumption (and once more for a verbose result).
 */
final class LocalBucketStore implements BucketStore {

    /** The default bound on tracked clients. */
    public static final int DEFAULT_MAX_CLIENTS = 100_000;

    private final Cache<String, Bucket> buckets;
    private final TimeMeter time;
    private final JoinedKeys joined = new JoinedKeys();

    private LocalBucketStore(int maxClients, Duration idle, TimeMeter time) {
        if (maxClients < 1) {
            throw new IllegalArgumentException("max clients [" + maxClients + "] must be at least 1");
        }
        this.time = time;
        this.buckets = Caffeine.newBuilder()
                .maximumSize(maxClients)
                .expireAfterAccess(idle.isZero() ? Duration.ofSeconds(1) : idle)
                .ticker(time::currentTimeNanos)
                // Maintenance (eviction, expiry) runs amortized on the calling thread. Handing it to
                // the common pool costs more than doing it: about 40-60 ns per lookup when the JVM
                // has a single CPU, where the common pool has no worker of its own.
                .executor(Runnable::run)
                .build();
    }

    /** A store for {@code plans}, tracking at most {@code maxClients} clients, on the system clock. */
    public static LocalBucketStore create(Plans plans, int maxClients) {
        return new LocalBucketStore(maxClients, plans.longestPeriod(), TimeMeter.SYSTEM_MILLISECONDS);
    }

    /** A store whose buckets and idle expiry run on {@code time} (tests). */
    public static LocalBucketStore create(Plans plans, int maxClients, TimeMeter time) {
        return new LocalBucketStore(maxClients, plans.longestPeriod(), time);
    }

    @Override
    public ConsumptionProbe tryConsume(String key, Plan plan) {
        Bucket bucket = bucket(key, plan);
        synchronized (bucket) {
            return bucket.tryConsumeAndReturnRemaining(1);
        }
    }

    @Override
    public VerboseResult<ConsumptionProbe> tryConsumeVerbose(String key, Plan plan) {
        Bucket bucket = bucket(key, plan);
        synchronized (bucket) {
            return bucket.asVerbose().tryConsumeAndReturnRemaining(1);
        }
    }

    private Bucket bucket(String key, Plan plan) {
        // The plan is part of the key: a client whose plan changes starts a bucket of the new plan.
        String bucketKey = joined.join(plan.bucketPrefix(), key);
        // A known client needs no mapping function (a capturing lambda is an object per call).
        Bucket bucket = buckets.getIfPresent(bucketKey);
        if (bucket == null) {
            bucket = buckets.get(bucketKey, k -> newBucket(plan));
        }
        return bucket;
    }

    private Bucket newBucket(Plan plan) {
        // Unsynchronized: every consumption holds the bucket's monitor (see tryConsume).
        LocalBucketBuilder builder = Bucket.builder().withCustomTimePrecision(time)
                .withSynchronizationStrategy(SynchronizationStrategy.NONE);
        for (Bandwidth bandwidth : plan.limits().configuration().getBandwidths()) {
            builder.addLimit(bandwidth);
        }
        return builder.build();
    }

    /** How many clients are tracked now (after pending maintenance). */
    public long trackedClients() {
        buckets.cleanUp();
        return buckets.estimatedSize();
    }
}
