package dev.tollgate.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.VerboseResult;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.distributed.proxy.optimization.DelayParameters;
import io.github.bucket4j.distributed.proxy.optimization.Optimization;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buckets in Redis, so several nodes enforce one limit: bucket4j's compare-and-swap proxy over
 * Lettuce (a {@code GET}, the bucket math in this JVM, then a Lua compare-and-swap: two round trips
 * when uncontended, more when two nodes race for one bucket).
 *
 * <ul>
 *   <li>Keys are {@code <prefix><plan>:<client key>} (the filter ends the prefix with its
 *       namespace); client keys are client ids, IPs or short or
 *       hashed header values, never an API key.</li>
 *   <li>A key expires when its bucket would be full again (plus 10 s), so idle clients leave
 *       nothing behind.</li>
 *   <li>Each bucket carries the version of its plan's limits, and bucket4j moves a bucket to a
 *       higher version at its next request (tokens carried over additively, per period). Versions
 *       come from Redis, not from the limits: the first time a node uses a plan it registers the
 *       plan's limits in {@code <prefix><plan>#limits}; limits that differ from the ones
 *       registered last get the next version. So the limits started last win, on every node at
 *       once, whether they are tighter or looser, and a rollback is a change like any other.</li>
 *   <li>Concurrent requests for one bucket on this node are batched into one compare-and-swap
 *       (bucket4j's batching optimization on a proxy kept per key), instead of racing each other.</li>
 *   <li>With {@link RedisSync#delayed} the proxy also keeps a copy of its bucket and decides from
 *       it, syncing with Redis every {@code tokens} tokens or {@code interval} (bucket4j's delaying
 *       optimization): a sync pushes what the node took since the last one and reads the shared
 *       state back. A node never holds more than {@code tokens} unsynced tokens per bucket, so
 *       {@code k} nodes admit at most the limit plus {@code k * tokens}. Unsynced tokens are pushed
 *       before a proxy is dropped from the cache and when the store closes.</li>
 *   <li>One call waits at most {@code timeout} in all, whatever Redis does; a failure or timeout
 *       opens a circuit so later requests do not wait at all, and one probe a second checks
 *       whether Redis is back. Any failure, an {@link Error} too, opens the circuit; failures
 *       surface as {@link BucketStoreUnavailableException} (a {@link VirtualMachineError} is
 *       rethrown as it is).</li>
 *   <li>{@link #close()} closes the connection and stops Lettuce's threads, so a redeployed WAR
 *       leaves nothing running.</li>
 * </ul>
 * Nodes compute refills with their own clocks (bucket4j's client-side time), so clocks that differ
 * by {@code d} let a bucket refill up to {@code d} early or late; keep nodes on NTP.
 */
final class RedisBucketStore implements BucketStore {

    private static final Logger LOG = LoggerFactory.getLogger(RedisBucketStore.class);
    private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);
    /**
     * Versions start above 2^31: older releases stored a hash of the limits (below 2^31) as the
     * version, and a bucket only moves to a higher one.
     */
    private static final long FIRST_VERSION = 1L << 31;
    /**
     * Registers limits (ARGV[1]) in the hash KEYS[1] and returns their version: the version of the
     * limits registered last if they are the same, else the next one.
     */
    private static final String REGISTER_LIMITS = "local latest = redis.call('HGET', KEYS[1], 'limits')\n"
            + "local version = tonumber(redis.call('HGET', KEYS[1], 'version') or '0')\n"
            + "if latest ~= ARGV[1] then\n"
            + "  version = version + 1\n"
            + "  redis.call('HSET', KEYS[1], 'limits', ARGV[1], 'version', tostring(version))\n"
            + "end\n"
            + "return version\n";

    private final String prefix;
    private final long timeoutNanos;
    private final RedisThreads threads = new RedisThreads();
    private final ClientResources resources;
    private final RedisClient client;
    private final RedisURI uri;
    private final CircuitBreaker breaker;
    private final RedisSync sync;
    /** The configuration version of each plan, registered in Redis on the plan's first use. */
    private final Map<Plan, Long> versions = new ConcurrentHashMap<>();
    private final Object connectLock = new Object();
    private volatile StatefulRedisConnection<String, byte[]> connection;
    private volatile AsyncProxyManager<String> proxies;
    /**
     * Proxies are reused per key so that bucket4j's batching can merge concurrent requests for one
     * bucket into one compare-and-swap instead of racing (and retrying) against each other.
     */
    private final Cache<String, AsyncBucketProxy> bucketProxies;
    /**
     * Batching alone ({@code exact}), or bucket4j's delaying optimization ({@code delayed}), which
     * batches too and consumes from a local copy of the bucket between syncs.
     */
    private final Optimization optimization;

    private RedisBucketStore(RedisURI uri, String prefix, Duration timeout, Duration probeInterval, RedisSync sync) {
        this.prefix = prefix;
        this.sync = sync;
        this.optimization = sync.isDelayed()
                ? Optimizations.delaying(new DelayParameters(sync.tokens(), sync.interval()))
                : Optimizations.batching();
        // A dropped proxy of the delayed mode would take the tokens it has not synced yet with it: push them first.
        this.bucketProxies = Caffeine.newBuilder()
                .maximumSize(LocalBucketStore.DEFAULT_MAX_CLIENTS)
                .expireAfterAccess(Duration.ofMinutes(10))
                .executor(Runnable::run)
                .removalListener((String key, AsyncBucketProxy proxy, RemovalCause cause) -> {
                    if (sync.isDelayed() && proxy != null && cause.wasEvicted()) {
                        pushUnsynced(key, proxy);
                    }
                })
                .build();
        this.timeoutNanos = timeout.toNanos();
        this.uri = uri;
        // The key prefix tells apart the stores of several rate-limit filters in the log.
        this.breaker = new CircuitBreaker("Redis at " + describe(uri) + " (keys " + prefix + ")", probeInterval.toNanos(), System::nanoTime);
        // Lettuce's reconnect delay grows to 30 s while Redis is away, so after a long outage the
        // connection would come back long after Redis does; capped at half a probe interval, the
        // connection is back by the next probe.
        Duration maxReconnectDelay = Duration.ofMillis(Math.max(10, probeInterval.toMillis() / 2));
        this.resources = DefaultClientResources.builder().threadFactoryProvider(threads)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), maxReconnectDelay, 2, TimeUnit.MILLISECONDS))
                .ioThreadPoolSize(2).computationThreadPoolSize(2).build();
        this.client = RedisClient.create(resources, uri);
        client.setOptions(ClientOptions.builder()
                .autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .socketOptions(SocketOptions.builder().connectTimeout(timeout).build())
                .timeoutOptions(TimeoutOptions.enabled(timeout))
                .build());
        try {
            connect(System.nanoTime() + Math.max(timeoutNanos, TimeUnit.SECONDS.toNanos(2)));
        } catch (BucketStoreUnavailableException e) {
            LOG.warn("Redis at {} unavailable at startup ({}); using the outage behaviour until it answers",
                    describe(uri), e.getMessage());
            breaker.startOpen();
        } finally {
            releaseNettyThreadLocals();
        }
    }

    /**
     * A store on the Redis at {@code redisUri} (as Lettuce reads it: {@code redis://[password@]host:port/db},
     * {@code rediss://} for TLS), its keys starting with {@code prefix}, each call bounded by
     * {@code timeout}, probing every {@code probeInterval} while Redis is away. Redis need not be up.
     */
    public static RedisBucketStore create(String redisUri, String prefix, Duration timeout, Duration probeInterval) {
        return create(redisUri, prefix, timeout, probeInterval, RedisSync.exact());
    }

    /** The same, keeping buckets in step with Redis as {@code sync} says. */
    static RedisBucketStore create(String redisUri, String prefix, Duration timeout, Duration probeInterval, RedisSync sync) {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(sync, "sync");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive");
        }
        RedisURI uri = parseUri(redisUri);
        uri.setTimeout(timeout);
        return new RedisBucketStore(uri, prefix, timeout, probeInterval, sync);
    }

    /** Parses a Redis URI; the message never repeats a password. */
    static RedisURI parseUri(String text) {
        try {
            RedisURI uri = RedisURI.create(text);
            if (uri.getHost() == null || uri.getHost().isEmpty()) {
                throw new IllegalArgumentException("no host");
            }
            return uri;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("must be a Redis URI like redis://host:6379/0 or rediss://:password@host:6380", null);
        }
    }

    private static String describe(RedisURI uri) {
        return uri.getHost() + ":" + uri.getPort();
    }

    private AsyncProxyManager<String> connect(long deadline) {
        AsyncProxyManager<String> current = proxies;
        if (current != null) {
            return current;
        }
        synchronized (connectLock) {
            if (proxies != null) {
                return proxies;
            }
            try {
                StatefulRedisConnection<String, byte[]> opened = client.connectAsync(CODEC, uri).toCompletableFuture()
                        .get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                connection = opened;
                proxies = Bucket4jLettuce.casBasedBuilder(opened)
                        .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                        .build()
                        .asAsync();
                return proxies;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BucketStoreUnavailableException("interrupted while connecting", e);
            } catch (ExecutionException | TimeoutException e) {
                throw new BucketStoreUnavailableException("cannot connect: " + rootMessage(e), e);
            }
        }
    }

    @Override
    public VerboseResult<ConsumptionProbe> tryConsume(String key, Plan plan) {
        try {
            return consume(key, plan);
        } finally {
            releaseNettyThreadLocals();
        }
    }

    /**
     * Netty keeps per-thread state (its {@code InternalThreadLocalMap}, in a plain ThreadLocal) on
     * any thread that writes to a channel. On a container's request or deploy thread that state is
     * of this web application's classes and would keep its class loader alive after a redeploy, so
     * it is dropped after each call (a few tens of nanoseconds when there is nothing to drop).
     */
    private static void releaseNettyThreadLocals() {
        if (!(Thread.currentThread() instanceof FastThreadLocalThread)) {
            FastThreadLocal.removeAll();
        }
    }

    private VerboseResult<ConsumptionProbe> consume(String key, Plan plan) {
        long started = breaker.now();
        if (!breaker.allowRequest()) {
            throw new BucketStoreUnavailableException("circuit open", null);
        }
        long deadline = System.nanoTime() + timeoutNanos;
        CompletableFuture<VerboseResult<ConsumptionProbe>> future = null;
        try {
            AsyncProxyManager<String> manager = connect(deadline);
            Long known = versions.get(plan);
            long version = known != null ? known : register(plan, deadline);
            String redisKey = prefix + plan.name() + ":" + key;
            future = bucketProxies.get(redisKey, k -> manager.builder()
                    .withImplicitConfigurationReplacement(version, TokensInheritanceStrategy.ADDITIVE)
                    .withOptimization(optimization)
                    .build(k, plan.limits().asyncConfiguration()))
                    .asVerbose().tryConsumeAndReturnRemaining(1);
            VerboseResult<ConsumptionProbe> probe = future.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            breaker.onSuccess(started);
            return probe;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            breaker.onFailure("interrupted");
            throw new BucketStoreUnavailableException("interrupted", e);
        } catch (TimeoutException e) {
            if (future != null) {
                future.cancel(true);
            }
            breaker.onFailure("no answer within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms");
            throw new BucketStoreUnavailableException("timeout", e);
        } catch (ExecutionException e) {
            breaker.onFailure(rootMessage(e));
            throw new BucketStoreUnavailableException(rootMessage(e), e);
        } catch (BucketStoreUnavailableException e) {
            breaker.onFailure(e.getMessage());
            throw e;
        } catch (RuntimeException e) {
            breaker.onFailure(rootMessage(e));
            throw new BucketStoreUnavailableException(rootMessage(e), e);
        } catch (VirtualMachineError e) {
            // The JVM itself is in trouble: the breaker still hears of it, the error goes on.
            breaker.onFailure(rootMessage(e));
            throw e;
        } catch (Error e) {
            // A LinkageError from a missing or mismatched class, say: the store is unusable, not
            // the request; the outage behaviour answers and the breaker probes again later.
            breaker.onFailure(rootMessage(e));
            throw new BucketStoreUnavailableException(rootMessage(e), e);
        }
    }

    /** Registers the limits of {@code plan} in Redis and keeps their version (see the class doc). */
    private long register(Plan plan, long deadline) throws InterruptedException, ExecutionException, TimeoutException {
        RedisFuture<Long> registered = connection.async().eval(REGISTER_LIMITS, ScriptOutputType.INTEGER,
                new String[] {prefix + plan.name() + "#limits"}, plan.limits().toString().getBytes(StandardCharsets.UTF_8));
        long counter;
        try {
            counter = registered.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            registered.cancel(true);
            throw e;
        }
        long version = FIRST_VERSION + counter;
        versions.put(plan, version);
        return version;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    /** Whether requests currently skip Redis. */
    public boolean isCircuitOpen() {
        return breaker.isOpen();
    }

    /**
     * Starts a sync of {@code proxy}'s unsynced tokens without waiting for it; a failure is logged,
     * and those tokens (at most {@code redis-sync-tokens}) are lost to the shared count.
     */
    private CompletableFuture<Void> pushUnsynced(String key, AsyncBucketProxy proxy) {
        if (connection == null || breaker.isOpen()) {
            return CompletableFuture.completedFuture(null);
        }
        try {
            return proxy.getOptimizationController().syncImmediately().whenComplete((done, failure) -> {
                if (failure != null) {
                    LOG.debug("Could not push the unsynced tokens of {} to Redis: {}", key, rootMessage(failure));
                }
            });
        } finally {
            releaseNettyThreadLocals();
        }
    }

    /** Pushes every bucket's unsynced tokens to Redis, waiting at most the timeout in all. */
    private void pushAllUnsynced() {
        CompletableFuture<?>[] pushes = bucketProxies.asMap().entrySet().stream()
                .map(e -> pushUnsynced(e.getKey(), e.getValue())).toArray(CompletableFuture[]::new);
        try {
            CompletableFuture.allOf(pushes).get(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("Interrupted while pushing unsynced tokens to Redis at {}", describe(uri));
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Could not push all unsynced tokens to Redis at {} on close: {}", describe(uri), rootMessage(e));
        }
    }

    @Override
    public void close() {
        try {
            if (sync.isDelayed()) {
                pushAllUnsynced();
            }
            StatefulRedisConnection<String, byte[]> open = connection;
            if (open != null) {
                open.close();
            }
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
            resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
            threads.awaitEnded(2, TimeUnit.SECONDS);
        } finally {
            releaseNettyThreadLocals();
        }
    }
}
