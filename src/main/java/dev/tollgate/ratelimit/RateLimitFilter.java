package dev.tollgate.ratelimit;

import dev.tollgate.ClientIdentity;
import dev.tollgate.config.InitParams;
import dev.tollgate.config.PathPatterns;
import dev.tollgate.config.PlanRegistry;
import dev.tollgate.error.ApiError;
import dev.tollgate.error.ErrorRenderer;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Limits how often each client may call, with bucket4j token buckets: several limits at once
 * ({@code 100/1m, 5000/1d}) and per-client plans. A thin adapter over plain objects: who is counted, the limiter, the headers.
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
 *   <li>{@code header:<Name>}: the value of that header (a tenant id, say); requests without it are
 *       counted per IP, never in one bucket shared by all. Any client can set a header, and so
 *       drain another tenant's bucket or claim its plan: set {@code trusted-proxies} to the
 *       proxies that set it, and the header is believed only on requests from them (others are
 *       counted per IP, on the default plan).</li>
 * </ul>
 * The plan: the identity's plan (a plan not defined here is logged once and the default plan used),
 * else the client's entry in {@code client-plans}, else the default plan made of {@code limits}. With {@code plans}, startup fails when an API key of the
 * application names a plan not defined here, whichever filter starts first (see
 * the README); without {@code plans}, {@code limits} apply to every
 * client.
 *
 * <p>Init-params: {@code limits} (required), {@code plans}, {@code client-plans}, {@code key-by},
 * {@code trusted-proxies}, {@code max-clients} (default 100000), {@code throttle-headers}
 * (default true), {@code ietf-headers} (default false), {@code skip-paths} (an extension pattern
 * such as {@code *.css} only for requests mapped by extension or to the default servlet),
 * {@code skip-methods} (default OPTIONS), {@code namespace} (default: the filter name). Map it
 * after the error and API-key filters.
 *
 * <p>Each filter instance counts in its own buckets, so a strict filter on {@code /login/*} beside
 * a general one on {@code /*} does not share their counts: locally each instance has its own
 * store, and in Redis the keys carry the {@code namespace}.
 */
public final class RateLimitFilter implements Filter {

    static final Set<String> PARAMS = Set.of("limits", "plans", "client-plans", "key-by", "trusted-proxies",
            "max-clients", "throttle-headers", "ietf-headers", "skip-paths", "skip-methods",
            "store", "redis-uri", "redis-key-prefix", "redis-timeout", "redis-probe-interval", "on-store-failure", "namespace");

    private static final Logger LOG = LoggerFactory.getLogger(RateLimitFilter.class);
    private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private RateLimiter limiter;
    private Plans plans;
    private ClientKeys clients;
    private RateLimitHeaders headers;
    private PathPatterns skipPaths = PathPatterns.NONE;
    private Set<String> skipMethods = Set.of("OPTIONS");
    private ErrorRenderer renderer;

    @Override
    public void init(FilterConfig config) throws ServletException {
        InitParams params = InitParams.of(config, "RateLimitFilter", PARAMS);
        String limitsText = params.raw("limits");
        if (limitsText == null) {
            throw new ServletException("RateLimitFilter: init-param [limits] is required, like 100/1m, 5000/1d");
        }
        Limits limits = params.parse("limits", null, Limits::parse);
        Map<String, Limits> named = params.parse("plans", "", Plans::parsePlans);
        Map<String, String> clientPlans = params.parse("client-plans", "", Plans::parseClientPlans);
        List<Plan> planList = new ArrayList<>();
        named.forEach((name, l) -> planList.add(Plan.of(name, l)));
        try {
            plans = Plans.of(limits, planList, clientPlans);
        } catch (IllegalArgumentException e) {
            throw params.invalid(clientPlans.isEmpty() ? "plans" : "client-plans",
                    String.valueOf(params.raw(clientPlans.isEmpty() ? "plans" : "client-plans")), e.getMessage());
        }
        if (!named.isEmpty()) {
            // Every plan an API key names must be defined here, whichever filter starts first.
            String owner = "RateLimitFilter [" + config.getFilterName() + "]";
            try {
                PlanRegistry.forContext(config.getServletContext()).publishDefinitions(owner, plans.names());
            } catch (IllegalArgumentException e) {
                String message = owner + ": " + e.getMessage();
                LOG.error("{}", message);
                throw new ServletException(message);
            }
        }
        String keyBy = params.string("key-by", "auto");
        ClientIpResolver ipResolver = params.parse("trusted-proxies", "", text -> ClientIpResolver.trusting(
                List.of(text.split("[,\\s]+")).stream().filter(s -> !s.isEmpty()).toList()));
        try {
            clients = ClientKeys.of(keyBy, ipResolver, plans);
        } catch (IllegalArgumentException e) {
            throw params.invalid("key-by", keyBy, e.getMessage());
        }
        int maxClients = params.integer("max-clients", LocalBucketStore.DEFAULT_MAX_CLIENTS, 1, 100_000_000);
        headers = new RateLimitHeaders(params.bool("throttle-headers", true), params.bool("ietf-headers", false));
        skipPaths = params.parse("skip-paths", "", PathPatterns::parse);
        List<String> methods = params.list("skip-methods");
        skipMethods = params.raw("skip-methods") == null ? Set.of("OPTIONS")
                : Set.copyOf(methods.stream().map(m -> m.toUpperCase(Locale.ROOT)).toList());
        renderer = ErrorRenderer.forContext(config.getServletContext());
        String storeKind = params.choice("store", "local", Set.of("local", "redis"));
        RateLimiter.OnStoreFailure onFailure = RateLimiter.OnStoreFailure.valueOf(
                params.choice("on-store-failure", "local", Set.of("allow", "reject", "local")).toUpperCase(Locale.ROOT));
        String namespace = params.raw("namespace") == null ? namespaceOf(config.getFilterName()) : params.string("namespace", null);
        if (!NAMESPACE.matcher(namespace).matches()) {
            throw params.invalid("namespace", namespace, "must be 1-64 characters of [A-Za-z0-9_.-]");
        }
        // Each filter instance has its own store: local buckets are apart already, Redis keys get the namespace.
        BucketStore store = storeKind.equals("redis") ? redisStore(params, namespace) : LocalBucketStore.create(plans, maxClients);
        int probeMillis = params.integer("redis-probe-interval", 1000, 100, 60_000);
        limiter = RateLimiter.builder(plans).store(store).onStoreFailure(onFailure).fallbackMaxClients(maxClients)
                .outageRetryAfterSeconds((probeMillis + 999) / 1000).build();
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

    private static BucketStore redisStore(InitParams params, String namespace) throws ServletException {
        String uri = params.raw("redis-uri");
        if (uri == null) {
            throw new ServletException("RateLimitFilter: init-param [redis-uri] is required with store=redis, like redis://127.0.0.1:6379/0");
        }
        String prefix = params.string("redis-key-prefix", "tollgate:");
        int timeoutMillis = params.integer("redis-timeout", 100, 1, 60_000);
        int probeMillis = params.integer("redis-probe-interval", 1000, 100, 60_000);
        try {
            return RedisStores.create(uri, prefix + namespace + ":", timeoutMillis, probeMillis);
        } catch (IllegalArgumentException e) {
            throw params.invalid("redis-uri", RedisStores.mask(uri), e.getMessage());
        } catch (LinkageError e) {
            throw new ServletException("RateLimitFilter: store=redis needs io.lettuce:lettuce-core on the classpath (" + e + ")");
        }
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest req) || !(response instanceof HttpServletResponse resp)) {
            chain.doFilter(request, response);
            return;
        }
        if (skipMethods.contains(req.getMethod()) || (!skipPaths.isEmpty() && skipPaths.matches(req, PathPatterns.pathOf(req)))) {
            chain.doFilter(request, response);
            return;
        }
        ClientIdentity identity = ClientIdentity.of(req);
        String key = clients.key(req, identity);
        RateLimitDecision decision = limiter.tryConsume(key, clients.plan(identity, key));
        if (decision.allowed()) {
            if (decision.counted()) {
                headers.allowed(resp, decision);
            }
            chain.doFilter(request, response);
            return;
        }
        ApiError rejection = headers.rejection(decision);
        if (!renderer.render(req, resp, rejection)) {
            LOG.warn("Could not answer {}: response already committed", rejection.status());
        }
    }

    @Override
    public void destroy() {
        if (limiter != null) {
            limiter.close();
        }
    }
}
