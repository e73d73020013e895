package dev.tollgate.internal;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;

/**
 * Says yes to the first call for a key, then no until that key's period has passed: what keeps a
 * report-only filter from logging a client on every request. Bounded: beyond {@code maxKeys} the
 * least recently used keys are forgotten (so a flood of distinct clients costs no more memory,
 * only a few more log lines). Thread-safe. Not API: the filters' packages share it.
 */
public final class OncePerPeriod {

    private final Cache<String, Duration> seen;

    private OncePerPeriod(int maxKeys, Ticker ticker) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("max keys [" + maxKeys + "] must be at least 1");
        }
        this.seen = Caffeine.newBuilder()
                .maximumSize(maxKeys)
                .expireAfter(Expiry.creating((String key, Duration period) -> period))
                .ticker(ticker)
                // Maintenance on the calling thread, as the local bucket store does.
                .executor(Runnable::run)
                .build();
    }

    /** A gate remembering at most {@code maxKeys} keys, on the system clock. */
    public static OncePerPeriod create(int maxKeys) {
        return new OncePerPeriod(maxKeys, Ticker.systemTicker());
    }

    /** A gate on {@code nanoTime}, for tests. */
    static OncePerPeriod create(int maxKeys, Ticker nanoTime) {
        return new OncePerPeriod(maxKeys, nanoTime);
    }

    /** True the first time {@code key} is seen in {@code period} (positive), false within it. */
    public boolean first(String key, Duration period) {
        return seen.asMap().putIfAbsent(key, period) == null;
    }

    /** How many keys are remembered now, after pending evictions. */
    long size() {
        seen.cleanUp();
        return seen.estimatedSize();
    }
}
