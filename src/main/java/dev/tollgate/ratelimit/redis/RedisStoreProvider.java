package dev.tollgate.ratelimit.redis;

import dev.tollgate.ratelimit.spi.BucketStore;
import dev.tollgate.ratelimit.spi.SharedBucketStore.Options;
import dev.tollgate.ratelimit.spi.StoreProvider;
import dev.tollgate.ratelimit.spi.StoreSettings;
import jakarta.servlet.ServletException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;

/**
 * {@code store=redis}: the Redis store and its {@code redis-*} init-params. Lettuce and
 * bucket4j's Lettuce module are optional dependencies: this class refers to neither, so the
 * filter can load it to learn its params when another store is chosen, and only opening a store
 * needs them.
 */
public final class RedisStoreProvider implements StoreProvider {

    static final String URI = "redis-uri";
    static final String KEY_PREFIX = "redis-key-prefix";
    static final String MODE = "redis-mode";
    static final String CA_FILE = "redis-ca-file";
    static final String DEFAULT_KEY_PREFIX = "tollgate:";
    static final String DEFAULT_MODE = "standalone";
    private static final Set<String> PARAMS = Options.params("redis-", URI, KEY_PREFIX, MODE, CA_FILE);

    @Override
    public Set<String> params() {
        return PARAMS;
    }

    @Override
    public BucketStore open(StoreSettings settings) throws ServletException {
        String uri = settings.valueOrNull(URI);
        if (uri == null) {
            throw settings.required(URI, "redis://127.0.0.1:6379/0");
        }
        String prefix = settings.string(KEY_PREFIX, DEFAULT_KEY_PREFIX);
        Options options = Options.read(settings, "redis-");
        boolean cluster = settings.choice(MODE, DEFAULT_MODE, Set.of("standalone", "cluster")).equals("cluster");
        List<X509Certificate> trustedCas = null;
        String caFile = settings.valueOrNull(CA_FILE);
        if (caFile != null) {
            if (!uri.regionMatches(true, 0, "rediss://", 0, 9) && !uri.regionMatches(true, 0, "rediss-sentinel://", 0, 18)) {
                throw settings.invalid(CA_FILE, caFile, "is for TLS, so redis-uri must start with rediss:// (or rediss-sentinel://)");
            }
            trustedCas = settings.parse(CA_FILE, null, CaCertificates::read);
        }
        try {
            // Each filter instance has its own keys: the namespace ends the prefix.
            return RedisBucketStore.open(uri, cluster, trustedCas, prefix + settings.namespace() + ":", options,
                    settings.storeLatency(), settings.maxClients());
        } catch (IllegalArgumentException e) {
            throw settings.invalid(URI, mask(uri), e.getMessage());
        } catch (LinkageError e) {
            throw settings.failure("store=redis needs io.lettuce:lettuce-core and com.bucket4j:bucket4j_jdk17-lettuce on the classpath ("
                    + e + ")");
        }
    }

    /** {@code uri} with any password hidden, for messages. */
    static String mask(String uri) {
        return uri.replaceAll("//[^@/]*@", "//***@");
    }
}
