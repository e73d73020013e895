package dev.tollgate.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.VerboseResult;
import io.github.bucket4j.local.LocalBucketBuilder;
import io.github.bucket4j.local.SynchronizationStrategy;
import java.time.Duration;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Buckets in this JVM, in a Caffeine cache bounded by size: at most {@code maxClients} buckets, so
 * a flood of distinct clients evicts the least valuable instead of growing the heap. Each bucket is
 * bucket4j's unsynchronized one, consumed under its own monitor: its state changes in place, where
 * the lock-free bucket copies it on every consumption (and once more for a verbose result).
 *
 * <p>A bucket idle for the longest period of any plan is full again, so dropping it changes
 * nothing. The cache does not expire entries itself: access expiry would make it record every read
 * in a buffer and reorder its lists, which cost a known client's lookup more than the rest of it.
 * Instead each bucket's clock is a {@link Tracked} that stamps the bucket with the time of its last
 * consumption, and the idle ones are swept out when a new client arrives (the only time the store
 * grows; in the common pool, off the request thread) or the tracked clients are counted, at most
 * every half idle period and every 10 s.
 */
final class LocalBucketStore implements BucketStore {

    /** The default bound on tracked clients. */
    public static final int DEFAULT_MAX_CLIENTS = 100_000;
    /** A sweep visits every bucket: not more often than this, whatever the periods. */
    private static final long MIN_SWEEP_INTERVAL_NANOS = Duration.ofSeconds(10).toNanos();

    private final Cache<String, Tracked> buckets;
    private final TimeMeter time;
    private final long idleNanos;
    private final long sweepIntervalNanos;
    private final AtomicLong nextSweepNanos;
    private final JoinedKeys joined = new JoinedKeys();

    private LocalBucketStore(int maxClients, Duration idle, TimeMeter time) {
        if (maxClients < 1) {
            throw new IllegalArgumentException("max clients [" + maxClients + "] must be at least 1");
        }
        this.time = time;
        this.idleNanos = (idle.isZero() ? Duration.ofSeconds(1) : idle).toNanos();
        this.sweepIntervalNanos = Math.max(idleNanos / 2, MIN_SWEEP_INTERVAL_NANOS);
        this.nextSweepNanos = new AtomicLong(time.currentTimeNanos() + sweepIntervalNanos);
        this.buckets = Caffeine.newBuilder()
                .maximumSize(maxClients)
                // Maintenance (eviction) runs amortized on the calling thread. Handing it to the
                // common pool costs more than doing it when the JVM has a single CPU, where the
                // common pool has no worker of its own.
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
        String bucketKey = bucketKey(key, plan);
        while (true) {
            Tracked tracked = tracked(bucketKey, plan);
            synchronized (tracked) {
                if (!tracked.dropped) {
                    return tracked.bucket.tryConsumeAndReturnRemaining(1);
                }
            }
            forget(bucketKey, tracked);
        }
    }

    @Override
    public VerboseResult<ConsumptionProbe> tryConsumeVerbose(String key, Plan plan) {
        String bucketKey = bucketKey(key, plan);
        while (true) {
            Tracked tracked = tracked(bucketKey, plan);
            synchronized (tracked) {
                if (!tracked.dropped) {
                    return tracked.bucket.asVerbose().tryConsumeAndReturnRemaining(1);
                }
            }
            forget(bucketKey, tracked);
        }
    }

    // ---- Costs and counted statuses: several tokens at once, a look without taking, a count after the fact ----

    @Override
    public ConsumptionProbe tryConsume(String key, Plan plan, long tokens) {
        return withBucket(key, plan, bucket -> bucket.tryConsumeAndReturnRemaining(tokens));
    }

    @Override
    public VerboseResult<ConsumptionProbe> tryConsumeVerbose(String key, Plan plan, long tokens) {
        return withBucket(key, plan, bucket -> bucket.asVerbose().tryConsumeAndReturnRemaining(tokens));
    }

    @Override
    public VerboseResult<EstimationProbe> estimate(String key, Plan plan, long tokens) {
        return withBucket(key, plan, bucket -> bucket.asVerbose().estimateAbilityToConsume(tokens));
    }

    @Override
    public void consumeIgnoringLimits(String key, Plan plan, long tokens) {
        withBucket(key, plan, bucket -> bucket.consumeIgnoringRateLimits(tokens));
    }

    /** {@code call} on the bucket of {@code key}, under its monitor, as {@link #tryConsume(String, Plan)} does. */
    private <T> T withBucket(String key, Plan plan, Function<Bucket, T> call) {
        String bucketKey = bucketKey(key, plan);
        while (true) {
            Tracked tracked = tracked(bucketKey, plan);
            synchronized (tracked) {
                if (!tracked.dropped) {
                    return call.apply(tracked.bucket);
                }
            }
            forget(bucketKey, tracked);
        }
    }

    /** The plan is part of the key: a client whose plan changes starts a bucket of the new plan. */
    private String bucketKey(String key, Plan plan) {
        return joined.join(plan.bucketPrefix(), key);
    }

    private Tracked tracked(String bucketKey, Plan plan) {
        // A known client needs no mapping function (a capturing lambda is an object per call).
        Tracked tracked = buckets.getIfPresent(bucketKey);
        if (tracked == null) {
            sweepIfDue(false);
            tracked = buckets.get(bucketKey, k -> new Tracked(plan, time));
        }
        return tracked;
    }

    /**
     * Removes a bucket that a sweep dropped but may not have removed from the map yet, so that the
     * next lookup makes a new one instead of finding the dropped one until the sweep gets to it.
     */
    private void forget(String bucketKey, Tracked dropped) {
        buckets.asMap().remove(bucketKey, dropped);
    }

    /**
     * Drops the buckets idle for the idle period, if the last sweep was a sweep interval ago. A
     * sweep visits every bucket (about 13 ms for 100,000, 30 ms when it drops them all), so a
     * request thread hands it to the common pool; {@code here}, the caller runs it.
     */
    private void sweepIfDue(boolean here) {
        long now = time.currentTimeNanos();
        long due = nextSweepNanos.get();
        if (now - due < 0 || !nextSweepNanos.compareAndSet(due, now + sweepIntervalNanos)) {
            return;
        }
        // A bucket is dropped under its monitor, so a request that found it before takes its token
        // from the bucket that replaces it (it sees the mark and looks again), never from a lost one.
        Runnable sweep = () -> buckets.asMap().values().removeIf(tracked -> tracked.dropIfIdle(now, idleNanos));
        if (here) {
            sweep.run();
        } else {
            ForkJoinPool.commonPool().execute(sweep);
        }
    }

    /** How many clients are tracked now (after a sweep of the idle ones, if one is due, and pending maintenance). */
    public long trackedClients() {
        sweepIfDue(true);
        return heldBuckets();
    }

    /** How many buckets are held now, after pending maintenance but without a sweep. */
    long heldBuckets() {
        buckets.cleanUp();
        return buckets.estimatedSize();
    }

    /**
     * A client's bucket, and its clock: each consumption reads the time once through it, which
     * stamps the bucket as used then, with no clock read of its own. Its fields change under its
     * monitor.
     */
    private static final class Tracked implements TimeMeter {
        private final TimeMeter time;
        final Bucket bucket;
        private long lastUsedNanos;
        boolean dropped;

        Tracked(Plan plan, TimeMeter time) {
            this.time = time;
            this.lastUsedNanos = time.currentTimeNanos();
            // Unsynchronized: every consumption holds this object's monitor (see tryConsume).
            LocalBucketBuilder builder = Bucket.builder().withCustomTimePrecision(this)
                    .withSynchronizationStrategy(SynchronizationStrategy.NONE);
            for (Bandwidth bandwidth : plan.limits().configuration().getBandwidths()) {
                builder.addLimit(bandwidth);
            }
            this.bucket = builder.build();
        }

        @Override
        public long currentTimeNanos() {
            long now = time.currentTimeNanos();
            lastUsedNanos = now;
            return now;
        }

        @Override
        public boolean isWallClockBased() {
            return time.isWallClockBased();
        }

        synchronized boolean dropIfIdle(long now, long idleNanos) {
            if (now - lastUsedNanos >= idleNanos) {
                dropped = true;
            }
            return dropped;
        }
    }
}
