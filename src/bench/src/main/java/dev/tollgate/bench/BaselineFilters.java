package dev.tollgate.bench;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.MDC;

/**
 * Filters that are not Tollgate's, to tell what a filter costs the container from what its code
 * costs: one that only passes the request on, and one per Tollgate filter that asks of the
 * container and of the MDC what that filter asks on an allowed request (headers read, request
 * attributes, response headers, MDC entries, wrappers), with values made once, and nothing else.
 */
public final class BaselineFilters {

    private static final String ID = java.util.UUID.randomUUID().toString();
    private static final String CLIENT = "bench0";

    private BaselineFilters() {
    }

    /** Passes the request on. */
    public static final class PassThrough implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
            chain.doFilter(request, response);
        }
    }

    /** The request id filter's requests to the container and the MDC, with one id made at class load. */
    public static final class ContainerWork implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
            HttpServletRequest http = (HttpServletRequest) request;
            http.getHeader("X-Request-ID");
            http.getHeader("traceparent");
            request.setAttribute("dev.tollgate.request_id", ID);
            ((HttpServletResponse) response).setHeader("X-Request-ID", ID);
            MDC.put("request_id", ID);
            try {
                chain.doFilter(request, response);
            } finally {
                MDC.remove("request_id");
            }
        }
    }

    /** The error filter's: a request and a response wrapper (plain ones) around the rest of the chain. */
    public static final class ErrorsWork implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
            HttpServletRequest http = (HttpServletRequest) request;
            http.getDispatcherType();
            chain.doFilter(new HttpServletRequestWrapper(http), new HttpServletResponseWrapper((HttpServletResponse) response));
        }
    }

    /** The API key filter's: the key header, three request attributes, an MDC entry, a request wrapper. */
    public static final class KeyWork implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
            HttpServletRequest http = (HttpServletRequest) request;
            http.getDispatcherType();
            http.getHeader("X-API-KEY");
            request.setAttribute("dev.tollgate.apikey.accepted", ID);
            request.setAttribute("dev.tollgate.api_key", ID);
            request.setAttribute("dev.tollgate.client_id", CLIENT);
            MDC.put("client_id", CLIENT);
            try {
                chain.doFilter(new HttpServletRequestWrapper(http), response);
            } finally {
                MDC.remove("client_id");
            }
        }
    }

    /** The rate-limit filter's: the method, the client id attribute, three response headers of values made once. */
    public static final class LimitWork implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
            HttpServletRequest http = (HttpServletRequest) request;
            http.getMethod();
            request.getAttribute("dev.tollgate.client_id");
            HttpServletResponse resp = (HttpServletResponse) response;
            resp.setHeader("X-Throttle-Limit", "1000000000");
            resp.setHeader("X-Throttle-Remaining", "999999999");
            resp.setHeader("X-Throttle-Reset", "1796213000");
            chain.doFilter(request, response);
        }
    }

    /**
     * The floor of the whole chain: one hand-written filter doing the observable work of Tollgate's
     * four filters on an allowed request, with no Tollgate code: the {@code X-Request-ID} and
     * {@code traceparent} headers read, a new random id (from the thread's random, as a UUID) in the
     * request attribute, the {@code X-Request-ID} response header and the
     * MDC; the key header hashed with SHA-256 and looked up in a map of the keys' hashes (init-param
     * {@code keys}, {@code client:sha256hex} by commas, as the key filter's), confirmed in constant
     * time; the client id in two request attributes and the MDC; one token from the client's local
     * bucket4j bucket; the three {@code X-Throttle-*} headers from the probe. No wrappers: they are
     * not observable on an allowed request. What the chain costs above this is the cost of its
     * structure (four filters, wrappers, checks), not of the work.
     */
    public static final class Floor implements Filter {
        private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
            try {
                return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        });

        private record Key(String client, byte[] hash) {
        }

        private final Map<ByteBuffer, Key> keys = new HashMap<>();
        private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
        private final Bandwidth limit = Bandwidth.builder().capacity(1_000_000_000L).refillGreedy(1_000_000_000L, Duration.ofSeconds(1)).build();
        private final String limitText = Long.toString(limit.getCapacity());

        @Override
        public void init(FilterConfig config) {
            for (String entry : config.getInitParameter("keys").split(",")) {
                String[] parts = entry.strip().split(":");
                byte[] hash = HexFormat.of().parseHex(parts[1]);
                keys.put(ByteBuffer.wrap(hash), new Key(parts[0], hash));
            }
        }

        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
            HttpServletRequest http = (HttpServletRequest) request;
            HttpServletResponse resp = (HttpServletResponse) response;
            http.getHeader("X-Request-ID");
            // The request id filter reads it on every request: its trace id goes to the MDC when there is one.
            http.getHeader("traceparent");
            ThreadLocalRandom random = ThreadLocalRandom.current();
            String id = new UUID((random.nextLong() & ~0xF000L) | 0x4000L,
                    (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L).toString();
            request.setAttribute("dev.tollgate.request_id", id);
            resp.setHeader("X-Request-ID", id);
            String key = http.getHeader("X-API-KEY");
            byte[] hash = SHA256.get().digest(key.getBytes(StandardCharsets.UTF_8));
            Key found = keys.get(ByteBuffer.wrap(hash));
            if (found == null || !MessageDigest.isEqual(hash, found.hash())) {
                resp.sendError(401);
                return;
            }
            String client = found.client();
            request.setAttribute("dev.tollgate.client_id", client);
            request.setAttribute("dev.tollgate.api_key", client);
            Bucket bucket = buckets.computeIfAbsent(client, c -> Bucket.builder().addLimit(limit).build());
            ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
            if (!probe.isConsumed()) {
                resp.sendError(429);
                return;
            }
            resp.setHeader("X-Throttle-Limit", limitText);
            resp.setHeader("X-Throttle-Remaining", Long.toString(probe.getRemainingTokens()));
            resp.setHeader("X-Throttle-Reset", Long.toString((System.currentTimeMillis() + probe.getNanosToWaitForReset() / 1_000_000 + 999) / 1000));
            MDC.put("request_id", id);
            MDC.put("client_id", client);
            try {
                chain.doFilter(request, response);
            } finally {
                MDC.remove("client_id");
                MDC.remove("request_id");
            }
        }
    }
}
