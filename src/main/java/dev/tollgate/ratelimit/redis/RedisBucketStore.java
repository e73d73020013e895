package dev.tollgate.ratelimit.redis;

import dev.tollgate.ratelimit.spi.BucketPlan;
import dev.tollgate.ratelimit.spi.BucketStore;
import dev.tollgate.ratelimit.spi.SharedBucketStore;
import dev.tollgate.ratelimit.spi.StoreUnavailableException;
import dev.tollgate.ratelimit.spi.SyncMode;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
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
import io.lettuce.core.cluster.SlotHash;
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
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;
import java.util.stream.Collectors;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;

/**
 * Buckets in Redis, so several nodes enforce one limit: bucket4j's compare-and-swap proxy over
 * Lettuce (a {@code GET}, the bucket math in this JVM, then a Lua compare-and-swap: two round trips
 * when uncontended, more when two nodes race for one bucket), minus the {@code GET} of a bucket this
 * node wrote last ({@link LastWrittenStates}): one round trip while one node serves a client. The
 * timeouts, the circuit breaker, the sync modes and changed limits are {@link SharedBucketStore}'s.
 *
 * <ul>
 *   <li>Keys are {@code <prefix><plan>:<client key>} (the filter ends the prefix with its
 *       namespace); client keys are client ids, IPs or keyed hashes of header values
 *       ({@code header:#<hex>}; readable only for a header marked {@code ;plain}), never an API key.</li>
 *   <li>A key expires when its bucket would be full again (plus {@link #keyMargin()}: 10 s, and
 *       two intervals more in the batched mode), so idle clients leave nothing behind.</li>
 *   <li>Versions of limits come from Redis, not from the limits: the first time a node uses a
 *       plan it registers the plan's limits in {@code <prefix><plan>#limits}; limits that differ
 *       from the ones registered last get the next version. So the limits started last win, on
 *       every node at once, whether they are tighter or looser, and a rollback is a change like
 *       any other.</li>
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
final class RedisBucketStore extends SharedBucketStore {

    /** The bound on the proxies and written states kept, where no filter's {@code max-clients} gives one: the local store's default. */
    static final int DEFAULT_MAX_CLIENTS = 100_000;
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

    /** How long the state this node wrote to a bucket stands in for reading it back, but in the batched mode. */
    private static final Duration KEPT_STATE_FRESH = Duration.ofSeconds(1);
    /** How often a cluster's topology is read again even when nothing suggested a change. */
    private static final Duration CLUSTER_REFRESH_PERIOD = Duration.ofSeconds(30);
    private static final String URI_RULE = "must be a Redis URI like redis://host:6379/0, rediss://:password@host:6380 "
            + "or redis-sentinel://host:26379,host2:26379/0#mymaster";

    private final RedisThreads threads;
    /**
     * {@link #KEPT_STATE_FRESH}; in the batched mode as long as the bucket stays in Redis
     * ({@link #keyMargin()}), so that a bucket's push in a later burst is one compare-and-swap (held
     * back into the burst's script), not a read and one (a stale kept state only costs a failed
     * swap and a read, never exactness).
     */
    private final Duration keptStateFresh;
    private final ClientResources resources;
    /** A {@link RedisClient} (one Redis, or Sentinel) or a {@link RedisClusterClient}. */
    private final AbstractRedisClient client;
    /** The Redis or Sentinel to connect to; {@code null} for a cluster, whose client knows its seeds. */
    private final RedisURI uri;
    private final Object connectLock = new Object();
    private volatile StatefulConnection<String, byte[]> connection;
    /** The commands of {@link #connection} that run the limits registration script. */
    private volatile RedisScriptingAsyncCommands<String, byte[]> scripting;
    private volatile AsyncProxyManager<String> proxies;
    /** The states this node wrote last, under {@link #proxies}; {@code null} until connected. */
    private volatile LastWrittenStates<String> kept;
    /**
     * Proxies that read every bucket from Redis (no kept state, no optimization), for the look
     * before a request whose answer may count ({@code count-statuses}) in the exact mode: set
     * before {@link #proxies}.
     */
    private volatile AsyncProxyManager<String> freshReads;
    /** The filter's {@code max-clients}: the most buckets whose proxies and written states are kept. */
    private final int maxClients;

    private RedisBucketStore(RedisURI uri, List<RedisURI> clusterSeeds, SslOptions ssl, String prefix, Options options,
                             LongConsumer storeLatency, int maxClients, RedisThreads threads, ClientResources resources) {
        // The key prefix tells apart the stores of several rate-limit filters in the log.
        super("Redis " + (uri == null ? "Cluster at " + describe(clusterSeeds) : "at " + describe(uri)) + " (keys " + prefix + ")",
                prefix, options, storeLatency, resources.eventExecutorGroup(), maxClients);
        this.threads = threads;
        this.resources = resources;
        this.maxClients = maxClients;
        this.keptStateFresh = options.sync().isBatched() ? keyMargin() : KEPT_STATE_FRESH;
        this.uri = uri;
        Duration timeout = options.timeout();
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
                            .adaptiveRefreshTriggersTimeout(options.probeInterval())
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
        connectAtStartup();
    }

    /**
     * Lettuce's threads, named and ended with the store. Lettuce's reconnect delay grows to 30 s
     * while Redis is away, so after a long outage the connection would come back long after Redis
     * does; capped at half a probe interval, the connection is back by the next probe.
     */
    private static ClientResources resources(RedisThreads threads, Duration probeInterval) {
        Duration maxReconnectDelay = Duration.ofMillis(Math.max(10, probeInterval.toMillis() / 2));
        return DefaultClientResources.builder().threadFactoryProvider(threads)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(10), maxReconnectDelay, 2, TimeUnit.MILLISECONDS))
                .ioThreadPoolSize(2).computationThreadPoolSize(2).build();
    }

    /**
     * A store on the Redis at {@code redisUri} (as Lettuce reads it: {@code redis://[password@]host:port/db},
     * {@code rediss://} for TLS), its keys starting with {@code prefix}, each call bounded by
     * {@code timeout}, probing every {@code probeInterval} while Redis is away. Redis need not be up.
     */
    static RedisBucketStore create(String redisUri, String prefix, Duration timeout, Duration probeInterval) {
        return create(redisUri, false, null, prefix, new Options(timeout, probeInterval, SyncMode.exact()), nanos -> { },
                DEFAULT_MAX_CLIENTS);
    }

    /** The same, keeping buckets in step with Redis as {@code sync} says. */
    static RedisBucketStore create(String redisUri, String prefix, Duration timeout, Duration probeInterval, SyncMode sync) {
        return create(redisUri, false, null, prefix, new Options(timeout, probeInterval, sync), nanos -> { }, DEFAULT_MAX_CLIENTS);
    }

    /** {@link #create(String, boolean, List, String, Options, LongConsumer, int)} as the filter's plain store type. */
    static BucketStore open(String redisUri, boolean cluster, List<X509Certificate> trustedCas, String prefix, Options options,
                            LongConsumer storeLatency, int maxClients) {
        return create(redisUri, cluster, trustedCas, prefix, options, storeLatency, maxClients);
    }

    /**
     * A store as {@link #create(String, String, Duration, Duration)} makes it, on one Redis or the
     * master a Sentinel names ({@code redis-sentinel://host:26379,host2:26379/0#mymaster}), or with
     * {@code cluster} on the Redis Cluster of the seed nodes in {@code redisUri}
     * ({@code redis://h1:7000,h2:7001,h3:7002}); over TLS ({@code rediss}) trusting
     * {@code trustedCas}, or the JVM's trust store when it is {@code null}. {@code storeLatency}
     * hears the nanoseconds of each call to Redis; buckets are kept in step with Redis as the
     * options' sync mode says; at most {@code maxClients} buckets' proxies are kept.
     */
    static RedisBucketStore create(String redisUri, boolean cluster, List<X509Certificate> trustedCas, String prefix,
                                   Options options, LongConsumer storeLatency, int maxClients) {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(storeLatency, "storeLatency");
        SslOptions ssl = trustedCas == null ? SslOptions.create()
                : SslOptions.builder().jdkSslProvider().trustManager(trustManagers(trustedCas)).build();
        RedisURI single = null;
        List<RedisURI> seeds = null;
        if (cluster) {
            seeds = parseClusterUri(redisUri);
            seeds.forEach(seed -> seed.setTimeout(options.timeout()));
        } else {
            single = parseUri(redisUri);
            single.setTimeout(options.timeout());
        }
        RedisThreads threads = new RedisThreads();
        return new RedisBucketStore(single, seeds, ssl, prefix, options, storeLatency, maxClients, threads,
                resources(threads, options.probeInterval()));
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

    @Override
    protected AsyncProxyManager<String> proxies(long deadline) {
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
                        .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(keyMargin()))
                        .build()
                        .asAsync();
                // The states this node wrote last answer its next reads of those buckets (LastWrittenStates).
                LastWrittenStates<String> written = new LastWrittenStates<>(builder.getRedisApi(), maxClients, keptStateFresh,
                        this::onBurstThread, client instanceof RedisClusterClient ? SlotHash::getSlot : null);
                kept = written;
                proxies = new Bucket4jLettuce.LettuceBasedProxyManagerBuilder<>(written)
                        .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(keyMargin()))
                        .build()
                        .asAsync();
                return proxies;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closeWhenOpened(opening);
                throw new StoreUnavailableException("interrupted while connecting", e);
            } catch (ExecutionException | TimeoutException e) {
                closeWhenOpened(opening);
                throw new StoreUnavailableException("cannot connect: " + failureMessage(e), e);
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
    protected AsyncProxyManager<String> freshReads(long deadline) {
        proxies(deadline);
        return freshReads;
    }

    /**
     * Netty keeps per-thread state (its {@code InternalThreadLocalMap}, in a plain ThreadLocal) on
     * any thread that writes to a channel. On a container's request or deploy thread that state is
     * of this web application's classes and would keep its class loader alive after a redeploy, so
     * it is dropped after each call (a few tens of nanoseconds when there is nothing to drop).
     */
    @Override
    protected void afterCall() {
        if (!(Thread.currentThread() instanceof FastThreadLocalThread)) {
            FastThreadLocal.removeAll();
        }
    }

    /** Registers the limits of {@code plan} in Redis and returns their version (see the class doc). */
    @Override
    protected long registerLimits(BucketPlan plan, long deadline) throws InterruptedException, ExecutionException, TimeoutException {
        RedisFuture<Long> registered = scripting.eval(REGISTER_LIMITS, ScriptOutputType.INTEGER,
                new String[] {prefix() + plan.name() + "#limits"}, plan.limits().getBytes(StandardCharsets.UTF_8));
        long counter;
        try {
            counter = registered.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            registered.cancel(true);
            throw e;
        }
        return FIRST_VERSION + counter;
    }

    /** The batched sync's held-back swaps, as one script per slot ({@link LastWrittenStates#flush()}). */
    @Override
    protected void flushBurst() {
        LastWrittenStates<String> written = kept;
        if (written != null) {
            written.flush();
        }
    }

    /** Calls this store sent to Redis through its bucket proxies so far (reads, swaps, creates, one per script of a burst). */
    long calls() {
        LastWrittenStates<String> written = kept;
        return written == null ? 0 : written.calls();
    }

    @Override
    protected String kind() {
        return "redis";
    }

    /** The innermost cause, and whether TLS failed on the way (its root cause alone seldom says so). */
    @Override
    protected String failureMessage(Throwable e) {
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
    protected boolean isConnected() {
        return connection != null;
    }

    @Override
    protected void closeConnections() {
        StatefulConnection<String, byte[]> open = connection;
        if (open != null) {
            open.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
        threads.awaitEnded(2, TimeUnit.SECONDS);
    }
}
