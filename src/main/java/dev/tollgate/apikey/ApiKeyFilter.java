package dev.tollgate.apikey;

import dev.tollgate.ClientIdentity;
import dev.tollgate.config.InitParams;
import dev.tollgate.config.PathPatterns;
import dev.tollgate.config.PlanRegistry;
import dev.tollgate.error.ApiError;
import dev.tollgate.error.ErrorCodes;
import dev.tollgate.error.ErrorRenderer;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
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
 *   <li>{@code keys-file}: path of a keys file (see {@link FileApiKeyStore}); when absent, the
 *       environment variable {@code TOLLGATE_KEYS_FILE} or the system property
 *       {@code tollgate.keys-file}.</li>
 *   <li>{@code keys}: inline {@code client:sha256hex} entries; with a keys file, both are used, and
 *       a client id or a key in both is an error (at startup, and on a reload, which then keeps
 *       the previous keys). Startup errors name the entry's position, never the value.</li>
 *   <li>{@code reload-interval} (default {@code 5}): seconds between checks of the keys file for
 *       changes; {@code 0} never re-reads.</li>
 *   <li>{@code headers} (default {@code X-API-KEY}): the header(s) that carry the key.</li>
 *   <li>{@code bearer} (default {@code false}): also accept {@code Authorization: Bearer <key>}.</li>
 *   <li>{@code query-param} (default none): also accept the key in this query parameter. Off by
 *       default: URLs, and so keys, end up in access logs.</li>
 *   <li>{@code hide-credentials} (default {@code false}): the application does not see the key
 *       headers (or the bearer {@code Authorization} header) through any header getter, nor the
 *       {@code query-param} parameter ({@code getParameter*}, and {@code getQueryString} without
 *       its pairs). A later key filter still sees them.</li>
 *   <li>{@code skip-preflight} (default {@code true}): CORS preflight requests ({@code OPTIONS}
 *       with {@code Origin} and {@code Access-Control-Request-Method}) pass without a key.</li>
 *   <li>{@code skip-paths} (default none): paths that need no key, as servlet url-patterns:
 *       {@code /health}, {@code /public/*}, {@code *.css}. An extension pattern skips only requests
 *       the container maps by extension or to the default servlet, never one served through an
 *       exact or path mapping ({@code /api/users/42.css} under {@code /api/*}).</li>
 *   <li>{@code realm} (default {@code api}): the realm of the challenge.</li>
 * </ul>
 * Map it after the request id and error filters and before the rate-limit filter, which then
 * counts requests per client. Startup fails when a key names a plan that a rate-limit filter with
 * named plans does not define (whichever starts first); a keys-file reload that does is refused.
 *
 * <p>Several key filters (partner keys on {@code /*}, admin keys on {@code /admin/*}) each check
 * the request against their own keys: a key only another filter accepts is 401
 * {@code invalid_api_key}. The client seen by the application and the rate limiter is the last
 * accepting filter's. Only the same filter passes an {@code ASYNC} or {@code ERROR} dispatch of a
 * request it accepted without checking again.
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
    /** {@code getAuthType()} of an accepted request. */
    public static final String AUTH_TYPE = "API_KEY";

    static final String ENV_KEYS_FILE = "TOLLGATE_KEYS_FILE";
    static final String PROPERTY_KEYS_FILE = "tollgate.keys-file";
    static final Set<String> PARAMS = Set.of("keys-file", "keys", "reload-interval", "headers", "bearer",
            "query-param", "hide-credentials", "skip-preflight", "skip-paths", "realm");

    private static final Logger LOG = LoggerFactory.getLogger(ApiKeyFilter.class);
    private static final AtomicLong INSTANCES = new AtomicLong();
    private static final MessageDigest SHA256;

    static {
        try {
            SHA256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private ApiKeyStore store;
    private FileApiKeyStore ownedStore;
    private List<String> headers = List.of("X-API-KEY");
    private boolean bearer;
    private String queryParam;
    private boolean hideCredentials;
    private boolean skipPreflight = true;
    private PathPatterns skipPaths = PathPatterns.NONE;
    private Clock clock = Clock.systemUTC();
    private ErrorRenderer renderer;
    private ApiError missing;
    private ApiError invalid;
    private ApiError expired;
    private ApiError denied;
    private boolean configuredInCode;
    /** Request attribute that only this instance sets: the entry it accepted. */
    private final String acceptedAttribute = ApiKeyFilter.class.getName() + ".accepted." + INSTANCES.incrementAndGet();

    /** A filter configured by its init-params. */
    public ApiKeyFilter() {
    }

    private ApiKeyFilter(Builder b) {
        this.store = b.store;
        this.headers = b.headers;
        this.bearer = b.bearer;
        this.queryParam = b.queryParam;
        this.hideCredentials = b.hideCredentials;
        this.skipPreflight = b.skipPreflight;
        this.skipPaths = PathPatterns.parse(b.skipPaths);
        this.clock = b.clock;
        this.configuredInCode = true;
        prepare(b.realm);
    }

    /** A filter configured in code, checking keys in {@code store}. */
    public static Builder builder(ApiKeyStore store) {
        return new Builder(store);
    }

    @Override
    public void init(FilterConfig config) throws ServletException {
        if (!configuredInCode) {
            InitParams params = InitParams.of(config, "ApiKeyFilter", PARAMS);
            int reloadSeconds = params.integer("reload-interval", 5, 0, 86_400);
            store = openStore(params, Duration.ofSeconds(reloadSeconds));
            headers = params.list("headers").isEmpty() ? List.of("X-API-KEY") : params.list("headers");
            for (String header : headers) {
                if (!header.matches("[A-Za-z0-9-]+")) {
                    throw params.invalid("headers", params.raw("headers"), "header name [" + header + "] must be letters, digits and -");
                }
            }
            bearer = params.bool("bearer", false);
            queryParam = params.raw("query-param");
            hideCredentials = params.bool("hide-credentials", false);
            skipPreflight = params.bool("skip-preflight", true);
            skipPaths = params.parse("skip-paths", "", PathPatterns::parse);
            String realm = params.string("realm", "api");
            if (!realm.matches("[A-Za-z0-9 ._-]+")) {
                throw params.invalid("realm", realm, "must be letters, digits, space, '.', '_' or '-'");
            }
            prepare(realm);
        }
        renderer = ErrorRenderer.forContext(config.getServletContext());
        publishPlans(config);
        if (ownedStore != null) {
            ownedStore.startReloading();
        }
    }

    /** Every plan a key names must be defined by the rate-limit filters, whichever starts first. */
    private void publishPlans(FilterConfig config) throws ServletException {
        String owner = "ApiKeyFilter [" + config.getFilterName() + "]";
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
        String fileParam = params.raw("keys-file");
        String file = fileParam;
        String fileSource = "keys-file";
        if (file == null && System.getenv(ENV_KEYS_FILE) != null && !System.getenv(ENV_KEYS_FILE).isBlank()) {
            file = System.getenv(ENV_KEYS_FILE).strip();
            fileSource = "environment variable " + ENV_KEYS_FILE;
        }
        if (file == null && System.getProperty(PROPERTY_KEYS_FILE) != null && !System.getProperty(PROPERTY_KEYS_FILE).isBlank()) {
            file = System.getProperty(PROPERTY_KEYS_FILE).strip();
            fileSource = "system property " + PROPERTY_KEYS_FILE;
        }
        List<ApiKeyEntry> inline = inlineKeys(params);
        if (file == null) {
            if (inline.isEmpty()) {
                throw new ServletException("ApiKeyFilter: no keys configured; set init-param [keys-file] (or the "
                        + ENV_KEYS_FILE + " environment variable or the " + PROPERTY_KEYS_FILE
                        + " system property) or init-param [keys]");
            }
            return ApiKeyStore.of(inline);
        }
        try {
            // The reload thread starts at the end of init(), so a later bad param leaves none behind.
            ownedStore = FileApiKeyStore.load(Path.of(file), reload, inline);
        } catch (IllegalArgumentException e) {
            throw new ServletException("ApiKeyFilter: keys file from " + fileSource + " is invalid: " + e.getMessage());
        }
        return ownedStore;
    }

    /** The entries of the {@code keys} param, whose value (hashes, or a key pasted by mistake) no message shows. */
    private static List<ApiKeyEntry> inlineKeys(InitParams params) throws ServletException {
        String value = params.raw("keys");
        if (value == null) {
            return List.of();
        }
        try {
            List<ApiKeyEntry> entries = KeysParser.parseInline(value);
            KeyTable.of(entries);
            return entries;
        } catch (IllegalArgumentException e) {
            throw params.invalid("keys", "(hidden)", e.getMessage());
        }
    }

    /** The rejections, with their challenges, made once. */
    private void prepare(String realm) {
        missing = challenged(ApiError.builder(401).code(ErrorCodes.MISSING_API_KEY).message("Authentication required"), realm);
        invalid = challenged(ApiError.builder(401).code(ErrorCodes.INVALID_API_KEY).message("Invalid API key"), realm);
        expired = challenged(ApiError.builder(401).code(ErrorCodes.EXPIRED_API_KEY).message("API key expired"), realm);
        denied = ApiError.of(403, ErrorCodes.ACCESS_DENIED, "Permission denied");
    }

    private ApiError challenged(ApiError.Builder error, String realm) {
        error.header("WWW-Authenticate", "ApiKey realm=\"" + realm + "\", header=\"" + headers.get(0) + "\"");
        if (bearer) {
            error.header("WWW-Authenticate", "Bearer realm=\"" + realm + "\"");
        }
        return error.build();
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest req) || !(response instanceof HttpServletResponse resp)) {
            chain.doFilter(request, response);
            return;
        }
        String path = PathPatterns.pathOf(req);
        if ((skipPreflight && isPreflight(req)) || skipPaths.matches(req, path)) {
            chain.doFilter(request, response);
            return;
        }
        DispatcherType dispatch = req.getDispatcherType();
        if ((dispatch == DispatcherType.ASYNC || dispatch == DispatcherType.ERROR)
                && req.getAttribute(acceptedAttribute) instanceof ApiKeyEntry accepted) {
            // This filter accepted the request before; another key filter's acceptance never counts.
            proceed(req, resp, chain, req.getAttribute(KEY_ATTRIBUTE) instanceof ApiKeyEntry last ? last : accepted);
            return;
        }
        String key = presentedKey(req);
        if (key == null) {
            reject(req, resp, missing);
            return;
        }
        ApiKeyEntry entry = key == AMBIGUOUS || !ApiKeys.isPlausible(key) ? null : store.find(hash(key));
        if (entry == null) {
            reject(req, resp, invalid);
            return;
        }
        // Only keys with an expiry need the time.
        if (entry.expiresAt() != null && entry.isExpired(clock.instant())) {
            reject(req, resp, expired);
            return;
        }
        if (!entry.allowsMethod(req.getMethod()) || !entry.allowsPath(path)) {
            LOG.debug("Key of client {} not allowed {} {}", entry.clientId(), req.getMethod(), path);
            reject(req, resp, denied);
            return;
        }
        req.setAttribute(acceptedAttribute, entry);
        req.setAttribute(KEY_ATTRIBUTE, entry);
        req.setAttribute(CLIENT_ID_ATTRIBUTE, entry.clientId());
        ClientIdentity.set(req, entry.identity());
        proceed(req, resp, chain, entry);
    }

    private void proceed(HttpServletRequest req, HttpServletResponse resp, FilterChain chain, ApiKeyEntry entry)
            throws IOException, ServletException {
        String previous = MDC.get(MDC_KEY);
        MDC.put(MDC_KEY, entry.clientId());
        try {
            chain.doFilter(new AuthenticatedRequest(req, entry.clientId(), hideCredentials ? headers : null,
                    hideCredentials && bearer, hideCredentials ? queryParam : null), resp);
        } finally {
            if (previous == null) {
                MDC.remove(MDC_KEY);
            } else {
                MDC.put(MDC_KEY, previous);
            }
        }
    }

    private void reject(HttpServletRequest req, HttpServletResponse resp, ApiError error) throws IOException {
        LOG.debug("Rejected {} {}: {}", req.getMethod(), req.getRequestURI(), error.code());
        if (!renderer.render(req, resp, error)) {
            LOG.warn("Could not answer {}: response already committed", error.code());
        }
    }

    /** Marks a request that presented more than one key. */
    private static final String AMBIGUOUS = new String("ambiguous");

    /** The one key presented, {@code null} if none (or only empty ones), {@link #AMBIGUOUS} if several. */
    private String presentedKey(HttpServletRequest request) {
        // An earlier key filter's hide-credentials hides the key from the application, not from this filter.
        HttpServletRequest req = AuthenticatedRequest.unwrap(request);
        String found = null;
        int count = 0;
        for (String header : headers) {
            Enumeration<String> values = req.getHeaders(header);
            while (values != null && values.hasMoreElements()) {
                String value = values.nextElement().strip();
                if (!value.isEmpty()) {
                    found = value;
                    count++;
                }
            }
        }
        if (bearer) {
            Enumeration<String> values = req.getHeaders("Authorization");
            while (values != null && values.hasMoreElements()) {
                String value = values.nextElement().strip();
                if (value.regionMatches(true, 0, "Bearer ", 0, 7) && !value.substring(7).isBlank()) {
                    found = value.substring(7).strip();
                    count++;
                }
            }
        }
        if (queryParam != null) {
            for (String value : queryValues(req.getQueryString(), queryParam)) {
                if (!value.isEmpty()) {
                    found = value;
                    count++;
                }
            }
        }
        return count > 1 ? AMBIGUOUS : found;
    }

    /** Values of {@code name} in the query string only (never the body, which getParameter would read). */
    static List<String> queryValues(String query, String name) {
        if (query == null || query.isEmpty()) {
            return List.of();
        }
        List<String> values = new ArrayList<>(1);
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (decode(key).equals(name)) {
                values.add(eq < 0 ? "" : decode(pair.substring(eq + 1)));
            }
        }
        return values;
    }

    static String decode(String text) {
        try {
            return java.net.URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    private static byte[] hash(String key) {
        MessageDigest digest;
        try {
            digest = (MessageDigest) SHA256.clone();
        } catch (CloneNotSupportedException e) {
            return ApiKeys.sha256(key);
        }
        return digest.digest(key.getBytes(StandardCharsets.UTF_8));
    }

    private static boolean isPreflight(HttpServletRequest req) {
        return "OPTIONS".equals(req.getMethod()) && req.getHeader("Origin") != null
                && req.getHeader("Access-Control-Request-Method") != null;
    }

    @Override
    public void destroy() {
        if (ownedStore != null) {
            ownedStore.close();
        }
    }

    /** Configures an {@link ApiKeyFilter} in code; the defaults are those of the init-params. */
    public static final class Builder {
        private final ApiKeyStore store;
        private List<String> headers = List.of("X-API-KEY");
        private boolean bearer;
        private String queryParam;
        private boolean hideCredentials;
        private boolean skipPreflight = true;
        private String skipPaths = "";
        private String realm = "api";
        private Clock clock = Clock.systemUTC();

        Builder(ApiKeyStore store) {
            this.store = java.util.Objects.requireNonNull(store, "store");
        }

        public Builder headers(String... names) {
            this.headers = List.of(names);
            return this;
        }

        public Builder bearer(boolean accept) {
            this.bearer = accept;
            return this;
        }

        public Builder queryParam(String name) {
            this.queryParam = name;
            return this;
        }

        public Builder hideCredentials(boolean hide) {
            this.hideCredentials = hide;
            return this;
        }

        public Builder skipPreflight(boolean skip) {
            this.skipPreflight = skip;
            return this;
        }

        /** Url-patterns that need no key, comma-separated: {@code /health, /public/*}. */
        public Builder skipPaths(String patterns) {
            this.skipPaths = patterns;
            return this;
        }

        public Builder realm(String realm) {
            this.realm = realm;
            return this;
        }

        /** The clock that decides expiry. */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        public ApiKeyFilter build() {
            if (headers.isEmpty()) {
                throw new IllegalArgumentException("at least one key header is needed");
            }
            return new ApiKeyFilter(this);
        }
    }

}
