package dev.tollgate.ratelimit;

import dev.tollgate.internal.JoinedKeys;
import dev.tollgate.ratelimit.spi.BucketPlan;
import dev.tollgate.ratelimit.spi.BucketStore;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.VerboseResult;
import io.github.bucket4j.local.LocalBucketBuilder;
import io.github.bucket4j.local.SynchronizationStrategy;
import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buckets in this JVM: at most {@code maxClients}, so a flood of distinct clients cannot grow the
 * heap, and a flood of new clients cannot hand a known client a fresh quota either. Each bucket is
 * bucket4j's unsynchronized one, consumed under its own monitor: its state changes in place, where
 * the lock-free bucket copies it on every consumption (and once more for a verbose result).
 *
 * <p>The rule of the bound: only a bucket that is full again (every limit back at its capacity
 * now) is ever dropped, since a new bucket would answer the same; a bucket that is not full is
 * kept, whoever arrives. (A cache bounded by size evicts what its policy picks: a flood of new
 * keys evicted buckets in use, and their clients started a fresh period.) Each consumption stamps
 * its bucket with when it will be full again (the probe carries it); when the store holds
 * {@code maxClients} buckets, a new client looks at the next {@value #RECLAIM_STEPS} round the map
 * (a hand that goes on where the last look stopped) for a full one to replace. When it finds none,
 * every bucket is in use: the new client is counted in one overflow bucket per plan, with the
 * plan's limits, shared by every client that finds no room, until one finds room and gets a full
 * bucket of its own (what it took from the shared bucket is not carried over, so new clients get
 * at most one plan's worth more between them). Overflow is counted ({@link #overflowRequests()})
 * and logged at WARN at most every 10 minutes, never with a key. A flood of new addresses can
 * drain the shared bucket, so while the store is full, real new clients may be refused too; known
 * clients keep their own buckets.
 *
 * <p>A bucket idle for the longest period of any plan is full again, so dropping it changes
 * nothing. The map does not expire entries itself: access expiry would record every read and
 * reorder lists, which costs a known client's lookup more than the rest of it. Instead each
 * bucket's clock is a {@link Tracked} that stamps the bucket with the time of its last
 * consumption, and the idle ones are swept out when a new client arrives (the only time the store
 * grows; in the common pool, off the request thread) or the tracked clients are counted, at most
 * every half idle period and every 10 s. A known client's request is one map lookup and the
 * consumption under the bucket's monitor, which also writes both stamps.
 */
final class LocalBucketStore implements BucketStore {

    /** The default bound on tracked clients. */
    public static final int DEFAULT_MAX_CLIENTS = 100_000;
    /** What the log calls a store made without a name. */
    private static final String DEFAULT_NAME = "Local rate-limit store";
    /** Buckets a new client looks at for a full one to replace when the store is at its bound. */
    static final int RECLAIM_STEPS = 16;
    private static final Logger LOG = LoggerFactory.getLogger(LocalBucketStore.class);
    /** A sweep visits every bucket: not more often than this, whatever the periods. */
    private static final long MIN_SWEEP_INTERVAL_NANOS = Duration.ofSeconds(10).toNanos();
    /** While new clients are counted in the overflow buckets, a WARN at most this often. */
    private static final long OVERFLOW_WARN_INTERVAL_NANOS = Duration.ofMinutes(10).toNanos();

    private final String name;
    private final int maxClients;
    private final ConcurrentHashMap<String, Tracked> buckets = new ConcurrentHashMap<>();
    /** Buckets in the map, and places reserved for one about to be put there: never above maxClients. */
    private final AtomicInteger held = new AtomicInteger();
    private final TimeMeter time;
    private final long idleNanos;
    private final long sweepIntervalNanos;
    private final AtomicLong nextSweepNanos;
    private final JoinedKeys joined = new JoinedKeys();
    /** Where the last look for a full bucket stopped; guarded by itself. */
    private final Hand hand = new Hand();
    /** The overflow bucket of each plan, by its bucket prefix; made when first needed. */
    private final ConcurrentHashMap<String, Tracked> overflow = new ConcurrentHashMap<>();
    private final LongAdder overflowRequests = new LongAdder();
    private final AtomicLong nextOverflowWarnNanos;

    private LocalBucketStore(String name, int maxClients, Duration idle, TimeMeter time) {
        if (maxClients < 1) {
            throw new IllegalArgumentException("max clients [" + maxClients + "] must be at least 1");
        }
        this.name = name;
        this.maxClients = maxClients;
        this.time = time;
        this.idleNanos = (idle.isZero() ? Duration.ofSeconds(1) : idle).toNanos();
        this.sweepIntervalNanos = Math.max(idleNanos / 2, MIN_SWEEP_INTERVAL_NANOS);
        long now = time.currentTimeNanos();
        this.nextSweepNanos = new AtomicLong(now + sweepIntervalNanos);
        this.nextOverflowWarnNanos = new AtomicLong(now);
    }

    /** A store for {@code plans}, tracking at most {@code maxClients} clients, on the system clock. */
    public static LocalBucketStore create(Plans plans, int maxClients) {
        return create(plans, maxClients, DEFAULT_NAME);
    }

    /** The same, called {@code name} in the log (the filter that owns it). */
    public static LocalBucketStore create(Plans plans, int maxClients, String name) {
        return new LocalBucketStore(name, maxClients, plans.longestPeriod(), TimeMeter.SYSTEM_MILLISECONDS);
    }

    /** A store whose buckets and idle expiry run on {@code time} (tests). */
    public static LocalBucketStore create(Plans plans, int maxClients, TimeMeter time) {
        return new LocalBucketStore(DEFAULT_NAME, maxClients, plans.longestPeriod(), time);
    }

    @Override
    public ConsumptionProbe tryConsume(String key, BucketPlan plan) {
        String bucketKey = bucketKey(key, plan);
        while (true) {
            Tracked tracked = tracked(bucketKey, plan);
            synchronized (tracked) {
                if (!tracked.dropped) {
                    return tracked.consume(1);
                }
            }
            release(tracked);
        }
    }

    @Override
    public VerboseResult<ConsumptionProbe> tryConsumeVerbose(String key, BucketPlan plan) {
        String bucketKey = bucketKey(key, plan);
        while (true) {
            Tracked tracked = tracked(bucketKey, plan);
            synchronized (tracked) {
                if (!tracked.dropped) {
                    return tracked.consumeVerbose(1);
                }
            }
            release(tracked);
        }
    }

    // ---- Costs and counted statuses: several tokens at once, a look without taking, a count after the fact ----

    @Override
    public ConsumptionProbe tryConsume(String key, BucketPlan plan, long tokens) {
        return withBucket(key, plan, tracked -> tracked.consume(tokens));
    }

    @Override
    public VerboseResult<ConsumptionProbe> tryConsumeVerbose(String key, BucketPlan plan, long tokens) {
        return withBucket(key, plan, tracked -> tracked.consumeVerbose(tokens));
    }

    @Override
    public VerboseResult<EstimationProbe> estimate(String key, BucketPlan plan, long tokens) {
        return withBucket(key, plan, tracked -> tracked.bucket.asVerbose().estimateAbilityToConsume(tokens));
    }

    @Override
    public void consumeIgnoringLimits(String key, BucketPlan plan, long tokens) {
        withBucket(key, plan, tracked -> tracked.consumeIgnoringLimits(tokens));
    }

    /**
     * {@code call} on the bucket of {@code key}, under its monitor, as {@link #tryConsume(String, BucketPlan)}
     * does; a call that takes tokens stamps when the bucket is full again, so that it is not
     * dropped for a newcomer before then.
     */
    private <T> T withBucket(String key, BucketPlan plan, Function<Tracked, T> call) {
        String bucketKey = bucketKey(key, plan);
        while (true) {
            Tracked tracked = tracked(bucketKey, plan);
            synchronized (tracked) {
                if (!tracked.dropped) {
                    return call.apply(tracked);
                }
            }
            release(tracked);
        }
    }

    /** The bucket as it is, if the client has one here; an overflow bucket is no client's own. */
    @Override
    public Optional<VerboseResult<EstimationProbe>> peek(String key, BucketPlan plan) {
        Tracked tracked = buckets.get(bucketKey(key, plan));
        if (tracked == null) {
            return Optional.empty();
        }
        synchronized (tracked) {
            return tracked.dropped ? Optional.empty() : Optional.of(tracked.bucket.asVerbose().estimateAbilityToConsume(1));
        }
    }

    /** The plan is part of the key: a client whose plan changes starts a bucket of the new plan. */
    private String bucketKey(String key, BucketPlan plan) {
        return joined.join(plan.keyPrefix(), key);
    }

    private Tracked tracked(String bucketKey, BucketPlan plan) {
        Tracked tracked = buckets.get(bucketKey);
        return tracked != null ? tracked : admit(bucketKey, plan);
    }

    /**
     * A new client's bucket: a new one if the store has room or a full bucket makes room for it,
     * else the plan's overflow bucket.
     */
    private Tracked admit(String bucketKey, BucketPlan plan) {
        sweepIfDue(false);
        if (reserve() || (reclaimFull() && reserve())) {
            Tracked made = new Tracked(bucketKey, plan, time, idleNanos);
            Tracked raced = buckets.putIfAbsent(bucketKey, made);
            if (raced == null) {
                return made;
            }
            held.decrementAndGet();
            return raced;
        }
        return overflow(plan);
    }

    /** Takes a place for a new bucket, if there is one below the bound. */
    private boolean reserve() {
        while (true) {
            int n = held.get();
            if (n >= maxClients) {
                return false;
            }
            if (held.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    /**
     * Looks at the next {@value #RECLAIM_STEPS} buckets round the map and drops the first that is
     * full again (dropping it changes no answer); true when one went. Bounded work, so a flood of
     * new clients costs each of them a few steps, and the hand still visits every bucket once per
     * {@code maxClients / RECLAIM_STEPS} new clients.
     */
    private boolean reclaimFull() {
        long now = time.currentTimeNanos();
        synchronized (hand) {
            for (int step = 0; step < RECLAIM_STEPS; step++) {
                Tracked next = hand.next(buckets);
                if (next == null) {
                    return false;
                }
                if (next.dropIfFull(now) && release(next)) {
                    return true;
                }
            }
        }
        return false;
    }

    private Tracked overflow(BucketPlan plan) {
        overflowRequests.increment();
        long now = time.currentTimeNanos();
        long due = nextOverflowWarnNanos.get();
        if (now - due >= 0 && nextOverflowWarnNanos.compareAndSet(due, now + OVERFLOW_WARN_INTERVAL_NANOS)) {
            LOG.warn("{}: every one of its max-clients ({}) buckets is in use (none is full again), so new clients share"
                    + " one overflow bucket per plan, with the plan's limits, until a bucket is full again; {} requests"
                    + " counted there so far (said at most every 10 minutes). A flood of new addresses does this; if"
                    + " they are real clients, raise max-clients",
                    name, maxClients, overflowRequests.sum());
        }
        Tracked shared = overflow.get(plan.keyPrefix());
        return shared != null ? shared : overflow.computeIfAbsent(plan.keyPrefix(), p -> new Tracked(null, plan, time, 0));
    }

    /**
     * Removes {@code dropped} from the map if it is still there (only it: by key and value); true
     * if this call did. A request that finds a bucket that a sweep or a new client dropped calls
     * it too, so that its next lookup makes a new bucket instead of finding the dropped one.
     */
    private boolean release(Tracked dropped) {
        if (dropped.key != null && buckets.remove(dropped.key, dropped)) {
            held.decrementAndGet();
            return true;
        }
        return false;
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
        Runnable sweep = () -> {
            for (Tracked tracked : buckets.values()) {
                if (tracked.dropIfIdle(now, idleNanos)) {
                    release(tracked);
                }
            }
        };
        if (here) {
            sweep.run();
        } else {
            ForkJoinPool.commonPool().execute(sweep);
        }
    }

    /** How many clients are tracked now (after a sweep of the idle ones, if one is due). */
    public long trackedClients() {
        sweepIfDue(true);
        return heldBuckets();
    }

    /** How many buckets are held now, without a sweep. */
    long heldBuckets() {
        return buckets.mappingCount();
    }

    /** How many requests were counted in an overflow bucket, the store being full of buckets in use. */
    public long overflowRequests() {
        return overflowRequests.sum();
    }

    /** The look-out for full buckets: an iterator round the map, started again at its end. */
    private static final class Hand {
        private Iterator<Tracked> position;

        /** The next bucket round {@code buckets}, or {@code null} when there is none. */
        Tracked next(ConcurrentHashMap<String, Tracked> buckets) {
            if (position == null || !position.hasNext()) {
                position = buckets.values().iterator();
                if (!position.hasNext()) {
                    return null;
                }
            }
            return position.next();
        }
    }

    /**
     * A client's bucket, and its clock: each consumption reads the time once through it, which
     * stamps the bucket as used then, with no clock read of its own; the consumption then stamps
     * when the bucket will be full again. Its fields change under its monitor.
     */
    private static final class Tracked implements TimeMeter {
        /** The key in the map; {@code null} for an overflow bucket, which is never in it. */
        final String key;
        private final TimeMeter time;
        final Bucket bucket;
        private long lastUsedNanos;
        /** From then on the bucket is full again (unless consumed from again). */
        private long fullAtNanos;
        boolean dropped;

        /** A full bucket, counted as not full for {@code protectNanos}: until its first consumption stamps it. */
        Tracked(String key, BucketPlan plan, TimeMeter time, long protectNanos) {
            this.key = key;
            this.time = time;
            this.lastUsedNanos = time.currentTimeNanos();
            this.fullAtNanos = lastUsedNanos + protectNanos;
            // Unsynchronized: every consumption holds this object's monitor (see tryConsume).
            LocalBucketBuilder builder = Bucket.builder().withCustomTimePrecision(this)
                    .withSynchronizationStrategy(SynchronizationStrategy.NONE);
            for (Bandwidth bandwidth : plan.configuration().getBandwidths()) {
                builder.addLimit(bandwidth);
            }
            this.bucket = builder.build();
        }

        /** {@code tokens} tokens, under this object's monitor. */
        ConsumptionProbe consume(long tokens) {
            ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(tokens);
            fullAtNanos = lastUsedNanos + probe.getNanosToWaitForReset();
            return probe;
        }

        /** {@code tokens} tokens with the state after it, under this object's monitor. */
        VerboseResult<ConsumptionProbe> consumeVerbose(long tokens) {
            VerboseResult<ConsumptionProbe> result = bucket.asVerbose().tryConsumeAndReturnRemaining(tokens);
            fullAtNanos = lastUsedNanos + result.getValue().getNanosToWaitForReset();
            return result;
        }

        /** {@code tokens} tokens whatever the limits say (a count after the fact), under this object's monitor. */
        Void consumeIgnoringLimits(long tokens) {
            VerboseResult<Long> result = bucket.asVerbose().consumeIgnoringRateLimits(tokens);
            fullAtNanos = lastUsedNanos + result.getDiagnostics().calculateFullRefillingTime();
            return null;
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

        synchronized boolean dropIfFull(long now) {
            if (now - fullAtNanos >= 0) {
                dropped = true;
            }
            return dropped;
        }
    }
}
