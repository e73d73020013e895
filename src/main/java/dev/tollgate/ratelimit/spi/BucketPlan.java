package dev.tollgate.ratelimit.spi;

import io.github.bucket4j.BucketConfiguration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * What a store needs of a plan: its name, which is part of every bucket key, and its limits as
 * bucket4j's configuration. The rate-limit filter makes one per plan at startup and passes the
 * same instance on every call, so a store may keep per-plan state in an identity-keyed map.
 */
public final class BucketPlan {

    private final String name;
    private final String keyPrefix;
    private final BucketConfiguration configuration;
    private final Supplier<CompletableFuture<BucketConfiguration>> asyncConfiguration;
    private final String limits;

    /**
     * A plan called {@code name} (letters, digits, {@code _} and {@code -}: never {@code :}) with
     * {@code configuration}; {@code limits} is the canonical text of its limits
     * ({@code 100/1m, 5000/1d}), the same on every node that has the same limits.
     */
    public BucketPlan(String name, BucketConfiguration configuration, String limits) {
        this.name = Objects.requireNonNull(name, "name");
        if (name.indexOf(':') >= 0) {
            throw new IllegalArgumentException("a plan name must not contain ':'");
        }
        this.keyPrefix = name + ":";
        this.configuration = Objects.requireNonNull(configuration, "configuration");
        this.limits = Objects.requireNonNull(limits, "limits");
        CompletableFuture<BucketConfiguration> done = CompletableFuture.completedFuture(configuration);
        this.asyncConfiguration = () -> done;
    }

    public String name() {
        return name;
    }

    /** {@code <name>:}: a bucket's key is this and the client key, so a client whose plan changes starts a new bucket. */
    public String keyPrefix() {
        return keyPrefix;
    }

    /** The limits as bucket4j's configuration, one bandwidth per limit, each with its period as id. */
    public BucketConfiguration configuration() {
        return configuration;
    }

    /** {@link #configuration()} for bucket4j's asynchronous proxies; the same completed future every time. */
    public Supplier<CompletableFuture<BucketConfiguration>> asyncConfiguration() {
        return asyncConfiguration;
    }

    /** The canonical text of the limits, e.g. {@code 100/1m, 5000/1d}: equal limits, equal text. */
    public String limits() {
        return limits;
    }

    @Override
    public String toString() {
        return name + ": " + limits;
    }
}
