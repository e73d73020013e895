package dev.tollgate.bench;

import dev.tollgate.apikey.ApiKeyEntry;
import dev.tollgate.apikey.ApiKeyStore;
import dev.tollgate.apikey.ApiKeys;
import dev.tollgate.error.ApiError;
import dev.tollgate.error.ErrorCodes;
import dev.tollgate.error.ErrorFormat;
import dev.tollgate.error.ErrorRenderer;
import dev.tollgate.error.FieldErrors;
import dev.tollgate.ratelimit.BenchLimiter;
import dev.tollgate.RequestIds;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/** The parts: request-id generation, the key check, the local store at several sizes, each format. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PartBenchmarks {

    @Benchmark
    @Threads(1)
    public String requestIdOneThread() {
        return RequestIds.generate();
    }

    @Benchmark
    @Threads(2)
    public String requestIdTwoThreads() {
        return RequestIds.generate();
    }

    @Benchmark
    @Threads(2)
    public String uuidRandomTwoThreads() {
        return java.util.UUID.randomUUID().toString();
    }

    /** The key check: hash the presented key, look it up among 1000 keys, confirm in constant time. */
    @State(Scope.Benchmark)
    public static class Keys {
        ApiKeyStore store;
        String key;

        @Setup
        public void setUp() {
            List<ApiKeyEntry> entries = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                entries.add(ApiKeyEntry.builder("client-" + i, ApiKeys.sha256("key-" + i)).build());
            }
            store = ApiKeyStore.of(entries);
            key = "key-500";
        }
    }

    @Benchmark
    public ApiKeyEntry keyCheck(Keys keys) {
        return keys.store.find(ApiKeys.sha256(keys.key));
    }

    /** The local store with {@code clients} distinct clients in turn. */
    @State(Scope.Thread)
    public static class Store {
        @Param({"1", "10000", "1000000"})
        int clients;
        BenchLimiter limiter;
        String[] keys;
        int next;

        @Setup
        public void setUp() {
            limiter = BenchLimiter.local("1000000000/1s", 2_000_000);
            keys = new String[clients];
            for (int i = 0; i < clients; i++) {
                keys[i] = "ip:10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
            }
        }
    }

    @Benchmark
    public boolean localStore(Store store) {
        String key = store.keys[store.next];
        store.next = store.next + 1 == store.clients ? 0 : store.next + 1;
        return store.limiter.tryConsume(key);
    }

    /** One validation error rendered by each format. */
    @State(Scope.Benchmark)
    public static class Formats {
        @Param({"igny8", "problem", "netpulse", "netilion", "ozforensics"})
        String format;
        ErrorFormat errorFormat;
        ApiError error;

        @Setup
        public void setUp() {
            errorFormat = ErrorRenderer.builtInFormat(format);
            error = ApiError.builder(400).code(ErrorCodes.VALIDATION_FAILED).message("Validation failed")
                    .fieldErrors(FieldErrors.builder().add("email", "required", "This field is required").build())
                    .requestId("550e8400-e29b-41d4-a716-446655440000").method("POST").path("/api/v1/users")
                    .timestamp(Instant.parse("2020-05-29T10:13:22Z")).build();
        }
    }

    @Benchmark
    public byte[] format(Formats formats) {
        return formats.errorFormat.write(formats.error);
    }
}
