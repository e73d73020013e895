package dev.tollgate.ratelimit.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisURI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the store reads {@code redis-uri}: as Lettuce's clients do, for one Redis, Sentinel and a cluster. */
class RedisUriTest {

    @Test
    void shouldReadEverySeedNodeOfAClusterWithThePasswordAndTls() {
        List<RedisURI> seeds = RedisBucketStore.parseClusterUri("rediss://:s3cret@h1:7000,h2:7001,h3");
        assertEquals(List.of("h1:7000", "h2:7001", "h3:6379"), seeds.stream().map(s -> s.getHost() + ":" + s.getPort()).toList());
        for (RedisURI seed : seeds) {
            assertEquals("s3cret", new String(seed.getCredentialsProvider().resolveCredentials().block().getPassword()));
            assertTrue(seed.isSsl(), seed::toString);
        }
    }

    @Test
    void shouldReadTheSentinelsTheDatabaseAndTheMasterName() {
        RedisURI uri = RedisBucketStore.parseUri("redis-sentinel://:s3cret@s1:26379,s2:26380/2#mymaster");
        assertEquals(List.of("s1:26379", "s2:26380"), uri.getSentinels().stream().map(s -> s.getHost() + ":" + s.getPort()).toList());
        assertEquals("mymaster", uri.getSentinelMasterId());
        assertEquals(2, uri.getDatabase());
    }
}
