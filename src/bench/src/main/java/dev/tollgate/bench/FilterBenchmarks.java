package dev.tollgate.bench;

import dev.tollgate.apikey.ApiKeyFilter;
import dev.tollgate.apikey.ApiKeys;
import dev.tollgate.error.ErrorRenderingFilter;
import dev.tollgate.ratelimit.RateLimitFilter;
import dev.tollgate.requestid.RequestIdFilter;
import dev.tollgate.testing.Fakes;
import dev.tollgate.testing.LightChain;
import dev.tollgate.testing.LightHttp;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletContext;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Each filter's {@code doFilter} on an allowed and a rejected request, with light request and
 * response objects and a chain that does nothing (or throws, for the rendered 500). Run with
 * {@code -prof gc} for bytes per operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class FilterBenchmarks {

    static final String KEY = "tg_bench-key-0123456789abcdefghijklmnopqrstuvwxyz";
    static final String TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private final LightHttp.Request request = new LightHttp.Request();
    private final LightHttp.Response response = new LightHttp.Response();
    private final FilterChain pass = (req, res) -> { };
    private final FilterChain boom = (req, res) -> {
        throw new IllegalStateException("failure");
    };

    private Filter requestId;
    private Filter errors;
    private Filter apiKey;
    private Filter rateLimit;
    private Filter rateLimited;
    private Filter chainRateLimit;
    private LightChain fullChain;

    @Setup
    public void setUp() throws Exception {
        ServletContext context = Fakes.context(Map.of());
        requestId = new RequestIdFilter();
        requestId.init(Fakes.filterConfig("bench", Map.of(), context));
        errors = new ErrorRenderingFilter();
        errors.init(Fakes.filterConfig("bench", Map.of(), context));
        apiKey = new ApiKeyFilter();
        apiKey.init(Fakes.filterConfig("bench", Map.of("keys", "bench:" + ApiKeys.sha256Hex(KEY)), context));
        rateLimit = new RateLimitFilter();
        rateLimit.init(Fakes.filterConfig("bench", Map.of("limits", "1000000000/1s", "key-by", "ip"), context));
        rateLimited = new RateLimitFilter();
        rateLimited.init(Fakes.filterConfig("bench", Map.of("limits", "1/1h", "key-by", "ip"), context));
        // The chain as the README's web.xml has it: counted per API-key client, two limits.
        chainRateLimit = new RateLimitFilter();
        chainRateLimit.init(Fakes.filterConfig("chain", Map.of("limits", "1000000000/1s, 1000000000/1d"), context));
        fullChain = new LightChain(new Filter[] {requestId, errors, apiKey, chainRateLimit}, pass);
    }

    private LightHttp.Request fresh(String key) {
        request.reset();
        response.reset();
        if (key != null) {
            request.header("X-API-KEY", key);
        }
        return request;
    }

    @Benchmark
    public int requestIdAllowed() throws Exception {
        requestId.doFilter(fresh(null), response, pass);
        return response.getStatus();
    }

    @Benchmark
    public int requestIdWithTraceparent() throws Exception {
        LightHttp.Request traced = fresh(null);
        traced.header("traceparent", TRACEPARENT);
        requestId.doFilter(traced, response, pass);
        return response.getStatus();
    }

    @Benchmark
    public int errorsPassThrough() throws Exception {
        errors.doFilter(fresh(null), response, pass);
        return response.getStatus();
    }

    @Benchmark
    public int errorsRendered500() throws Exception {
        errors.doFilter(fresh(null), response, boom);
        return response.getStatus();
    }

    @Benchmark
    public int apiKeyAllowed() throws Exception {
        apiKey.doFilter(fresh(KEY), response, pass);
        return response.getStatus();
    }

    @Benchmark
    public int apiKeyRejected401() throws Exception {
        apiKey.doFilter(fresh("tg_wrong-key"), response, pass);
        return response.getStatus();
    }

    @Benchmark
    public int rateLimitAllowed() throws Exception {
        rateLimit.doFilter(fresh(null), response, pass);
        return response.getStatus();
    }

    @Benchmark
    public int rateLimitRejected429() throws Exception {
        rateLimited.doFilter(fresh(null), response, pass);
        return response.getStatus();
    }

    /** Request id, errors, API key and rate limit in front of a servlet that does nothing: the allowed path. */
    @Benchmark
    public int fullChainAllowed() throws Exception {
        fullChain.run(fresh(KEY), response);
        return response.getStatus();
    }
}
