package dev.tollgate.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.VerboseResult;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.distributed.proxy.optimization.Optimization;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import io.github.bucket4j.redis.lettuce.Bucket4jLettuce;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.RedisClusterURIUtil;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.netty.util.concurrent.FastThreadLocal;
import io.netty.util.concurrent.FastThreadLocalThread;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.LongConsumer;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Buckets in Redis, so several nodes enforce one limit: bucket4j's compare-and-swap proxy over
 * Lettuce (a {@code GET}, the bucket math in this JVM, then a Lua compare-and-swap: two round trips
 * when uncontended, more when two nodes race for one bucket), minus the {@code GET} of a bucket this
 * node wrote last ({@link LastWrittenStates}): one round trip while one node serves a client.
 *
 * <ul>
 *   <li>Keys are {@code <prefix><plan>:<client key>} (the filter ends the prefix with its
 *       namespace); client keys are client ids, IPs or keyed hashes of header values
 *       ({@code header:#<hex>}; readable only for a header marked {@code ;plain}), never an API key.</li>
 *   <li>A key expires when its bucket would be full again (plus 10 s), so idle clients leave
 *       nothing behind.</li>
 *   <li>Each bucket carries the version of its plan's limits, and bucket4j moves a bucket to a
 *       higher version at its next request. Each limit (matched by its period) then keeps what was
 *       used in its window: what is left is the new capacity less the tokens used, never below 0,
 *       whether the limit grew or shrank ({@link LimitChanges}; bucket4j's {@code ADDITIVE} alone
 *       forgives what was used when a limit shrinks). The move happens in the compare-and-swap of
 *       the request that finds the lower version, once per bucket and version. Versions
 *       come from Redis, not from the limits: the first time a node uses a plan it registers the
 *       plan's limits in {@code <prefix><plan>#limits}; limits that differ from the ones
 *       registered last get the next version. So the limits started last win, on every node at
 *       once, whether they are tighter or looser, and a rollback is a change like any other.</li>
 *   <li>Concurrent requests for one bucket on this node are batched into one compare-and-swap
 *       (bucket4j's batching optimization on a proxy kept per key), instead of racing each other.</li>
 *   <li>With {@link RedisSync#delayed} the proxy instead keeps a copy of its bucket and decides
 *       from it, syncing with Redis once it took {@code tokens} tokens or half the {@code interval}
 *       passed ({@link SyncAhead}): a sync pushes what the node took since the last one and reads
 *       the shared state back, in the background. A node never holds more than {@code tokens}
 *       unsynced tokens per bucket, so {@code k} nodes admit at most the limit plus
 *       {@code k * tokens}. Unsynced tokens are pushed before a proxy is dropped from the cache and
 *       when the store closes.</li>
 *   <li>For a limiter that counts only some answers, the look before a request reads the bucket
 *       ({@code GET}) from Redis every time in the exact mode, never from the state this node
 *       kept, so that it sees what other nodes counted; the count after the answer is a
 *       compare-and-swap like a consumption's. With {@link RedisSync#delayed} both are decided
 *       from the node's copy.</li>
 *   <li>One call waits at most {@code timeout} in all, whatever Redis does; a failure or timeout
 *       opens a circuit so later requests do not wait at all, and one probe a second checks
 *       whether Redis is back. Any failure, an {@link Error} too, opens the circuit; failures
 *       surface as {@link BucketStoreUnavailableException} (a {@link VirtualMachineError} is
 *       rethrown as it is).</li>
 *   <li>{@link #close()} closes the connection and stops Lettuce's threads, so a redeployed WAR
 *       leaves nothing running.</li>
 *   <li>One Redis ({@code redis://}, {@code rediss://} for TLS), a master found through Sentinel
 *       ({@code redis-sentinel://}), or a Redis Cluster from its seed nodes
 *       ({@code redis://h1:7000,h2:7001} with {@code cluster}). In a cluster each key goes to its
 *       slot's master; every command here names one key (a bucket, or a plan's {@code #limits}
 *       hash), so no command spans slots. The cluster's topology is refreshed when Lettuce sees
 *       it change (redirects, reconnects) and every 30 s, so a failover is picked up; until then
 *       the keys of the failed master's slots get the outage behaviour.</li>
 *   <li>TLS verifies the server's certificate and host name, against the JVM's trust store or
 *       the CA certificates given.</li>
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

    /** How long the state this node wrote to a bucket stands in for reading it back. */
    private static final Duration KEPT_STATE_FRESH = Duration.ofSeconds(1);
    /** How often a cluster's topology is read again even when nothing suggested a change. */
    private static final Duration CLUSTER_REFRESH_PERIOD = Duration.ofSeconds(30);
    private static final String URI_RULE = "must be a Redis URI like redis://host:6379/0, rediss://:password@host:6380 "
            + "or redis-sentinel://host:26379,host2:26379/0#mymaster";

    /** The two calls a request makes; constants, so a call allocates no lambda. */
    private static final Function<AsyncBucketProxy, CompletableFuture<ConsumptionProbe>> TAKE_ONE =
            bucket -> bucket.tryConsumeAndReturnRemaining(1);
    private static final Function<AsyncBucketProxy, CompletableFuture<VerboseResult<ConsumptionProbe>>> TAKE_ONE_VERBOSE =
            bucket -> bucket.asVerbose().tryConsumeAndReturnRemaining(1);

    private final String prefix;
    private final long timeoutNanos;
    private final RedisThreads threads = new RedisThreads();
    private final ClientResources resources;
    /** A {@link RedisClient} (one Redis, or Sentinel) or a {@link RedisClusterClient}. */
    private final AbstractRedisClient client;
    /** The Redis or Sentinel to connect to; {@code null} for a cluster, whose client knows its seeds. */
    private final RedisURI uri;
    private final CircuitBreaker breaker;
    private final LongConsumer storeLatency;
    private final RedisSync sync;
    /** The configuration version of each plan, registered in Redis on the plan's first use. */
    private final Map<Plan, Long> versions = new ConcurrentHashMap<>();
    /** What the keys of each plan's buckets start with, and the keys of recent clients (no string per request). */
    private final Map<Plan, String> planPrefixes = new ConcurrentHashMap<>();
    private final JoinedKeys joined = new JoinedKeys();
    private final Object connectLock = new Object();
    private volatile StatefulConnection<String, byte[]> connection;
    /** The commands of {@link #connection} that run the limits registration script. */
    private volatile RedisScriptingAsyncCommands<String, byte[]> scripting;
    private volatile AsyncProxyManager<String> proxies;
    /** The optimization of fresh reads: none, but changed limits count what was used (LimitChanges). */
    private static final Optimization FRESH_READS = LimitChanges.countingUsed(Optimization.NONE_OPTIMIZED);
    /**
     * Proxies that read every bucket from Redis (no kept state, no optimization), for the look
     * before a request whose answer may count ({@code count-statuses}) in the exact mode: set
     * before {@link #proxies}.
     */
    private volatile AsyncProxyManager<String> freshReads;
    /**
     * Proxies are reused per key so that bucket4j's batching can merge concurrent requests for one
     * bucket into one compare-and-swap instead of racing (and retrying) against each other.
     */
    private final Cache<String, AsyncBucketProxy> bucketProxies;
    /**
     * Batching ({@code exact}), or {@link SyncAhead} ({@code delayed}): a local copy of the bucket
     * between syncs; under {@link LimitChanges}, which makes bucket4j's configuration replacements.
     */
    private final Optimization optimization;

    private RedisBucketStore(RedisURI uri, List<RedisURI> clusterSeeds, SslOptions ssl, String prefix, Duration timeout,
                             Duration probeInterval, LongConsumer storeLatency, RedisSync sync) {
        this.prefix = prefix;
        this.storeLatency = storeLatency;
        this.sync = sync;
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
        String name = "Redis " + (uri == null ? "Cluster at " + describe(clusterSeeds) : "at " + describe(uri)) + " (keys " + prefix + ")";
        this.breaker = new CircuitBreaker(name, probeInterval.toNanos(), System::nanoTime);
        // Lettuce's reconnect delay grows to 30 s while Redis is away, so after a long outage the
        // connection would come back long after Redis does; capped at half a probe interval, the
        // connection is back by the next probe.
        Duration maxReconnectDelay = Duration.ofMillis(Math.max(10, probeInterval.toMillis() / 2));
        this.resources = DefaultClientResources.builder().threadFactoryProvider(threads)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), maxReconnectDelay, 2, TimeUnit.MILLISECONDS))
                .ioThreadPoolSize(2).computationThreadPoolSize(2).build();
        // The delayed mode sends its syncs ahead of need from Lettuce's own threads, not from request threads.
        // On top of either, so both see its replacement command: changed limits count what was used (LimitChanges).
        this.optimization = LimitChanges.countingUsed(sync.isDelayed()
                ? new SyncAhead(sync.tokens(), sync.interval(), resources.eventExecutorGroup())
                : Optimizations.batching());
        SocketOptions socket = SocketOptions.builder().connectTimeout(timeout).build();
        if (uri == null) {
            RedisClusterClient cluster = RedisClusterClient.create(resources, clusterSeeds);
            // A failover shows as reconnects to the failed master and then as redirects: either
            // triggers a refresh, at most once a probe interval, so the new master is found soon.
            cluster.setOptions(ClusterClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .socketOptions(socket)
                    .timeoutOptions(TimeoutOptions.enabled(timeout))
                    .sslOptions(ssl)
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enableAllAdaptiveRefreshTriggers()
                            .adaptiveRefreshTriggersTimeout(probeInterval)
                            .enablePeriodicRefresh(CLUSTER_REFRESH_PERIOD)
                            .build())
                    .build());
            this.client = cluster;
        } else {
            RedisClient single = RedisClient.create(resources, uri);
            single.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .socketOptions(socket)
                    .timeoutOptions(TimeoutOptions.enabled(timeout))
                    .sslOptions(ssl)
                    .build());
            this.client = single;
        }
        try {
            connect(System.nanoTime() + Math.max(timeoutNanos, TimeUnit.SECONDS.toNanos(2)));
        } catch (BucketStoreUnavailableException e) {
            LOG.warn("{} unavailable at startup ({}); using the outage behaviour until it answers", name, e.getMessage());
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
        return create(redisUri, false, null, prefix, timeout, probeInterval, nanos -> { }, RedisSync.exact());
    }

    /** Like {@link #create(String, String, Duration, Duration)}; {@code storeLatency} hears the nanoseconds of each call to Redis. */
    public static RedisBucketStore create(String redisUri, String prefix, Duration timeout, Duration probeInterval,
            LongConsumer storeLatency) {
        return create(redisUri, false, null, prefix, timeout, probeInterval, storeLatency, RedisSync.exact());
    }

    /** The same, keeping buckets in step with Redis as {@code sync} says. */
    static RedisBucketStore create(String redisUri, String prefix, Duration timeout, Duration probeInterval, RedisSync sync) {
        return create(redisUri, false, null, prefix, timeout, probeInterval, nanos -> { }, sync);
    }

    /**
     * A store as {@link #create(String, String, Duration, Duration)} makes it, on one Redis or the
     * master a Sentinel names ({@code redis-sentinel://host:26379,host2:26379/0#mymaster}), or with
     * {@code cluster} on the Redis Cluster of the seed nodes in {@code redisUri}
     * ({@code redis://h1:7000,h2:7001,h3:7002}); over TLS ({@code rediss}) trusting
     * {@code trustedCas}, or the JVM's trust store when it is {@code null}. {@code storeLatency}
     * hears the nanoseconds of each call to Redis; buckets are kept in step with Redis as
     * {@code sync} says.
     */
    public static RedisBucketStore create(String redisUri, boolean cluster, List<X509Certificate> trustedCas, String prefix,
                                          Duration timeout, Duration probeInterval, LongConsumer storeLatency, RedisSync sync) {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(storeLatency, "storeLatency");
        Objects.requireNonNull(sync, "sync");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive");
        }
        SslOptions ssl = trustedCas == null ? SslOptions.create()
                : SslOptions.builder().jdkSslProvider().trustManager(trustManagers(trustedCas)).build();
        if (cluster) {
            List<RedisURI> seeds = parseClusterUri(redisUri);
            seeds.forEach(seed -> seed.setTimeout(timeout));
            return new RedisBucketStore(null, seeds, ssl, prefix, timeout, probeInterval, storeLatency, sync);
        }
        RedisURI uri = parseUri(redisUri);
        uri.setTimeout(timeout);
        return new RedisBucketStore(uri, null, ssl, prefix, timeout, probeInterval, storeLatency, sync);
    }

    /** Parses the URI of one Redis or a Sentinel; the message never repeats a password. */
    static RedisURI parseUri(String text) {
        String scheme = scheme(text);
        if ((scheme.equals("redis") || scheme.equals("rediss")) && authority(text).contains(",")) {
            throw new IllegalArgumentException("several hosts need redis-mode=cluster (or redis-sentinel:// for Sentinel)");
        }
        RedisURI uri;
        try {
            uri = RedisURI.create(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(URI_RULE, null);
        }
        boolean sentinel = scheme.endsWith("-sentinel");
        if (sentinel ? uri.getSentinels().isEmpty() || uri.getSentinelMasterId() == null || uri.getSentinelMasterId().isEmpty()
                : uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new IllegalArgumentException(URI_RULE);
        }
        return uri;
    }

    /** Parses the seed nodes of a cluster, {@code redis://h1:7000,h2:7001}, as Lettuce's cluster client reads them. */
    static List<RedisURI> parseClusterUri(String text) {
        String scheme = scheme(text);
        String rule = "redis-mode=cluster takes redis:// or rediss:// seed nodes, like redis://h1:7000,h2:7001,h3:7002";
        if (!scheme.equals("redis") && !scheme.equals("rediss")) {
            throw new IllegalArgumentException(rule);
        }
        try {
            List<RedisURI> seeds = RedisClusterURIUtil.toRedisURIs(URI.create(text));
            if (seeds.isEmpty() || seeds.stream().anyMatch(seed -> seed.getHost() == null || seed.getHost().isEmpty())) {
                throw new IllegalArgumentException(rule);
            }
            return seeds;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(rule, null);
        }
    }

    private static String scheme(String text) {
        int end = text.indexOf("://");
        return end < 0 ? "" : text.substring(0, end).toLowerCase(Locale.ROOT);
    }

    private static String authority(String text) {
        String rest = text.substring(text.indexOf("://") + 3);
        int end = rest.indexOf('/');
        return end < 0 ? rest : rest.substring(0, end);
    }

    /** Trust managers that trust exactly {@code cas}, with the JVM's default algorithm. */
    private static TrustManagerFactory trustManagers(List<X509Certificate> cas) {
        try {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                store.setCertificateEntry("ca-" + i, cas.get(i));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return factory;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up trust in the given CA certificates: " + e, e);
        }
    }

    private static String describe(RedisURI uri) {
        if (uri.getHost() == null) {
            return uri.getSentinels().stream().map(s -> s.getHost() + ":" + s.getPort()).collect(Collectors.joining(","))
                    + " (Sentinel, master " + uri.getSentinelMasterId() + ")";
        }
        return uri.getHost() + ":" + uri.getPort();
    }

    private static String describe(List<RedisURI> seeds) {
        return seeds.stream().map(RedisBucketStore::describe).collect(Collectors.joining(","));
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
            CompletableFuture<? extends StatefulConnection<String, byte[]>> opening = null;
            try {
                long wait = Math.max(1, deadline - System.nanoTime());
                Bucket4jLettuce.LettuceBasedProxyManagerBuilder<String> builder;
                if (client instanceof RedisClusterClient cluster) {
                    // The cluster client reads the topology from the seed nodes before it can connect.
                    CompletableFuture<StatefulRedisClusterConnection<String, byte[]>> clusterOpening = cluster.refreshPartitionsAsync()
                            .toCompletableFuture().thenCompose(topology -> cluster.connectAsync(CODEC));
                    opening = clusterOpening;
                    StatefulRedisClusterConnection<String, byte[]> opened = clusterOpening.get(wait, TimeUnit.NANOSECONDS);
                    connection = opened;
                    scripting = opened.async();
                    builder = Bucket4jLettuce.casBasedBuilder(opened);
                } else {
                    CompletableFuture<StatefulRedisConnection<String, byte[]>> singleOpening =
                            ((RedisClient) client).connectAsync(CODEC, uri).toCompletableFuture();
                    opening = singleOpening;
                    StatefulRedisConnection<String, byte[]> opened = singleOpening.get(wait, TimeUnit.NANOSECONDS);
                    connection = opened;
                    scripting = opened.async();
                    builder = Bucket4jLettuce.casBasedBuilder(opened);
                }
                freshReads = new Bucket4jLettuce.LettuceBasedProxyManagerBuilder<>(builder.getRedisApi())
                        .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                        .build()
                        .asAsync();
                // The states this node wrote last answer its next reads of those buckets (LastWrittenStates).
                proxies = new Bucket4jLettuce.LettuceBasedProxyManagerBuilder<>(
                                new LastWrittenStates<>(builder.getRedisApi(), LocalBucketStore.DEFAULT_MAX_CLIENTS, KEPT_STATE_FRESH))
                        .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(Duration.ofSeconds(10)))
                        .build()
                        .asAsync();
                return proxies;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closeWhenOpened(opening);
                throw new BucketStoreUnavailableException("interrupted while connecting", e);
            } catch (ExecutionException | TimeoutException e) {
                closeWhenOpened(opening);
                throw new BucketStoreUnavailableException("cannot connect: " + rootMessage(e), e);
            }
        }
    }

    /**
     * A connection that opens after its caller stopped waiting for it is closed as soon as it
     * opens: nothing uses it (the next attempt opens its own), and Lettuce would keep it, and
     * reconnect it, until the store closes.
     */
    private static void closeWhenOpened(CompletableFuture<? extends StatefulConnection<String, byte[]>> opening) {
        if (opening != null) {
            opening.thenAccept(StatefulConnection::closeAsync);
        }
    }

    @Override
    public ConsumptionProbe tryConsume(String key, Plan plan) {
        try {
            return consume(key, plan, TAKE_ONE);
        } finally {
            releaseNettyThreadLocals();
        }
    }

    @Override
    public VerboseResult<ConsumptionProbe> tryConsumeVerbose(String key, Plan plan) {
        try {
            return consume(key, plan, TAKE_ONE_VERBOSE);
        } finally {
            releaseNettyThreadLocals();
        }
    }

    // ---- Costs and counted statuses ----

    @Override
    public ConsumptionProbe tryConsume(String key, Plan plan, long tokens) {
        try {
            return consume(key, plan, bucket -> bucket.tryConsumeAndReturnRemaining(tokens));
        } finally {
            releaseNettyThreadLocals();
        }
    }

    @Override
    public VerboseResult<ConsumptionProbe> tryConsumeVerbose(String key, Plan plan, long tokens) {
        try {
            return consume(key, plan, bucket -> bucket.asVerbose().tryConsumeAndReturnRemaining(tokens));
        } finally {
            releaseNettyThreadLocals();
        }
    }

    /**
     * A read: the {@code GET} of the bucket, always from Redis in the exact mode (a state this
     * node kept could miss what another node took since), so one round trip; nothing is written
     * but a bucket that did not exist or whose limits changed. With the delayed sync, decided from
     * the node's copy, like a consumption.
     */
    @Override
    public VerboseResult<EstimationProbe> estimate(String key, Plan plan, long tokens) {
        try {
            return consume(key, plan, bucket -> bucket.asVerbose().estimateAbilityToConsume(tokens), !sync.isDelayed());
        } finally {
            releaseNettyThreadLocals();
        }
    }

    /** A compare-and-swap like a consumption's: one round trip, or two without a fresh kept state. */
    @Override
    public void consumeIgnoringLimits(String key, Plan plan, long tokens) {
        try {
            consume(key, plan, bucket -> bucket.consumeIgnoringRateLimits(tokens));
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

    private <T> T consume(String key, Plan plan, Function<AsyncBucketProxy, CompletableFuture<T>> call) {
        return consume(key, plan, call, false);
    }

    /** {@code call} on the bucket of {@code key}; {@code fresh}: on a proxy that reads the bucket from Redis. */
    private <T> T consume(String key, Plan plan, Function<AsyncBucketProxy, CompletableFuture<T>> call, boolean fresh) {
        long started = breaker.now();
        if (!breaker.allowRequest()) {
            throw new BucketStoreUnavailableException("circuit open", null);
        }
        long deadline = System.nanoTime() + timeoutNanos;
        CompletableFuture<T> future = null;
        try {
            AsyncProxyManager<String> manager = connect(deadline);
            Long known = versions.get(plan);
            long version = known != null ? known : register(plan, deadline);
            String redisKey = joined.join(planPrefix(plan), key);
            // A known bucket needs no mapping function (a capturing lambda is an object per call).
            // A fresh read may be the first call under changed limits: it replaces them as every call does.
            AsyncBucketProxy bucket = fresh ? freshReads.builder()
                    .withImplicitConfigurationReplacement(version, TokensInheritanceStrategy.ADDITIVE)
                    .withOptimization(FRESH_READS)
                    .build(redisKey, plan.limits().asyncConfiguration()) : bucketProxies.getIfPresent(redisKey);
            if (bucket == null) {
                bucket = bucketProxies.get(redisKey, k -> manager.builder()
                        .withImplicitConfigurationReplacement(version, TokensInheritanceStrategy.ADDITIVE)
                        .withOptimization(optimization)
                        .build(k, plan.limits().asyncConfiguration()));
            }
            future = call.apply(bucket);
            T probe = future.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
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
        } finally {
            // Only calls that went to Redis: a request the open circuit turned away never got here.
            storeLatency.accept(breaker.now() - started);
        }
    }

    /** {@code <key-prefix><plan>:}, what the Redis keys of the plan's buckets start with; made once per plan. */
    private String planPrefix(Plan plan) {
        String planPrefix = planPrefixes.get(plan);
        if (planPrefix == null) {
            planPrefix = prefix + plan.name() + ":";
            planPrefixes.put(plan, planPrefix);
        }
        return planPrefix;
    }

    /** Registers the limits of {@code plan} in Redis and keeps their version (see the class doc). */
    private long register(Plan plan, long deadline) throws InterruptedException, ExecutionException, TimeoutException {
        RedisFuture<Long> registered = scripting.eval(REGISTER_LIMITS, ScriptOutputType.INTEGER,
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

    /** The innermost cause, and whether TLS failed on the way (its root cause alone seldom says so). */
    private static String rootMessage(Throwable e) {
        Throwable root = e;
        String tls = "";
        while (true) {
            if (tls.isEmpty() && root instanceof SSLException) {
                tls = root instanceof SSLHandshakeException ? "TLS handshake failed: " : "TLS failed: ";
            }
            if (root.getCause() == null || root.getCause() == root) {
                break;
            }
            root = root.getCause();
        }
        return tls + root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    @Override
    public boolean isShared() {
        return true;
    }

    /** Whether requests currently skip Redis. */
    @Override
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
            StatefulConnection<String, byte[]> open = connection;
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
