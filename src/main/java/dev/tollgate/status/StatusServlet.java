package dev.tollgate.status;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.apikey.ApiKeyEntry;
import dev.tollgate.apikey.ApiKeyFilter;
import dev.tollgate.error.ApiError;
import dev.tollgate.error.ErrorCodes;
import dev.tollgate.error.ErrorRenderer;
import dev.tollgate.internal.ClientIpResolver;
import dev.tollgate.internal.InitParams;
import dev.tollgate.internal.StatusRegistry;
import dev.tollgate.internal.StatusSource;
import jakarta.servlet.GenericServlet;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The status page: what the Tollgate filters of this web application are doing, for an operator
 * in a browser (an HTML page that refreshes itself), for scripts ({@code status.json}) and for one
 * client ({@code client.json?id=...}). Map it under a path of its own:
 *
 * <pre>{@code
 * <servlet>
 *   <servlet-name>tollgate-status</servlet-name>
 *   <servlet-class>dev.tollgate.status.StatusServlet</servlet-class>
 *   <init-param><param-name>role</param-name><param-value>tollgate-admin</param-value></init-param>
 * </servlet>
 * <servlet-mapping>
 *   <servlet-name>tollgate-status</servlet-name>
 *   <url-pattern>/tollgate/*</url-pattern>
 * </servlet-mapping>
 * }</pre>
 *
 * <p>It shows every filter's counters since start and over the last minute, the rate limiters'
 * stores (circuit, last outage) and most-rejected clients, and the API keys loaded (client id,
 * plan, expiry, scopes, last use: never a key or a hash). It refuses to start unless it is
 * protected by at least one of: {@code role} (a role of the container's realm, with a
 * {@code <security-constraint>} that makes the container ask for a login), {@code require-api-key}
 * (a key filter over its path accepted a key whose {@code paths} name the page) and
 * {@code allow-remote=false} (connections from this host only). All that are set must hold; a
 * request that fails one gets a 401 or 403 in the application's error format and no data.
 *
 * <p>Read-only: {@code GET} and {@code HEAD}, anything else 405 with {@code Allow}. Every answer
 * says {@code Cache-Control: no-store}, {@code X-Frame-Options: DENY}, {@code nosniff} and a
 * {@code Content-Security-Policy} that lets the page run only its own inline script and style
 * (by their hashes) and fetch only from its own origin. Client ids and paths come from outside:
 * the page sets every value as text, never as markup.
 *
 * <p>The counters of the last minute are worked out from snapshots that one daemon thread
 * ({@code tollgate-status}) takes every 5 seconds; it stops at {@code destroy()}.
 */
public final class StatusServlet extends GenericServlet {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(StatusServlet.class);
    private static final String NAME = "StatusServlet";

    public static final String ROLE = "role";
    public static final String REQUIRE_API_KEY = "require-api-key";
    public static final String ALLOW_REMOTE = "allow-remote";
    public static final String REFRESH = "refresh";
    static final Set<String> PARAMS = Set.of(ROLE, REQUIRE_API_KEY, ALLOW_REMOTE, REFRESH);
    static final int DEFAULT_REFRESH_SECONDS = 5;
    /** The longest client id a lookup takes (a bucket key is at most a few hundred characters). */
    static final int MAX_LOOKUP_LENGTH = 512;

    private static final String ALLOW = "GET, HEAD";
    private static final String JSON_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    private transient String role;
    private transient boolean requireApiKey;
    private transient boolean allowRemote;
    private transient int refreshSeconds;
    private transient ErrorRenderer renderer;
    private transient StatusRegistry registry;
    private transient CounterHistory history;
    private transient ScheduledExecutorService sampler;
    private transient StatusPage page;
    private transient ObjectMapper json;

    @Override
    public void init() throws ServletException {
        InitParams params = InitParams.of(getServletConfig(), NAME, PARAMS);
        String roleParam = params.valueOrNull(ROLE);
        role = roleParam == null || roleParam.isBlank() ? null : roleParam.strip();
        requireApiKey = params.bool(REQUIRE_API_KEY, false);
        allowRemote = params.bool(ALLOW_REMOTE, true);
        refreshSeconds = params.integer(REFRESH, DEFAULT_REFRESH_SECONDS, 1, 3600);
        if (role == null && !requireApiKey && allowRemote) {
            throw new ServletException(NAME + ": no protection configured: the status page shows which clients are"
                    + " limited and which keys exist, so it starts only with at least one of init-param [" + ROLE
                    + "] (a role of the container's realm, with a <security-constraint>), [" + REQUIRE_API_KEY
                    + "]=true (an ApiKeyFilter over its path, and a key whose paths name it) or [" + ALLOW_REMOTE
                    + "]=false (connections from this host only)");
        }
        renderer = ErrorRenderer.forContext(getServletContext());
        registry = StatusRegistry.of(getServletContext());
        page = StatusPage.load(refreshSeconds);
        // Not Jackson's default buffer recycling: it keeps a recycler (a class of this application)
        // in a thread local of the container's request threads, which would outlive a redeploy.
        json = new ObjectMapper(JsonFactory.builder().recyclerPool(JsonRecyclerPools.newConcurrentDequePool()).build());
        history = new CounterHistory();
        history.sample(registry.sources(), System.currentTimeMillis());
        sampler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "tollgate-status");
            thread.setDaemon(true);
            return thread;
        });
        sampler.scheduleWithFixedDelay(this::sample, CounterHistory.SAMPLE_MILLIS, CounterHistory.SAMPLE_MILLIS,
                TimeUnit.MILLISECONDS);
        LOG.info("{} [{}]: protected by {}", NAME, getServletName(), protections());
    }

    private void sample() {
        try {
            history.sample(registry.sources(), System.currentTimeMillis());
        } catch (RuntimeException e) {
            // A filter's counters failed to read: the next sample tries again; the thread must not die.
            LOG.warn("{}: counters not sampled ({})", NAME, e.toString());
        }
    }

    private String protections() {
        List<String> all = new ArrayList<>();
        if (role != null) {
            all.add("role " + role);
        }
        if (requireApiKey) {
            all.add("an API key scoped to the page");
        }
        if (!allowRemote) {
            all.add("loopback connections only");
        }
        return String.join(", ", all);
    }

    @Override
    public void destroy() {
        ScheduledExecutorService running = sampler;
        if (running != null) {
            running.shutdownNow();
            try {
                if (!running.awaitTermination(2, TimeUnit.SECONDS)) {
                    LOG.warn("{}: the sampling thread did not stop within 2 s", NAME);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void service(ServletRequest request, ServletResponse response) throws ServletException, IOException {
        if (!(request instanceof HttpServletRequest req) || !(response instanceof HttpServletResponse resp)) {
            throw new ServletException(NAME + " answers HTTP requests only");
        }
        resp.setHeader("Cache-Control", "no-store");
        resp.setHeader("X-Frame-Options", "DENY");
        resp.setHeader("X-Content-Type-Options", "nosniff");
        resp.setHeader("Referrer-Policy", "no-referrer");
        resp.setHeader("Content-Security-Policy", JSON_CSP);
        ApiError refused = refusal(req);
        if (refused != null) {
            renderer.render(req, resp, refused);
            return;
        }
        String method = req.getMethod();
        if (!method.equals("GET") && !method.equals("HEAD")) {
            renderer.render(req, resp, ApiError.builder(405).code(ErrorCodes.METHOD_NOT_ALLOWED)
                    .message("The status page is read-only: " + ALLOW).header("Allow", ALLOW).build());
            return;
        }
        boolean head = method.equals("HEAD");
        String path = req.getPathInfo();
        if (path == null) {
            // Mapped as /tollgate/*, reached as /tollgate: the page's relative links need the slash. Built
            // from the mapped path, not the raw URI (//evil.example/..;/tollgate maps here on Tomcat).
            String query = req.getQueryString();
            resp.sendRedirect(req.getContextPath() + req.getServletPath() + "/" + (query == null ? "" : "?" + query));
            return;
        }
        switch (path) {
            case "/", "/index.html" -> {
                resp.setHeader("Content-Security-Policy", page.contentSecurityPolicy());
                send(resp, "text/html;charset=UTF-8", page.html(), head);
            }
            case "/status.json" -> send(resp, "application/json", json.writeValueAsBytes(status()), head);
            case "/client.json" -> {
                String id = req.getParameter("id");
                if (id == null || id.isBlank() || id.length() > MAX_LOOKUP_LENGTH) {
                    renderer.render(req, resp, ApiError.of(400, ErrorCodes.BAD_REQUEST,
                            "Query parameter id must name a client (1-" + MAX_LOOKUP_LENGTH + " characters)"));
                    return;
                }
                send(resp, "application/json", json.writeValueAsBytes(lookup(id.strip())), head);
            }
            default -> renderer.render(req, resp, ApiError.of(404, ErrorCodes.NOT_FOUND, "No such status resource"));
        }
    }

    /** Why {@code req} may not see the page, or {@code null} when every configured protection holds. */
    private ApiError refusal(HttpServletRequest req) {
        if (!allowRemote && !ClientIpResolver.isLoopback(req.getRemoteAddr())) {
            return ApiError.of(403, ErrorCodes.ACCESS_DENIED, "The status page answers connections from this host only");
        }
        if (role != null) {
            if (req.getUserPrincipal() == null) {
                return ApiError.of(401, ErrorCodes.AUTHENTICATION_REQUIRED, "Log in to see the status page");
            }
            if (!req.isUserInRole(role)) {
                return ApiError.of(403, ErrorCodes.ACCESS_DENIED, "Permission denied");
            }
        }
        if (requireApiKey) {
            if (!(req.getAttribute(ApiKeyFilter.KEY_ATTRIBUTE) instanceof ApiKeyEntry entry)) {
                return ApiError.of(401, ErrorCodes.MISSING_API_KEY, "An API key scoped to the status page is required");
            }
            // A key without path limits reaches every path: a partner's key, not an operator's. A key
            // filter in report-only mode lets a key through that is not allowed here (marked), and a
            // forward from a path the key may reach carries its entry: the key must name this path.
            String path = req.getServletPath() + (req.getPathInfo() == null ? "" : req.getPathInfo());
            if (entry.pathPrefixes().isEmpty() || req.getAttribute(ApiKeyFilter.WOULD_REJECT_ATTRIBUTE) != null
                    || !entry.allowsPath(path)) {
                return ApiError.of(403, ErrorCodes.ACCESS_DENIED, "Permission denied");
            }
        }
        return null;
    }

    private static void send(HttpServletResponse resp, String type, byte[] body, boolean head) throws IOException {
        resp.setStatus(200);
        resp.setContentType(type);
        resp.setContentLength(body.length);
        if (!head) {
            try (OutputStream out = resp.getOutputStream()) {
                out.write(body);
            }
        }
    }

    /** What {@code status.json} says: every filter, in the order they started. */
    Map<String, Object> status() {
        long now = System.currentTimeMillis();
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("generated_at", Instant.ofEpochMilli(now).toString());
        status.put("refresh_seconds", refreshSeconds);
        List<Map<String, Object>> filters = new ArrayList<>();
        for (StatusSource source : registry.sources()) {
            Map<String, Object> filter = new LinkedHashMap<>();
            filter.put("type", source.type());
            filter.put("name", source.name());
            filter.put("started_at", source.startedAt().toString());
            Map<String, Long> counters = source.counters();
            CounterHistory.Window window = history.lastMinute(source, counters, now);
            filter.put("window_seconds", window.seconds());
            Map<String, Object> table = new LinkedHashMap<>();
            counters.forEach((name, total) -> {
                Map<String, Long> cell = new LinkedHashMap<>();
                cell.put("last_minute", window.delta(name, total));
                cell.put("total", total);
                table.put(name, cell);
            });
            filter.put("counters", table);
            filter.putAll(source.details());
            filters.add(filter);
        }
        status.put("filters", filters);
        return status;
    }

    /** What {@code client.json} says of {@code id}: each filter that keeps something per client. */
    Map<String, Object> lookup(String id) {
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("client", id);
        answer.put("generated_at", Instant.now().toString());
        List<Map<String, Object>> filters = new ArrayList<>();
        for (StatusSource source : registry.sources()) {
            Map<String, Object> found = source.lookup(id);
            if (found != null) {
                Map<String, Object> filter = new LinkedHashMap<>();
                filter.put("type", source.type());
                filter.put("name", source.name());
                filter.putAll(found);
                filters.add(filter);
            }
        }
        answer.put("filters", filters);
        return answer;
    }

    /** The page: one HTML file with its script and style inline, and the policy that allows just them. */
    record StatusPage(byte[] html, String contentSecurityPolicy) {

        static StatusPage load(int refreshSeconds) throws ServletException {
            String text;
            try (InputStream in = StatusServlet.class.getResourceAsStream("status.html")) {
                if (in == null) {
                    throw new ServletException(NAME + ": status.html is missing from the jar");
                }
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new ServletException(NAME + ": status.html not readable", e);
            }
            text = text.replace("data-refresh=\"5\"", "data-refresh=\"" + refreshSeconds + "\"");
            String csp = "default-src 'none'; script-src " + hashOf(text, "script") + "; style-src " + hashOf(text, "style")
                    + "; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
            return new StatusPage(text.getBytes(StandardCharsets.UTF_8), csp);
        }

        /** The CSP source of the one inline {@code <tag>} of the page: {@code 'sha256-<base64>'} of its text. */
        static String hashOf(String html, String tag) throws ServletException {
            int open = html.indexOf("<" + tag + ">");
            int close = html.indexOf("</" + tag + ">");
            if (open < 0 || close < open || html.indexOf("<" + tag + ">", open + 1) >= 0) {
                throw new ServletException(NAME + ": status.html must hold exactly one <" + tag + "> element");
            }
            String body = html.substring(open + tag.length() + 2, close);
            try {
                byte[] digest = MessageDigest.getInstance("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8));
                return "'sha256-" + Base64.getEncoder().encodeToString(digest) + "'";
            } catch (NoSuchAlgorithmException e) {
                throw new ServletException(NAME + ": SHA-256 not available", e);
            }
        }
    }
}
