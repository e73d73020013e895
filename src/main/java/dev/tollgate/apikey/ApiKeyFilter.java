package dev.tollgate.apikey;

import dev.tollgate.ClientIdentity;
import dev.tollgate.apikey.KeyExtractor.Preflight;
import dev.tollgate.error.ApiError;
import dev.tollgate.error.ErrorCodes;
import dev.tollgate.error.ErrorRenderer;
import dev.tollgate.internal.ClientIpResolver;
import dev.tollgate.internal.InitParams;
import dev.tollgate.internal.Jdbc;
import dev.tollgate.internal.OncePerPeriod;
import dev.tollgate.internal.PathPatterns;
import dev.tollgate.internal.PlanRegistry;
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
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Checks the API key of every request against the configured keys (stored as SHA-256 hashes,
 * compared in constant time) and tells the application who called.
 *
 * <p>Answers, through the application's error format:
 * <ul>
 *   <li>no key: 401 {@code missing_api_key} "Authentication required";</li>
 *   <li>an unknown key (also: several keys, an oversized or non-ASCII key): 401
 *       {@code invalid_api_key} "Invalid API key";</li>
 *   <li>an expired key: 401 {@code expired_api_key} "API key expired";</li>
 *   <li>a key not allowed this method or path: 403 {@code access_denied} "Permission denied".</li>
 * </ul>
 * Each 401 carries {@code WWW-Authenticate: ApiKey realm="api", header="X-API-KEY"} (and a
 * {@code Bearer} challenge when bearer tokens are accepted). On success the client id is the
 * request attribute {@value #CLIENT_ID_ATTRIBUTE}, {@code getRemoteUser()} and
 * {@code getUserPrincipal()}, and the MDC key {@code client_id}; the key's entry (with its
 * rate-limit plan) is the attribute {@value #KEY_ATTRIBUTE}; the {@link ClientIdentity} (client id,
 * plan, method {@value #IDENTITY_METHOD}) is what the rate-limit filter counts. Keys, hashes and
 * parts of keys are never logged.
 *
 * <p>Init-params:
 * <ul>
 *   <li>{@code keys-source} (default {@code file}): {@code file}, the keys file below, or
 *       {@code jdbc}, a table of the application's database (see {@code docs/api-keys.md}, "The
 *       keys table"): {@code keys-jdbc-datasource} (the JNDI name of the application's
 *       {@code DataSource}, looked up as {@code java:comp/env/<name>} unless it starts with
 *       {@code java:}) or {@code keys-jdbc-url} with {@code keys-jdbc-user} and
 *       {@code keys-jdbc-password}, and {@code keys-jdbc-table} (default
 *       {@code tollgate_api_keys}). The table is re-read every {@code reload-interval} by the keys
 *       file's rules; a missing table stops startup with its DDL.</li>
 *   <li>{@code keys-file}: path of a keys file (see {@link FileApiKeyStore}); when absent, the
 *       environment variable {@code TOLLGATE_KEYS_FILE} or the system property
 *       {@code tollgate.keys-file}. A file whose only entry is the line {@code !no-keys} revokes
 *       every key of the file, on a reload (logged at WARN) and at startup, where the filter
 *       starts and answers 401 to every key but the inline ones; an emptied file keeps the keys
 *       in force instead ({@code java -jar tollgate.jar revoke-all <keys-file>} writes it).</li>
 *   <li>{@code keys}: inline {@code client:sha256hex} entries; with a keys file, both are used, and
 *       a client id or a key in both is an error (at startup, and on a reload, which then keeps
 *       the previous keys). {@code !no-keys} in the file revokes the file's keys only: the inline
 *       keys stay. Startup errors name the entry's position, never the value.</li>
 *   <li>{@code reload-interval} (default {@code 5}): seconds between checks of the keys file (or
 *       table) for changes; {@code 0} never re-reads.</li>
 *   <li>{@code headers} (default {@code X-API-KEY}): the header(s) that carry the key.</li>
 *   <li>{@code bearer} (default {@code false}): also accept {@code Authorization: Bearer <key>}.</li>
 *   <li>{@code query-param} (default none): also accept the key in this query parameter. Off by
 *       default: URLs, and so keys, end up in access logs.</li>
 *   <li>{@code hide-credentials} (default {@code false}): the application does not see the key
 *       headers (or the bearer {@code Authorization} header) through any header getter, nor the
 *       {@code query-param} parameter ({@code getParameter*}, and {@code getQueryString} without
 *       its pairs). A later key filter still sees them.</li>
 *   <li>{@code preflight} (default {@code answer}): what becomes of a CORS preflight, an
 *       {@code OPTIONS} request with {@code Origin} and an {@code Access-Control-Request-Method}
 *       that is a method (an RFC 9110 token; any other value makes it an ordinary request).
 *       {@code answer}: the filter answers it itself, 204 with no body, keeping the headers set
 *       before it (a CORS filter mapped before it that passes preflights on adds the CORS
 *       headers); nothing of the application runs for it. {@code pass}: it passes on without a
 *       key, for an application that answers CORS in its own servlets. <b>Risk:</b> any client can
 *       send one, so every servlet it reaches must answer {@code OPTIONS} with CORS headers and
 *       nothing else; a servlet that overrides {@code service()} runs its real logic for it.
 *       {@code check}: it needs a key like any request, so browsers, which send none on a
 *       preflight, get a 401. In either mode of {@code enforce}.</li>
 *   <li>{@code skip-preflight}: deprecated; {@code true} is {@code preflight=pass}, {@code false}
 *       is {@code preflight=check}; with {@code preflight} too, startup fails.</li>
 *   <li>{@code skip-paths} (default none): paths that need no key, as servlet url-patterns:
 *       {@code /health}, {@code /public/*}, {@code *.css}. An extension pattern is for static
 *       files: it skips only requests the container maps by extension, or that the container's own
 *       default servlet (Tomcat's or Jetty's {@code DefaultServlet}, found by its class name at
 *       startup) serves through {@code /}. Never one served through an exact or path mapping
 *       ({@code /api/users/42.css} under {@code /api/*}), nor one that a servlet of the
 *       application mapped to {@code /} serves (a front controller: {@code /api/files/secret.css}
 *       needs a key); a subclass of a default servlet counts as the application's.</li>
 *   <li>{@code realm} (default {@code api}): the realm of the challenge.</li>
 *   <li>{@code enforce} (default {@code true}): {@code false} is report-only: a request without a
 *       valid key passes, marked with {@value #WOULD_REJECT_ATTRIBUTE} (the code it would have
 *       been answered with), and is logged at WARN at most once a minute per client (or address)
 *       and code. A missing, unknown or expired key names no client; a valid key that may not use
 *       the method or path ({@code access_denied}) names its client as if accepted.</li>
 * </ul>
 * Map it after the request id and error filters and before the rate-limit filter, which then
 * counts requests per client:
 * <pre>{@code
 * <filter>
 *   <filter-name>api-key</filter-name>
 *   <filter-class>dev.tollgate.apikey.ApiKeyFilter</filter-class>
 *   <init-param><param-name>keys-file</param-name><param-value>/etc/myapp/keys.txt</param-value></init-param>
 * </filter>
 * <filter-mapping><filter-name>api-key</filter-name><url-pattern>/api/*</url-pattern></filter-mapping>
 * }</pre>
 * In code: {@code ApiKeyFilter.builder(store).bearer(true).skipPaths("/health").build()}, whose
 * values are checked by the same rules as the init-params. Startup fails when a key names a plan that a rate-limit filter with
 * named plans does not define (whichever starts first); a keys-file reload that does is refused.
 *
 * <p>Several key filters (partner keys on {@code /*}, admin keys on {@code /admin/*}) each check
 * the request against their own keys: a key only another filter accepts is 401
 * {@code invalid_api_key}. The client seen by the application and the rate limiter is the last
 * accepting filter's. Only the same filter passes an {@code ASYNC} or {@code ERROR} dispatch of a
 * request it accepted, or let through without a key (a skip path, a preflight, report-only), on its
 * {@code REQUEST} dispatch without checking again: the error page of a skipped {@code /health}
 * answers its real 500, not 401. A request it did not see on {@code REQUEST} (Tomcat answers an
 * unmapped URL before any REQUEST filter) is checked on its error dispatch.
 *
 * <p>Metrics: the MBean {@code dev.tollgate:type=ApiKeyFilter,context=<path>,name=<filter name>}
 * and, with micrometer-core present, the {@code tollgate.apikey.*} meters: outcomes, rejections by
 * code, keys loaded and keys-file reloads (docs/metrics.md).
 */
public final class ApiKeyFilter implements Filter {

    /** Request attribute with the client id of an accepted key. */
    public static final String CLIENT_ID_ATTRIBUTE = "dev.tollgate.client_id";
    /** Request attribute with the {@link ApiKeyEntry} of an accepted key. */
    public static final String KEY_ATTRIBUTE = "dev.tollgate.api_key";
    /** The MDC key of the client id. */
    public static final String MDC_KEY = "client_id";
    /** {@link ClientIdentity#method()} of an accepted request. */
    public static final String IDENTITY_METHOD = "api-key";
    /**
     * Request attribute set with {@code enforce=false} on a request let through that would have
     * been rejected: the error code of that rejection ({@code missing_api_key},
     * {@code invalid_api_key}, {@code expired_api_key} or {@code access_denied}).
     */
    public static final String WOULD_REJECT_ATTRIBUTE = "dev.tollgate.api_key.would_reject";
    /** {@code getAuthType()} of an accepted request. */
    public static final String AUTH_TYPE = "API_KEY";

    static final String NAME = "ApiKeyFilter";
    static final String KEYS_FILE = "keys-file";
    static final String KEYS = "keys";
    static final String RELOAD_INTERVAL = "reload-interval";
    static final String HEADERS = "headers";
    static final String BEARER = "bearer";
    static final String QUERY_PARAM = "query-param";
    static final String HIDE_CREDENTIALS = "hide-credentials";
    static final String PREFLIGHT = "preflight";
    /** Deprecated: {@code true} is {@code preflight=pass}, {@code false} is {@code preflight=check}. */
    static final String SKIP_PREFLIGHT = "skip-preflight";
    static final String SKIP_PATHS = "skip-paths";
    static final String REALM = "realm";
    static final String ENFORCE = "enforce";
    static final String TRUSTED_PROXIES = "trusted-proxies";
    static final String KEYS_SOURCE = "keys-source";
    static final String KEYS_JDBC_DATASOURCE = "keys-jdbc-datasource";
    static final String KEYS_JDBC_URL = "keys-jdbc-url";
    static final String KEYS_JDBC_USER = "keys-jdbc-user";
    static final String KEYS_JDBC_PASSWORD = "keys-jdbc-password";
    static final String KEYS_JDBC_TABLE = "keys-jdbc-table";
    /** The params of {@code keys-source=jdbc}, refused with the keys file. */
    private static final List<String> JDBC_PARAMS = List.of(KEYS_JDBC_DATASOURCE, KEYS_JDBC_URL, KEYS_JDBC_USER, KEYS_JDBC_PASSWORD,
            KEYS_JDBC_TABLE);
    static final Set<String> PARAMS = Set.of(ENFORCE, KEYS_FILE, KEYS, RELOAD_INTERVAL, HEADERS, BEARER, QUERY_PARAM,
            HIDE_CREDENTIALS, PREFLIGHT, SKIP_PREFLIGHT, SKIP_PATHS, REALM, TRUSTED_PROXIES, KEYS_SOURCE, KEYS_JDBC_DATASOURCE,
            KEYS_JDBC_URL, KEYS_JDBC_USER, KEYS_JDBC_PASSWORD, KEYS_JDBC_TABLE);

    static final String DEFAULT_HEADER = "X-API-KEY";
    static final int DEFAULT_RELOAD_SECONDS = 5;
    static final String DEFAULT_REALM = "api";
    static final boolean DEFAULT_ENFORCE = true;
    /** Report-only mode logs each client (or address) and answer at most once in this period. */
    static final Duration REPORT_PERIOD = Duration.ofMinutes(1);
    /** The most clients and addresses report-only mode remembers having logged. */
    static final int REPORT_MAX_CLIENTS = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(ApiKeyFilter.class);
    private static final AtomicLong INSTANCES = new AtomicLong();

    private Builder configured;
    private ReloadingStore ownedStore;
    private ApiKeyStore store;
    private KeyCheck check;
    private PathPatterns skipPaths = PathPatterns.NONE;
    private List<String> hiddenHeaders;
    private boolean hideAuthorization;
    private String hiddenParameter;
    private ErrorRenderer renderer;
    private final ApiKeyMetrics metrics = new ApiKeyMetrics();
    private boolean enforce = DEFAULT_ENFORCE;
    /** Names the address of a request without a client in the report-only log. */
    private ClientIpResolver proxies = ClientIpResolver.DIRECT;
    /** With {@code enforce=false}: which clients and addresses were logged in the report period. */
    private OncePerPeriod reported;
    private final long instance = INSTANCES.incrementAndGet();
    /** Request attribute that only this instance sets: the entry it accepted. */
    private final String acceptedAttribute = ApiKeyFilter.class.getName() + ".accepted." + instance;
    /** Request attribute that only this instance sets: it let the request through without a key on its REQUEST dispatch. */
    private final String passedAttribute = ApiKeyFilter.class.getName() + ".passed." + instance;

    /** A filter configured by its init-params. */
    public ApiKeyFilter() {
    }

    private ApiKeyFilter(Builder configured) {
        this.configured = configured;
        apply(configured);
    }

    /** A filter configured in code, checking keys in {@code store}. */
    public static Builder builder(ApiKeyStore store) {
        return new Builder(store);
    }

    @Override
    public void init(FilterConfig config) throws ServletException {
        if (configured == null) {
            try {
                apply(fromParams(InitParams.of(config, NAME, PARAMS)));
            } catch (ServletException | RuntimeException e) {
                // A filter whose init fails is never destroyed: close the store it opened (its connection, say).
                if (ownedStore != null) {
                    ownedStore.close();
                    ownedStore = null;
                }
                throw e;
            }
        }
        // Only the container's own default servlet, found once here, serves what an extension pattern skips through /.
        skipPaths = skipPaths.bindTo(config.getServletContext());
        renderer = ErrorRenderer.forContext(config.getServletContext());
        publishPlans(config);
        metrics.keys(store::size);
        if (ownedStore != null) {
            metrics.reloaded(true, System.currentTimeMillis());
            ownedStore.reportReloads(metrics::reloaded);
            ownedStore.startReloading();
        }
        metrics.status(this::status, client -> null);
        // Last, so that a filter whose init fails (and is never destroyed) leaves no MBean behind.
        metrics.register(config.getServletContext(), config.getFilterName());
    }

    /** What the status page shows of the filter: its keys (never a key or a hash) and their last reload. */
    private Map<String, Object> status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("mode", enforce ? "enforce" : "report-only");
        status.put("keys_loaded", store.size());
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("type", ownedStore != null ? ownedStore.source() : "fixed (inline or in code)");
        long reloaded = metrics.lastReloadMillis();
        source.put("last_reload_at", reloaded == 0 ? null : Instant.ofEpochMilli(reloaded).toString());
        source.put("last_reload_outcome", metrics.lastReloadOutcome());
        status.put("keys_source", source);
        Instant now = Instant.now();
        status.put("keys", store.entries().map(entries -> entries.stream()
                .sorted(Comparator.comparing(ApiKeyEntry::clientId))
                .map(entry -> {
                    Map<String, Object> key = new LinkedHashMap<>();
                    key.put("client_id", entry.clientId());
                    key.put("plan", entry.plan());
                    key.put("expires", entry.expiresAt() == null ? null : entry.expiresAt().toString());
                    key.put("expired", entry.isExpired(now));
                    key.put("methods", entry.methods().stream().sorted().toList());
                    key.put("paths", entry.pathPrefixes());
                    // A disabled row of a keys table is not loaded: every key listed is in force.
                    key.put("enabled", true);
                    key.put("last_used_at", entry.lastUsed() == null ? null : entry.lastUsed().toString());
                    return key;
                }).toList()).orElse(null));
        return status;
    }

    /** The init-params as a builder: each value goes through the builder's own check. */
    private Builder fromParams(InitParams params) throws ServletException {
        int reloadSeconds = params.integer(RELOAD_INTERVAL, DEFAULT_RELOAD_SECONDS, 0, 86_400);
        Builder b = new Builder(openStore(params, Duration.ofSeconds(reloadSeconds)));
        List<String> headers = params.list(HEADERS);
        params.ifPresent(HEADERS, value -> b.headers(headers.toArray(String[]::new)));
        b.bearer(params.bool(BEARER, false));
        params.ifPresent(QUERY_PARAM, b::queryParam);
        b.hideCredentials(params.bool(HIDE_CREDENTIALS, false));
        String deprecated = params.valueOrNull(SKIP_PREFLIGHT);
        if (deprecated == null) {
            params.ifPresent(PREFLIGHT, b::preflight);
        } else {
            b.preflight(fromSkipPreflight(params, deprecated).value());
        }
        b.enforce(params.bool(ENFORCE, DEFAULT_ENFORCE));
        params.ifPresent(SKIP_PATHS, b::skipPaths);
        params.ifPresent(REALM, b::realm);
        params.ifPresent(TRUSTED_PROXIES, b::trustedProxies);
        return b;
    }

    /** The deprecated {@code skip-preflight} as a {@code preflight} mode: never both. */
    private static Preflight fromSkipPreflight(InitParams params, String value) throws ServletException {
        String rule = "it is deprecated: skip-preflight=true is preflight=pass, false is preflight=check";
        if (params.valueOrNull(PREFLIGHT) != null) {
            throw params.invalid(SKIP_PREFLIGHT, value, "must not be set with init-param [" + PREFLIGHT + "]; " + rule);
        }
        Preflight mode = params.bool(SKIP_PREFLIGHT, true) ? Preflight.PASS : Preflight.CHECK;
        LOG.warn("{}: init-param [{}] is deprecated; set init-param [{}] to [{}] instead", NAME, SKIP_PREFLIGHT, PREFLIGHT,
                mode.value());
        return mode;
    }

    /** Everything doFilter needs, made once from checked values. */
    private void apply(Builder b) {
        store = b.store;
        KeyExtractor extractor = new KeyExtractor(b.headers, b.bearer, b.queryParam, b.preflight);
        check = new KeyCheck(extractor, b.store, b.clock, b.realm, b.headers.get(0), b.bearer);
        skipPaths = b.skipPaths;
        hiddenHeaders = b.hideCredentials ? b.headers : null;
        hideAuthorization = b.hideCredentials && b.bearer;
        hiddenParameter = b.hideCredentials ? b.queryParam : null;
        enforce = b.enforce;
        proxies = b.proxies;
        reported = b.enforce ? null : OncePerPeriod.create(REPORT_MAX_CLIENTS);
    }

    /** Every plan a key names must be defined by the rate-limit filters, whichever starts first. */
    private void publishPlans(FilterConfig config) throws ServletException {
        String owner = NAME + " [" + config.getFilterName() + "]";
        PlanRegistry registry = PlanRegistry.forContext(config.getServletContext());
        try {
            registry.publishReferences(owner, store.plansByClient());
        } catch (IllegalArgumentException e) {
            String message = owner + ": " + e.getMessage();
            LOG.error("{}", message);
            if (ownedStore != null) {
                // A filter whose init fails is never destroyed: stop the reload thread here.
                ownedStore.close();
            }
            throw new ServletException(message);
        }
        if (ownedStore != null) {
            // Inline keys name no plans, so a reloaded file's plans are all the filter's plans.
            ownedStore.checkReloads(fresh -> registry.publishReferences(owner, fresh));
        }
    }

    private ApiKeyStore openStore(InitParams params, Duration reload) throws ServletException {
        boolean table = "jdbc".equals(params.choice(KEYS_SOURCE, "file", Set.of("file", "jdbc")));
        if (table) {
            return openTable(params, reload, inlineKeys(params));
        }
        for (String param : JDBC_PARAMS) {
            String value = params.valueOrNull(param);
            if (value != null) {
                throw params.invalid(param, shown(param, value), "is read only with " + KEYS_SOURCE + "=jdbc");
            }
        }
        FileApiKeyStore.Location file = FileApiKeyStore.locate(params.valueOrNull(KEYS_FILE), System::getenv, System::getProperty);
        List<ApiKeyEntry> inline = inlineKeys(params);
        if (file == null) {
            if (inline.isEmpty()) {
                throw new ServletException(NAME + ": no keys configured; set init-param [keys-file] (or the "
                        + FileApiKeyStore.ENV_KEYS_FILE + " environment variable or the " + FileApiKeyStore.PROPERTY_KEYS_FILE
                        + " system property) or init-param [keys]");
            }
            return ApiKeyStore.of(inline);
        }
        try {
            // The reload thread starts at the end of init(), so a later bad param leaves none behind.
            ownedStore = FileApiKeyStore.load(Path.of(file.path()), reload, inline);
        } catch (IllegalArgumentException e) {
            throw new ServletException(NAME + ": keys file from " + file.source() + " is invalid: " + e.getMessage());
        }
        return ownedStore;
    }

    /** {@code value} of {@code param} as a message may show it: never a password, a URL without its password. */
    private static String shown(String param, String value) {
        return switch (param) {
            case KEYS_JDBC_PASSWORD -> "(hidden)";
            case KEYS_JDBC_URL -> Jdbc.mask(value);
            default -> value;
        };
    }

    /**
     * {@code keys-source=jdbc}: the keys table, read now through the application's DataSource or a
     * connection of its own, with the {@code inline} keys. Every param is checked before the
     * database is asked.
     */
    private ApiKeyStore openTable(InitParams params, Duration reload, List<ApiKeyEntry> inline) throws ServletException {
        String file = params.valueOrNull(KEYS_FILE);
        if (file != null) {
            throw params.invalid(KEYS_FILE, file, "must not be set with " + KEYS_SOURCE + "=jdbc: the keys come from the table");
        }
        String jndiName = params.valueOrNull(KEYS_JDBC_DATASOURCE);
        String url = params.valueOrNull(KEYS_JDBC_URL);
        if (jndiName == null && url == null) {
            throw new ServletException(NAME + ": init-param [" + KEYS_SOURCE + "] jdbc needs init-param [" + KEYS_JDBC_DATASOURCE + "] (the JNDI name "
                    + "of the application's DataSource, like jdbc/app) or init-param [" + KEYS_JDBC_URL + "] (a JDBC URL, like "
                    + "jdbc:postgresql://db:5432/app)");
        }
        if (jndiName != null && url != null) {
            throw params.invalid(KEYS_JDBC_URL, shown(KEYS_JDBC_URL, url), "must not be set with init-param [" + KEYS_JDBC_DATASOURCE
                    + "]: the keys are read through one of them");
        }
        if (jndiName != null) {
            for (String param : List.of(KEYS_JDBC_USER, KEYS_JDBC_PASSWORD)) {
                String value = params.valueOrNull(param);
                if (value != null) {
                    throw params.invalid(param, shown(param, value), "is read only with init-param [" + KEYS_JDBC_URL
                            + "]; a DataSource has its own user");
                }
            }
        } else if (!url.startsWith("jdbc:")) {
            throw params.invalid(KEYS_JDBC_URL, shown(KEYS_JDBC_URL, url), "must be a JDBC URL, like jdbc:postgresql://db:5432/app");
        }
        ApiKeysTable table = params.parse(KEYS_JDBC_TABLE, ApiKeysTable.DEFAULT_NAME, ApiKeysTable::new);
        JdbcApiKeyStore.Connections connections = jndiName != null
                ? JdbcApiKeyStore.Connections.of(lookup(params, jndiName))
                : JdbcApiKeyStore.Connections.of(url, params.valueOrNull(KEYS_JDBC_USER), params.valueOrNull(KEYS_JDBC_PASSWORD));
        String where = jndiName != null ? "the DataSource " + jndiName : Jdbc.mask(url);
        try {
            // The reload thread starts at the end of init(), so a later bad param leaves none behind.
            JdbcApiKeyStore store = JdbcApiKeyStore.load(where, table, connections, reload, inline);
            ownedStore = store;
            return store;
        } catch (JdbcApiKeyStore.StartupException e) {
            throw new ServletException(NAME + ": " + e.getMessage());
        }
    }

    /** The application's DataSource named {@code jndiName}: {@code java:comp/env/<name>} unless the name starts with {@code java:}. */
    private static DataSource lookup(InitParams params, String jndiName) throws ServletException {
        try {
            return Jdbc.lookup(jndiName);
        } catch (IllegalArgumentException e) {
            throw params.invalid(KEYS_JDBC_DATASOURCE, jndiName, e.getMessage());
        }
    }

    /** The entries of the {@code keys} param, whose value (hashes, or a key pasted by mistake) no message shows. */
    private static List<ApiKeyEntry> inlineKeys(InitParams params) throws ServletException {
        String value = params.valueOrNull(KEYS);
        if (value == null) {
            return List.of();
        }
        try {
            List<ApiKeyEntry> entries = KeysParser.parseInline(value);
            KeyTable.of(entries);
            return entries;
        } catch (IllegalArgumentException e) {
            throw params.invalid(KEYS, "(hidden)", e.getMessage());
        }
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest req) || !(response instanceof HttpServletResponse resp)) {
            metrics.skipped();
            chain.doFilter(request, response);
            return;
        }
        String path = PathPatterns.pathOf(req);
        if (skipPaths.matches(req, path)) {
            metrics.skipped();
            passedWithoutKey(req);
            chain.doFilter(request, response);
            return;
        }
        ApiKeyEntry entry = acceptedBefore(req);
        if (entry == null && passedBefore(req)) {
            // Its error page (or async dispatch): the request was let through, so is its answer, not a 401.
            metrics.skipped();
            chain.doFilter(hiddenHeaders != null
                    ? new AuthenticatedRequest(req, null, hiddenHeaders, hideAuthorization, hiddenParameter) : request, response);
            return;
        }
        if (entry == null) {
            KeyCheck.Verdict verdict = check.check(req, path);
            if (verdict.answer()) {
                answerPreflight(req, resp);
                return;
            }
            if (verdict.rejection() != null && enforce) {
                metrics.rejected(verdict.rejection().code());
                reject(req, resp, verdict.rejection());
                return;
            }
            ApiKeyEntry passing = verdict.rejection() != null ? wouldReject(req, verdict) : verdict.accepted();
            if (passing == null) {
                if (verdict.rejection() == null) {
                    metrics.skipped();
                }
                passedWithoutKey(req);
                chain.doFilter(verdict.rejection() != null && hiddenHeaders != null
                        ? new AuthenticatedRequest(req, null, hiddenHeaders, hideAuthorization, hiddenParameter) : request, response);
                return;
            }
            if (verdict.rejection() == null) {
                metrics.accepted();
            }
            entry = accept(req, passing);
        } else {
            // A later dispatch of a request this filter accepted: counted once, when it was accepted.
            metrics.skipped();
        }
        proceed(req, resp, chain, entry);
    }

    /**
     * {@code preflight=answer}: 204 and no body, so that nothing of the application runs for a
     * request without a key. No CORS headers (the CORS filter's own, when one passes preflights
     * on: it has set them already) and no {@code Allow} (only the application knows its methods).
     */
    private void answerPreflight(HttpServletRequest req, HttpServletResponse resp) {
        metrics.answered();
        LOG.debug("Answered preflight {} {}", req.getMethod(), req.getRequestURI());
        if (!resp.isCommitted()) {
            resp.setStatus(HttpServletResponse.SC_NO_CONTENT);
        }
    }

    /**
     * On an {@code ASYNC} or {@code ERROR} dispatch of a request this filter accepted, the entry
     * of the last accepting filter; another key filter's acceptance never counts.
     */
    private ApiKeyEntry acceptedBefore(HttpServletRequest req) {
        DispatcherType dispatch = req.getDispatcherType();
        if ((dispatch == DispatcherType.ASYNC || dispatch == DispatcherType.ERROR)
                && req.getAttribute(acceptedAttribute) instanceof ApiKeyEntry accepted) {
            return req.getAttribute(KEY_ATTRIBUTE) instanceof ApiKeyEntry last ? last : accepted;
        }
        return null;
    }

    /** Remembers that this filter let the request through without a key on its REQUEST dispatch. */
    private void passedWithoutKey(HttpServletRequest req) {
        if (req.getDispatcherType() == DispatcherType.REQUEST) {
            req.setAttribute(passedAttribute, Boolean.TRUE);
        }
    }

    /**
     * On an {@code ASYNC} or {@code ERROR} dispatch, whether this filter let the request through
     * without a key on its REQUEST dispatch (a skip path, a preflight, report-only); another key
     * filter's pass never counts.
     */
    private boolean passedBefore(HttpServletRequest req) {
        DispatcherType dispatch = req.getDispatcherType();
        return (dispatch == DispatcherType.ASYNC || dispatch == DispatcherType.ERROR) && req.getAttribute(passedAttribute) != null;
    }

    private ApiKeyEntry accept(HttpServletRequest req, ApiKeyEntry entry) {
        entry.used(System.currentTimeMillis());
        req.setAttribute(acceptedAttribute, entry);
        req.setAttribute(KEY_ATTRIBUTE, entry);
        req.setAttribute(CLIENT_ID_ATTRIBUTE, entry.clientId());
        ClientIdentity.set(req, entry.identity());
        return entry;
    }

    private void proceed(HttpServletRequest req, HttpServletResponse resp, FilterChain chain, ApiKeyEntry entry)
            throws IOException, ServletException {
        String previous = MDC.get(MDC_KEY);
        MDC.put(MDC_KEY, entry.clientId());
        try {
            chain.doFilter(new AuthenticatedRequest(req, entry.clientId(), hiddenHeaders, hideAuthorization, hiddenParameter), resp);
        } finally {
            if (previous == null) {
                MDC.remove(MDC_KEY);
            } else {
                MDC.put(MDC_KEY, previous);
            }
        }
    }

    /**
     * Report-only mode: the one place where a request that would have been rejected is let
     * through. It is marked with {@value #WOULD_REJECT_ATTRIBUTE}, and each client (by its key's
     * client id, else by its address) and answer is logged at most once per {@link #REPORT_PERIOD};
     * never the key. A valid key that is only not allowed this method or path still names its
     * client (returned, to be accepted); a missing, unknown or expired key names none.
     */
    private ApiKeyEntry wouldReject(HttpServletRequest req, KeyCheck.Verdict verdict) {
        ApiError rejection = verdict.rejection();
        metrics.wouldReject(rejection.code());
        req.setAttribute(WOULD_REJECT_ATTRIBUTE, rejection.code());
        String who = verdict.refused() != null ? "client " + verdict.refused().clientId() : "address " + proxies.clientAddress(req);
        if (reported.first(rejection.code() + ' ' + who, REPORT_PERIOD)) {
            LOG.warn("Report-only: would have answered {} {} to {}; logged once a minute per client and answer",
                    rejection.status(), rejection.code(), who);
        }
        return ErrorCodes.ACCESS_DENIED.equals(rejection.code()) ? verdict.refused() : null;
    }

    private void reject(HttpServletRequest req, HttpServletResponse resp, ApiError error) throws IOException {
        LOG.debug("Rejected {} {}: {}", req.getMethod(), req.getRequestURI(), error.code());
        if (!renderer.render(req, resp, error)) {
            LOG.warn("Could not answer {}: response already committed", error.code());
        }
    }

    @Override
    public void destroy() {
        metrics.unregister();
        if (ownedStore != null) {
            ownedStore.close();
        }
    }

    /**
     * Configures an {@link ApiKeyFilter} in code; the defaults are those of the init-params, and
     * each value is checked by the rule of its init-param ({@link IllegalArgumentException}).
     */
    public static final class Builder {
        private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9-]+");
        private static final Pattern REALM_TEXT = Pattern.compile("[A-Za-z0-9 ._-]+");

        private final ApiKeyStore store;
        private List<String> headers = List.of(DEFAULT_HEADER);
        private boolean bearer;
        private String queryParam;
        private boolean hideCredentials;
        private Preflight preflight = Preflight.ANSWER;
        private boolean enforce = DEFAULT_ENFORCE;
        private PathPatterns skipPaths = PathPatterns.NONE;
        private String realm = DEFAULT_REALM;
        private ClientIpResolver proxies = ClientIpResolver.DIRECT;
        private Clock clock = Clock.systemUTC();

        Builder(ApiKeyStore store) {
            this.store = Objects.requireNonNull(store, "store");
        }

        /** The header(s) that carry the key: letters, digits and {@code -}; at least one. */
        public Builder headers(String... names) {
            if (names.length == 0) {
                throw new IllegalArgumentException("at least one key header is needed");
            }
            for (String header : names) {
                if (header == null || !HEADER_NAME.matcher(header).matches()) {
                    throw new IllegalArgumentException("header name [" + header + "] must be letters, digits and -");
                }
            }
            this.headers = List.of(names);
            return this;
        }

        public Builder bearer(boolean accept) {
            this.bearer = accept;
            return this;
        }

        /** Also accept the key in this query parameter; {@code null} for none. */
        public Builder queryParam(String name) {
            if (name != null && name.isBlank()) {
                throw new IllegalArgumentException("query parameter name must not be blank");
            }
            this.queryParam = name;
            return this;
        }

        public Builder hideCredentials(boolean hide) {
            this.hideCredentials = hide;
            return this;
        }

        /**
         * {@code false}: report-only; requests that would be rejected pass, marked with
         * {@value ApiKeyFilter#WOULD_REJECT_ATTRIBUTE} and logged.
         */
        public Builder enforce(boolean reject) {
            this.enforce = reject;
            return this;
        }

        /**
         * What becomes of a CORS preflight: {@code answer} (the default: 204, nothing of the
         * application runs), {@code pass} (on without a key; see the risk in the class doc) or
         * {@code check} (needs a key).
         */
        public Builder preflight(String mode) {
            this.preflight = Preflight.parse(mode);
            return this;
        }

        /** Url-patterns that need no key, comma-separated: {@code /health, /public/*}. */
        public Builder skipPaths(String patterns) {
            this.skipPaths = PathPatterns.parse(patterns);
            return this;
        }

        /** The realm of the challenge: letters, digits, space, {@code .}, {@code _} or {@code -}. */
        public Builder realm(String realm) {
            if (realm == null || !REALM_TEXT.matcher(realm).matches()) {
                throw new IllegalArgumentException("must be letters, digits, space, '.', '_' or '-'");
            }
            this.realm = realm;
            return this;
        }

        /**
         * The proxies whose {@code X-Forwarded-For} is believed, as in the rate-limit filter's
         * init-param: IPs or CIDRs, comma-separated ({@code 10.0.0.0/8, fd00::/8}); empty for none.
         * Only the report-only log uses it, to name the address of a request without a valid key.
         */
        public Builder trustedProxies(String addresses) {
            this.proxies = ClientIpResolver.fromParam(Objects.requireNonNull(addresses, "addresses"));
            return this;
        }

        /** The clock that decides expiry. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public ApiKeyFilter build() {
            return new ApiKeyFilter(this);
        }
    }
}
