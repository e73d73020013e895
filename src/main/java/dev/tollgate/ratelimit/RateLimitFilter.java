package dev.tollgate.ratelimit;

import dev.tollgate.ClientIdentity;
import dev.tollgate.error.ApiError;
import dev.tollgate.error.ApiException;
import dev.tollgate.error.ErrorRenderer;
import dev.tollgate.internal.ClientIpResolver;
import dev.tollgate.internal.InitParams;
import dev.tollgate.internal.OncePerPeriod;
import dev.tollgate.internal.PathPatterns;
import dev.tollgate.internal.PlanRegistry;
import dev.tollgate.ratelimit.spi.BucketStore;
import dev.tollgate.ratelimit.spi.StoreProvider;
import dev.tollgate.ratelimit.spi.StoreSettings;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Limits how often each client may call, with bucket4j token buckets: several limits at once
 * ({@code 100/1m, 5000/1d}) and per-client plans. A thin adapter: who is counted
 * ({@code ClientKeys}), the decision (the limiter over a local, Redis or database store), the headers.
 *
 * <p>Over the limit: 429 {@code rate_limited} "Rate limit exceeded" through the application's error
 * format, with {@code Retry-After} (seconds, rounded up), {@code X-Throttle-Limit} (the capacity of
 * the plan's first limit), {@code X-Throttle-Remaining: 0} and {@code X-Throttle-Reset} (Unix
 * seconds when a token is next available). Allowed requests carry the same {@code X-Throttle-*}
 * headers, {@code X-Throttle-Reset} then being when the bucket is full again. Optionally the IETF
 * {@code RateLimit-Policy} / {@code RateLimit} headers; {@code RateLimit} names the policy item of
 * the limit that decided (the fewest tokens left; on a 429, the one that rejected).
 *
 * <p>Who is counted ({@code key-by}):
 * <ul>
 *   <li>{@code auto} (default): the client of the request's {@link ClientIdentity} (set by the
 *       {@code ApiKeyFilter} or the application's own authentication), else the client IP;</li>
 *   <li>{@code client}: the same: the identity's client; requests without one are counted per IP;</li>
 *   <li>{@code ip}: the client IP; {@code X-Forwarded-For} only counts when the request comes from
 *       one of {@code trusted-proxies} (walked from the right, skipping the trusted proxies);</li>
 *   <li>{@code header:<Name>}: the value of that header (an API key of a gateway, a tenant id);
 *       requests without it are counted per IP, never in one bucket shared by all. The value may
 *       be a credential, so the bucket is named by its hash, {@code header:#} and 32 hex
 *       characters (the first 16 bytes of its HMAC-SHA-256 keyed by the {@code namespace}), in
 *       Redis, in the report-only log and everywhere else; {@code client-plans} entries still
 *       match the raw values. Any client can set a header, and so drain another tenant's bucket
 *       or claim its plan: set {@code trusted-proxies} to the proxies that set it, and the header
 *       is believed only on requests from them (others are counted per IP, on the default
 *       plan).</li>
 *   <li>{@code header:<Name>;plain}: the same for a header that is no secret (a tenant id): values
 *       of at most 64 ASCII letters, digits and {@code ._:@-} name their bucket as they are
 *       ({@code header:tenant-7}), anything else by its hash.</li>
 * </ul>
 * The plan: the identity's plan (a plan not defined here is logged once and the default plan
 * used), else the client's entry in {@code client-plans}, else the default plan made of
 * {@code limits}. With {@code plans}, startup fails when an API key of the application names a
 * plan not defined here, whichever filter starts first; without {@code plans}, {@code limits}
 * apply to every client.
 *
 * <p>Init-params:
 * <ul>
 *   <li>{@code limits} (required): the default plan, {@code <capacity>/<period>} separated by
 *       commas, such as {@code 100/1m, 5000/1d}.</li>
 *   <li>{@code plans} (default none): named plans, {@code gold: 1000/1m; free: 60/1m}.</li>
 *   <li>{@code client-plans} (default none): {@code client=plan} pairs.</li>
 *   <li>{@code key-by} (default {@code auto}): see above.</li>
 *   <li>{@code trusted-proxies} (default none): IPs or CIDRs of the proxies.</li>
 *   <li>{@code max-clients} (default {@code 100000}): most clients whose buckets are kept locally
 *       (by the local store, or the local fallback of {@code on-store-failure=local}). Only a
 *       bucket that is full again is dropped to make room for a new client, so no flood of new
 *       clients resets another client's count. When every bucket is in use, new clients share one
 *       overflow bucket per plan, with the plan's limits: a flood can drain it and so keep real new
 *       clients out until buckets fill up again (known clients keep their own); logged at WARN at
 *       most every 10 minutes and counted ({@code OverflowRequests}).</li>
 *   <li>{@code throttle-headers} (default {@code true}), {@code ietf-headers} (default
 *       {@code false}): the headers of allowed requests.</li>
 *   <li>{@code skip-paths} (default none): url-patterns never limited; an extension pattern such
 *       as {@code *.css} only for requests mapped by extension, or served through {@code /} by
 *       the container's own default servlet (Tomcat's or Jetty's {@code DefaultServlet}), never
 *       by a front controller of the application's mapped to {@code /}.</li>
 *   <li>{@code skip-methods} (default none): methods never limited, such as {@code OPTIONS}. By
 *       default every method counts: a CORS preflight costs the server like any request.</li>
 *   <li>{@code enforce} (default {@code true}): {@code false} is report-only: every request is
 *       counted and passes; one over the limit carries the 429's headers but {@code Retry-After}
 *       and the attribute {@value #WOULD_REJECT_ATTRIBUTE}, and each client is logged at WARN at
 *       most once per period of the limit that decided.</li>
 *   <li>{@code namespace} (default: the filter name): what keeps this filter's buckets apart, and
 *       the key of the hash of {@code key-by} header values.</li>
 *   <li>{@code store} (default {@code local}) or {@code redis}, with {@code redis-uri} (required
 *       then), {@code redis-key-prefix} (default {@code tollgate:}), {@code redis-timeout}
 *       (milliseconds, default 100), {@code redis-probe-interval} (milliseconds, default 1000),
 *       {@code redis-mode} (default {@code standalone}, for one Redis or Sentinel; or
 *       {@code cluster}, with the seed nodes in {@code redis-uri}), {@code redis-ca-file} (default:
 *       the JVM's trust store; a PEM file of the CAs to trust with {@code rediss://}),
 *       {@code on-store-failure} (default {@code local}; or {@code allow}, {@code reject});
 *       {@code redis-sync} (default {@code exact}: every request is decided in Redis; or
 *       {@code delayed}: each node counts from its own copy of a bucket and syncs it with Redis
 *       every {@code redis-sync-tokens} tokens (default 10) or {@code redis-sync-interval}
 *       milliseconds (default 1000), so {@code k} nodes admit at most the limit plus
 *       {@code k * redis-sync-tokens} per client). Or {@code jdbc}: the application's database,
 *       with {@code jdbc-datasource} (a JNDI name) or {@code jdbc-url}, and the same timeout, probe
 *       and sync params under {@code jdbc-} (docs/shared-limits.md). Or the class name of a
 *       {@link StoreProvider} of the application's.</li>
 *   <li>{@code count-statuses} (default none: every request counts): count only the answers with
 *       these statuses, codes 100-599 and classes {@code 1xx}-{@code 5xx} ({@code 401, 403},
 *       {@code 4xx}); see below.</li>
 *   <li>{@code costs} (default none: every request costs 1): the tokens a request takes by its
 *       path, {@code <url-pattern>=<cost>} entries such as {@code /api/export=10, /api/reports/*=5}.
 *       The most specific pattern decides, as the servlet spec picks a servlet (an exact path,
 *       else the longest prefix, else the longest extension; an extension whatever serves the
 *       path). A cost more than some limit of some plan holds could never pass and stops startup.</li>
 * </ul>
 * In code: {@code RateLimitFilter.builder("100/1m, 5000/1d").plans("gold: 1000/1m").keyBy("client").build()},
 * added with {@code ServletContext.addFilter}; each builder method takes one init-param's value,
 * checked by its rule, and a built filter ignores init-params.
 *
 * <p>Map it after the error and API-key filters (or the application's own authentication):
 * <pre>{@code
 * <filter>
 *   <filter-name>rate-limit</filter-name>
 *   <filter-class>dev.tollgate.ratelimit.RateLimitFilter</filter-class>
 *   <init-param><param-name>limits</param-name><param-value>100/1m, 5000/1d</param-value></init-param>
 *   <init-param><param-name>plans</param-name><param-value>gold: 1000/1m</param-value></init-param>
 * </filter>
 * <filter-mapping><filter-name>rate-limit</filter-name><url-pattern>/api/*</url-pattern></filter-mapping>
 * }</pre>
 *
 * <p>Mapped for {@code ASYNC} or {@code ERROR} dispatches too, the filter counts a request once, on
 * its {@code REQUEST} dispatch: a later dispatch of a request it let through (its error page, an
 * {@code AsyncContext.dispatch()}) passes uncounted, so an error is never answered 429. A request
 * it did not see on {@code REQUEST} (Tomcat answers an unmapped URL before any REQUEST filter) is
 * counted on its error dispatch.
 *
 * <p>Brute force ({@code count-statuses}): a login endpoint's limiter that counts only failures,
 * such as {@code count-statuses=401} with {@code limits=5/15m}. Before the application runs, the
 * filter looks at the client's bucket without taking from it: empty, it answers the 429 (same
 * headers) and the application never sees the attempt; otherwise the request goes on, and an
 * answer with a counted status takes one token (the path's cost) once the application answered:
 * the response's status (a {@code sendError} through the {@code ErrorRenderingFilter} included),
 * an {@link ApiException}'s status when one is thrown, 500 for any other exception; an async
 * request when it completes. Attempts that passed the look at once are all counted, the bucket
 * going below zero. The headers are set before the application answers (after it, the response
 * may be committed), so {@code X-Throttle-Remaining} says what is left if this answer counts.
 * Report-only lets an attempt that would have been rejected through uncounted, as an enforcing
 * filter would not have let it reach the application. With Redis ({@code exact}), the look is one
 * round trip and a counted answer one or two more.
 *
 * <p>Each filter instance counts in its own buckets, so a strict filter on {@code /login/*} beside
 * a general one on {@code /*} does not share their counts: locally each instance has its own
 * store, and in Redis the keys carry the {@code namespace}.
 *
 * <p>Metrics: the MBean {@code dev.tollgate:type=RateLimitFilter,context=<path>,name=<filter name>}
 * and, with micrometer-core present, the {@code tollgate.ratelimit.*} meters: outcomes, outage
 * decisions, Redis call times, circuit state, tracked clients and overflow requests (docs/metrics.md).
 */
public final class RateLimitFilter implements Filter {

    /**
     * Request attribute set with {@code enforce=false} on a request that was let through although
     * it would have been rejected: the error code of that rejection ({@code rate_limited}, or
     * {@code limiter_unavailable} while the store is away under {@code on-store-failure=reject}).
     */
    public static final String WOULD_REJECT_ATTRIBUTE = "dev.tollgate.rate_limit.would_reject";

    static final String NAME = "RateLimitFilter";
    static final String LIMITS = "limits";
    static final String PLANS = "plans";
    static final String CLIENT_PLANS = "client-plans";
    static final String KEY_BY = "key-by";
    static final String TRUSTED_PROXIES = "trusted-proxies";
    static final String MAX_CLIENTS = "max-clients";
    static final String THROTTLE_HEADERS = "throttle-headers";
    static final String IETF_HEADERS = "ietf-headers";
    static final String SKIP_PATHS = "skip-paths";
    static final String SKIP_METHODS = "skip-methods";
    static final String STORE = "store";
    static final String ON_STORE_FAILURE = "on-store-failure";
    static final String NAMESPACE_PARAM = "namespace";
    static final String ENFORCE = "enforce";
    // Counting only some answers (brute force), and requests that cost more than one token.
    static final String COUNT_STATUSES = "count-statuses";
    static final String COSTS = "costs";
    /** The filter's own params; each store adds its own ({@link StoreProvider#params()}). */
    static final Set<String> PARAMS = Set.of(ENFORCE, LIMITS, PLANS, CLIENT_PLANS, KEY_BY, TRUSTED_PROXIES, MAX_CLIENTS,
            THROTTLE_HEADERS, IETF_HEADERS, SKIP_PATHS, SKIP_METHODS, STORE, ON_STORE_FAILURE, NAMESPACE_PARAM,
            COUNT_STATUSES, COSTS);
    /**
     * The built-in shared stores by {@code store} value: their providers are loaded by name, so
     * this class never refers to a store's optional libraries. Their params are always accepted,
     * whichever store is chosen.
     */
    static final Map<String, String> BUILT_IN_STORES = Map.of("redis", "dev.tollgate.ratelimit.redis.RedisStoreProvider",
            "jdbc", "dev.tollgate.ratelimit.jdbc.JdbcStoreProvider");
    static final String LOCAL_STORE = "local";

    static final String DEFAULT_KEY_BY = "auto";
    static final boolean DEFAULT_ENFORCE = true;
    static final boolean DEFAULT_THROTTLE_HEADERS = true;
    static final boolean DEFAULT_IETF_HEADERS = false;
    static final Set<String> DEFAULT_SKIP_METHODS = Set.of();
    static final String DEFAULT_STORE = "local";
    static final String DEFAULT_ON_STORE_FAILURE = "local";

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitFilter.class);
    private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final String NAMESPACE_RULE = "must be 1-64 characters of [A-Za-z0-9_.-]";
    private static final Set<String> ON_STORE_FAILURE_CHOICES = Set.of("allow", "reject", "local");
    private static final AtomicLong INSTANCES = new AtomicLong();

    private RateLimiter limiter;
    private RateLimitStatus status;
    private Plans plans;
    private ClientKeys clients;
    private RateLimitHeaders headers;
    private PathPatterns skipPaths = PathPatterns.NONE;
    private Set<String> skipMethods = DEFAULT_SKIP_METHODS;
    private ErrorRenderer renderer;
    private final RateLimitMetrics metrics = new RateLimitMetrics();
    private boolean enforce = DEFAULT_ENFORCE;
    /** With {@code enforce=false}: which clients were logged in their limit's period. */
    private OncePerPeriod reported;
    /** Request attribute that only this instance sets: it let the request through on its REQUEST dispatch. */
    private final String passedAttribute = RateLimitFilter.class.getName() + ".passed." + INSTANCES.incrementAndGet();
    /** {@code count-statuses}: the answers that count; {@code null}: every request counts before it runs. */
    private CountedStatuses countStatuses;
    /** {@code costs}: the tokens a request takes, by path. */
    private PathCosts costs = PathCosts.NONE;

    /** The params of a filter built in code; {@code null} when configured by its init-params. */
    private final Map<String, String> configured;

    /** A filter configured by its init-params. */
    public RateLimitFilter() {
        this.configured = null;
    }

    private RateLimitFilter(Builder built) {
        this.configured = Map.copyOf(built.values);
    }

    /** A filter configured in code, with the default plan's {@code limits} ({@code 100/1m, 5000/1d}). */
    public static Builder builder(String limits) {
        return new Builder(limits);
    }

    @Override
    public void init(FilterConfig config) throws ServletException {
        // Built in code or not, the same params go through the same checks below.
        String storeName = storeName(configured == null ? config.getInitParameter(STORE) : configured.get(STORE));
        StoreProvider provider = provider(storeName);
        InitParams params = configured == null ? InitParams.of(config, NAME, knownParams(provider)) : InitParams.of(NAME, configured::get);
        enforce = params.bool(ENFORCE, DEFAULT_ENFORCE);
        String limitsText = params.valueOrNull(LIMITS);
        if (limitsText == null) {
            throw new ServletException(NAME + ": init-param [limits] is required, like 100/1m, 5000/1d");
        }
        Limits limits = params.parse(LIMITS, null, Limits::parse);
        Map<String, Limits> named = params.parse(PLANS, "", Plans::parsePlans);
        Map<String, String> clientPlans = params.parse(CLIENT_PLANS, "", Plans::parseClientPlans);
        List<Plan> planList = new ArrayList<>();
        named.forEach((name, l) -> planList.add(Plan.of(name, l)));
        try {
            plans = Plans.of(limits, planList, clientPlans);
        } catch (IllegalArgumentException e) {
            String param = clientPlans.isEmpty() ? PLANS : CLIENT_PLANS;
            throw params.invalid(param, String.valueOf(params.valueOrNull(param)), e.getMessage());
        }
        String owner = NAME + " [" + config.getFilterName() + "]";
        if (!named.isEmpty()) {
            // Every plan an API key names must be defined here, whichever filter starts first.
            try {
                PlanRegistry.forContext(config.getServletContext()).publishDefinitions(owner, plans.names());
            } catch (IllegalArgumentException e) {
                String message = owner + ": " + e.getMessage();
                LOG.error("{}", message);
                throw new ServletException(message);
            }
        }
        String namespace = params.valueOrNull(NAMESPACE_PARAM) == null ? namespaceOf(config.getFilterName()) : params.valueOrNull(NAMESPACE_PARAM);
        if (!NAMESPACE.matcher(namespace).matches()) {
            throw params.invalid(NAMESPACE_PARAM, namespace, NAMESPACE_RULE);
        }
        String keyBy = params.string(KEY_BY, DEFAULT_KEY_BY);
        ClientIpResolver ipResolver = params.parse(TRUSTED_PROXIES, "", ClientIpResolver::fromParam);
        try {
            clients = ClientKeys.of(keyBy, namespace, ipResolver, plans);
        } catch (IllegalArgumentException e) {
            throw params.invalid(KEY_BY, keyBy, e.getMessage());
        }
        int maxClients = params.integer(MAX_CLIENTS, LocalBucketStore.DEFAULT_MAX_CLIENTS, 1, 100_000_000);
        reported = enforce ? null : OncePerPeriod.create(maxClients);
        boolean ietfHeaders = params.bool(IETF_HEADERS, DEFAULT_IETF_HEADERS);
        headers = new RateLimitHeaders(params.bool(THROTTLE_HEADERS, DEFAULT_THROTTLE_HEADERS), ietfHeaders);
        skipPaths = params.parse(SKIP_PATHS, "", PathPatterns::parse).bindTo(config.getServletContext());
        List<String> methods = params.list(SKIP_METHODS);
        skipMethods = params.valueOrNull(SKIP_METHODS) == null ? DEFAULT_SKIP_METHODS
                : Set.copyOf(methods.stream().map(m -> m.toUpperCase(Locale.ROOT)).toList());
        // ---- count-statuses and costs ----
        if (params.valueOrNull(COUNT_STATUSES) != null) {
            countStatuses = params.parse(COUNT_STATUSES, null, CountedStatuses::parse);
        }
        costs = params.parse(COSTS, "", PathCosts::parse);
        try {
            costs.requireWithin(plans);
        } catch (IllegalArgumentException e) {
            throw params.invalid(COSTS, params.valueOrNull(COSTS), e.getMessage());
        }
        // ---- end of count-statuses and costs ----
        renderer = ErrorRenderer.forContext(config.getServletContext());
        String onFailureName = params.choice(ON_STORE_FAILURE, DEFAULT_ON_STORE_FAILURE, ON_STORE_FAILURE_CHOICES).toLowerCase(Locale.ROOT);
        RateLimiter.OnStoreFailure onFailure = RateLimiter.OnStoreFailure.valueOf(onFailureName.toUpperCase(Locale.ROOT));
        // Each filter instance has its own store: local buckets are apart already, a shared store's keys get the namespace.
        BucketStore store = provider == null ? LocalBucketStore.create(plans, maxClients, owner)
                : provider.open(StoreSettings.of(storeName, params::valueOrNull, owner, namespace, maxClients, metrics::storeCall));
        limiter = RateLimiter.builder(plans).name(owner).store(store).onStoreFailure(onFailure).fallbackMaxClients(maxClients)
                .outageRetryAfterSeconds((store.probeInterval().toMillis() + 999) / 1000).metrics(metrics)
                // Only the IETF header and the report-only log name the limit that decided.
                .namesDecidingLimit(ietfHeaders || !enforce).build();
        metrics.store(limiter::trackedClients, limiter::overflowRequests, store.isShared() ? store::isCircuitOpen : null);
        status = new RateLimitStatus(limiter, plans, enforce, onFailureName, maxClients);
        metrics.status(status::details, status::lookup);
        // Last, so that a filter whose init fails (and is never destroyed) leaves no MBean behind.
        metrics.register(config.getServletContext(), config.getFilterName());
    }

    /**
     * The default namespace: the filter name when it is 1-64 of {@code [A-Za-z0-9_.-]}, else its
     * allowed characters (others as {@code _}) and a short hash of the whole name, so that two
     * names never share one.
     */
    static String namespaceOf(String filterName) {
        String name = filterName == null ? "" : filterName;
        if (NAMESPACE.matcher(name).matches()) {
            return name;
        }
        String safe = name.replaceAll("[^A-Za-z0-9_.-]", "_");
        return safe.substring(0, Math.min(safe.length(), 55)) + "-"
                + ClientKeys.hexHash(name, 4);
    }

    /** The {@code store} init-param as given, {@code local} when absent. */
    private static String storeName(String value) {
        return value == null || value.isBlank() ? DEFAULT_STORE : value.strip();
    }

    /**
     * The provider {@code store} names: {@code null} for the local store, a built-in one, or a
     * {@link StoreProvider} class of the web application.
     */
    static StoreProvider provider(String store) throws ServletException {
        String lower = store.toLowerCase(Locale.ROOT);
        if (lower.equals(LOCAL_STORE)) {
            return null;
        }
        String className = BUILT_IN_STORES.getOrDefault(lower, store);
        String rule = "must be local, redis, jdbc or the name of a class that implements " + StoreProvider.class.getName();
        Class<?> type;
        try {
            type = Class.forName(className, true, RateLimitFilter.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            try {
                type = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
            } catch (ClassNotFoundException | LinkageError | NullPointerException again) {
                throw new ServletException(NAME + ": init-param [" + STORE + "] has invalid value [" + store + "]: " + rule);
            }
        }
        if (!StoreProvider.class.isAssignableFrom(type)) {
            throw new ServletException(NAME + ": init-param [" + STORE + "] has invalid value [" + store + "]: " + rule);
        }
        try {
            return (StoreProvider) type.getConstructor().newInstance();
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ServletException(NAME + ": init-param [" + STORE + "] has invalid value [" + store + "]: " + rule
                    + ", public with a public no-argument constructor (" + e + ")");
        }
    }

    /** The filter's params, the built-in stores' and the chosen store's. */
    private static Set<String> knownParams(StoreProvider chosen) throws ServletException {
        Set<String> known = new HashSet<>(PARAMS);
        for (String builtIn : BUILT_IN_STORES.keySet()) {
            known.addAll(provider(builtIn).params());
        }
        if (chosen != null) {
            known.addAll(chosen.params());
        }
        return known;
    }


    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest req) || !(response instanceof HttpServletResponse resp)) {
            metrics.skipped();
            chain.doFilter(request, response);
            return;
        }
        if (passedBefore(req)) {
            // Its error page (or async dispatch): counted once, on its REQUEST dispatch.
            metrics.skipped();
            chain.doFilter(request, response);
            return;
        }
        if (skipMethods.contains(req.getMethod()) || (!skipPaths.isEmpty() && skipPaths.matches(req, PathPatterns.pathOf(req)))) {
            metrics.skipped();
            passed(req);
            chain.doFilter(request, response);
            return;
        }
        ClientIdentity identity = ClientIdentity.of(req);
        String key = clients.key(req, identity);
        Plan plan = clients.plan(identity, key);
        int cost = costs.isEmpty() ? 1 : costs.costOf(PathPatterns.pathOf(req));
        if (countStatuses != null) {
            countingStatuses(req, resp, chain, key, plan, cost);
            return;
        }
        RateLimitDecision decision = cost == 1 ? limiter.tryConsume(key, plan) : limiter.tryConsume(key, plan, cost);
        if (decision.allowed()) {
            metrics.allowed();
            if (decision.counted()) {
                headers.allowed(resp, decision);
            }
            passed(req);
            chain.doFilter(request, response);
            return;
        }
        rejected(req, resp, chain, key, decision);
    }

    /** A request the decision does not let through: 429 (or 503), or in report-only mode on its way uncounted. */
    private void rejected(HttpServletRequest req, HttpServletResponse resp, FilterChain chain, String key,
            RateLimitDecision decision) throws IOException, ServletException {
        ApiError rejection = headers.rejection(decision);
        if (decision.counted()) {
            status.rejected(key, decision);
        }
        if (!enforce) {
            metrics.wouldReject();
            wouldReject(req, resp, key, decision, rejection);
            passed(req);
            chain.doFilter(req, resp);
            return;
        }
        if (decision.counted()) {
            metrics.rejected();
        } else {
            metrics.unavailable();
        }
        if (!renderer.render(req, resp, rejection)) {
            LOG.warn("Could not answer {}: response already committed", rejection.status());
        }
    }

    /** Remembers that this filter let the request through on its REQUEST dispatch. */
    private void passed(HttpServletRequest req) {
        if (req.getDispatcherType() == DispatcherType.REQUEST) {
            req.setAttribute(passedAttribute, Boolean.TRUE);
        }
    }

    // ---- count-statuses: a request is counted by its answer ----

    /**
     * With {@code count-statuses}: lets the request go ahead if its client has {@code cost} tokens
     * (taking none), then counts it if the application answered one of the statuses. The headers
     * are set before the application answers (after it, the response may be committed), so they
     * say what remains if this answer counts.
     */
    private void countingStatuses(HttpServletRequest req, HttpServletResponse resp, FilterChain chain, String key, Plan plan,
            int cost) throws IOException, ServletException {
        RateLimitDecision check = limiter.check(key, plan, cost);
        if (!check.allowed()) {
            // Report-only lets it through uncounted, as an enforcing filter would never have let it reach the application.
            rejected(req, resp, chain, key, check);
            return;
        }
        metrics.allowed();
        if (!check.counted()) {
            // The store is away and on-store-failure=allow: nothing is counted now.
            passed(req);
            chain.doFilter(req, resp);
            return;
        }
        headers.allowed(resp, check);
        passed(req);
        try {
            chain.doFilter(req, resp);
        } catch (IOException | ServletException | RuntimeException e) {
            if (countStatuses.counts(statusOf(e, resp))) {
                limiter.count(key, plan, cost);
            }
            throw e;
        }
        if (req.isAsyncStarted()) {
            req.getAsyncContext().addListener(new CountWhenComplete(resp, key, plan, cost));
        } else if (countStatuses.counts(resp.getStatus())) {
            limiter.count(key, plan, cost);
        }
    }

    /**
     * On an {@code ASYNC} or {@code ERROR} dispatch, whether this filter let the request through
     * (counted or skipped) on its REQUEST dispatch: it is not counted twice, nor its error page
     * answered 429. Another rate-limit filter's pass never counts.
     */
    private boolean passedBefore(HttpServletRequest req) {
        DispatcherType dispatch = req.getDispatcherType();
        return (dispatch == DispatcherType.ASYNC || dispatch == DispatcherType.ERROR) && req.getAttribute(passedAttribute) != null;
    }

    /**
     * The status that {@code thrown} answers with: the one sent already if the response is
     * committed, else an {@link ApiException}'s (thrown, or a cause of what was thrown), else 500,
     * as the error filter answers an exception it has no mapping for.
     */
    private static int statusOf(Throwable thrown, HttpServletResponse resp) {
        if (resp.isCommitted()) {
            return resp.getStatus();
        }
        Throwable cause = thrown;
        for (int depth = 0; cause != null && depth < 10; depth++) {
            if (cause instanceof ApiException api) {
                return api.status();
            }
            Throwable next = cause instanceof ServletException se && se.getRootCause() != null ? se.getRootCause() : cause.getCause();
            cause = next == cause ? null : next;
        }
        return 500;
    }

    /** Counts an async request by its answer once it completes (a timeout or error has been answered by then). */
    private final class CountWhenComplete implements AsyncListener {
        private final HttpServletResponse response;
        private final String key;
        private final Plan plan;
        private final int cost;

        CountWhenComplete(HttpServletResponse response, String key, Plan plan, int cost) {
            this.response = response;
            this.key = key;
            this.plan = plan;
            this.cost = cost;
        }

        @Override
        public void onComplete(AsyncEvent event) {
            if (countStatuses.counts(response.getStatus())) {
                limiter.count(key, plan, cost);
            }
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            // Answered by the error filter or the container; counted on completion.
        }

        @Override
        public void onError(AsyncEvent event) {
            // Answered by the error filter or the container; counted on completion.
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // A new async cycle (after a dispatch) ends in its own completion: listen to it too.
            event.getAsyncContext().addListener(this);
        }
    }

    // ---- end of count-statuses ----

    /**
     * Report-only mode: the one place where a request that would have been rejected is let
     * through. It carries the rejection's code as {@value #WOULD_REJECT_ATTRIBUTE} and the headers
     * of the 429 but {@code Retry-After}; each client is logged at most once per period of the
     * limit that decided (never its API key: the client key is a client id, an IP, a header
     * value's hash, or a value of a header marked {@code ;plain}).
     */
    private void wouldReject(HttpServletRequest req, HttpServletResponse resp, String key, RateLimitDecision decision,
            ApiError rejection) {
        req.setAttribute(WOULD_REJECT_ATTRIBUTE, rejection.code());
        headers.wouldReject(resp, decision);
        if (reported.first(key, decision.plan().periodOf(decision.policyItem()))) {
            LOG.warn("Report-only: would have answered {} {} to {} (plan {}); logged once per limit period",
                    rejection.status(), rejection.code(), key, decision.plan().name());
        }
    }

    @Override
    public void destroy() {
        metrics.unregister();
        if (limiter != null) {
            limiter.close();
        }
    }

    /**
     * Configures a {@link RateLimitFilter} in code: one method per init-param, each value given
     * as the init-param's text and checked by its rule ({@link IllegalArgumentException}); the
     * defaults are the init-params'. What depends on several values (a client's plan, a cost
     * within every limit) and the store are checked when the filter starts, with the init-params'
     * messages.
     */
    public static final class Builder {
        private final Map<String, String> values = new HashMap<>();
        private final Map<String, String> storeParams = new HashMap<>();

        Builder(String limits) {
            set(LIMITS, Objects.requireNonNull(limits, "limits"), Limits::parse);
        }

        private Builder set(String name, String value, Function<String, ?> check) {
            Objects.requireNonNull(value, name);
            check.apply(value);
            values.put(name, value);
            return this;
        }

        private Builder set(String name, boolean value) {
            values.put(name, Boolean.toString(value));
            return this;
        }

        /** {@code plans}: named plans, {@code gold: 1000/1m; free: 60/1m}. */
        public Builder plans(String plans) {
            return set(PLANS, plans, Plans::parsePlans);
        }

        /** {@code client-plans}: {@code client=plan} pairs. */
        public Builder clientPlans(String pairs) {
            return set(CLIENT_PLANS, pairs, Plans::parseClientPlans);
        }

        /** {@code key-by}: {@code auto}, {@code client}, {@code ip}, {@code header:<Name>} or {@code header:<Name>;plain}. */
        public Builder keyBy(String keyBy) {
            return set(KEY_BY, keyBy, text -> {
                ClientKeys.check(text);
                return text;
            });
        }

        /** {@code trusted-proxies}: IPs or CIDRs, comma-separated. */
        public Builder trustedProxies(String addresses) {
            return set(TRUSTED_PROXIES, addresses, ClientIpResolver::fromParam);
        }

        /** {@code max-clients}: 1 to 100,000,000. */
        public Builder maxClients(int clients) {
            if (clients < 1 || clients > 100_000_000) {
                throw new IllegalArgumentException("max-clients [" + clients + "] must be an integer between 1 and 100000000");
            }
            values.put(MAX_CLIENTS, Integer.toString(clients));
            return this;
        }

        public Builder throttleHeaders(boolean send) {
            return set(THROTTLE_HEADERS, send);
        }

        public Builder ietfHeaders(boolean send) {
            return set(IETF_HEADERS, send);
        }

        /** {@code skip-paths}: url-patterns never limited, comma-separated. */
        public Builder skipPaths(String patterns) {
            return set(SKIP_PATHS, patterns, PathPatterns::parse);
        }

        /** {@code skip-methods}: methods never limited, such as {@code OPTIONS}. */
        public Builder skipMethods(String methods) {
            return set(SKIP_METHODS, methods, Function.identity());
        }

        /** {@code enforce}: {@code false} is report-only. */
        public Builder enforce(boolean reject) {
            return set(ENFORCE, reject);
        }

        /** {@code namespace}: 1-64 characters of {@code [A-Za-z0-9_.-]}. */
        public Builder namespace(String namespace) {
            return set(NAMESPACE_PARAM, namespace, text -> {
                if (!NAMESPACE.matcher(text).matches()) {
                    throw new IllegalArgumentException(NAMESPACE_RULE);
                }
                return text;
            });
        }

        /** {@code count-statuses}: the answers that count, {@code 401, 403} or {@code 4xx}. */
        public Builder countStatuses(String statuses) {
            return set(COUNT_STATUSES, statuses, CountedStatuses::parse);
        }

        /** {@code costs}: the tokens a request takes by path, {@code /api/export=10}. */
        public Builder costs(String costs) {
            return set(COSTS, costs, PathCosts::parse);
        }

        /** {@code on-store-failure}: {@code local}, {@code allow} or {@code reject}. */
        public Builder onStoreFailure(String behaviour) {
            return set(ON_STORE_FAILURE, behaviour, text -> {
                if (!ON_STORE_FAILURE_CHOICES.contains(text.strip().toLowerCase(Locale.ROOT))) {
                    throw new IllegalArgumentException("must be one of " + new TreeSet<>(ON_STORE_FAILURE_CHOICES));
                }
                return text;
            });
        }

        /**
         * {@code store}: {@code local}, {@code redis} or a {@link StoreProvider} class name, with
         * the store's own params ({@code redis-uri}, ...), checked when the filter starts.
         */
        public Builder store(String store, Map<String, String> params) {
            StoreProvider provider;
            try {
                provider = provider(storeName(Objects.requireNonNull(store, "store")));
            } catch (ServletException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            Set<String> known = provider == null ? Set.of() : provider.params();
            for (String name : params.keySet()) {
                if (!known.contains(name)) {
                    throw new IllegalArgumentException("store [" + store + "] has no param [" + name + "]; its params are "
                            + new TreeSet<>(known));
                }
            }
            values.keySet().removeAll(storeParams.keySet());
            storeParams.clear();
            storeParams.putAll(params);
            values.putAll(params);
            values.put(STORE, store);
            return this;
        }

        public RateLimitFilter build() {
            return new RateLimitFilter(this);
        }
    }
}
