package dev.tollgate.ratelimit.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tollgate.ratelimit.spi.SharedBucketStore.Options;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The sync params of a shared store as the README's table gives them: modes, and their defaults. */
class SyncOptionsTest {

    private static SyncMode read(Map<String, String> params) throws Exception {
        return Options.read(StoreSettings.of("redis", params::get, "RateLimitFilter [test]", "test", 100_000, nanos -> { }), "redis-").sync();
    }

    @Test
    void shouldDefaultEachModesIntervalAsDocumented() throws Exception {
        assertEquals(SyncMode.exact(), read(Map.of()));
        assertEquals(SyncMode.delayed(10, Duration.ofSeconds(1)), read(Map.of("redis-sync", "delayed")));
        assertEquals(SyncMode.batched(10, Duration.ofSeconds(10)), read(Map.of("redis-sync", "batched")));
        assertEquals(SyncMode.batched(3, Duration.ofMillis(250)),
                read(Map.of("redis-sync", "BATCHED", "redis-sync-tokens", "3", "redis-sync-interval", "250")));
    }
}
