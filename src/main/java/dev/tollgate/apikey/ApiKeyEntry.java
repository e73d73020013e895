package dev.tollgate.apikey;

import dev.tollgate.ClientIdentity;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One API key: the client it belongs to (a name the application and the logs may see), the
 * SHA-256 of the key, and optional limits: an expiry time, the HTTP methods it may use (a read-only
 * key: GET, HEAD, OPTIONS), the path prefixes it may reach, and the rate-limit plan of its client.
 * Immutable; {@link #toString()} never shows the hash.
 */
public final class ApiKeyEntry {

    private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
    private static final Pattern PLAN = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final String clientId;
    private final byte[] hash;
    private final Instant expiresAt;
    private final Set<String> methods;
    private final List<String> pathPrefixes;
    private final String plan;
    private final ClientIdentity identity;
    private final KeyCheck.Verdict accepted;
    /** When the key was last accepted (Unix millis, to the second), 0 if not yet; for the status page. */
    private volatile long lastUsedMillis;

    private ApiKeyEntry(Builder b) {
        this.clientId = b.clientId;
        this.hash = b.hash;
        this.expiresAt = b.expiresAt;
        this.methods = b.methods;
        this.pathPrefixes = b.pathPrefixes;
        this.plan = b.plan;
        this.identity = ClientIdentity.of(clientId, plan, ApiKeyFilter.IDENTITY_METHOD);
        this.accepted = new KeyCheck.Verdict(this, null);
    }

    /** An entry for {@code clientId} whose key hashes to {@code sha256}. */
    public static Builder builder(String clientId, byte[] sha256) {
        return new Builder(clientId, sha256);
    }

    public String clientId() {
        return clientId;
    }

    byte[] hash() {
        return hash;
    }

    /** When the key stops working, or {@code null} if never. */
    public Instant expiresAt() {
        return expiresAt;
    }

    /** The methods the key may use (upper case), or empty for any method. */
    public Set<String> methods() {
        return methods;
    }

    /** The path prefixes the key may reach, or empty for any path. */
    public List<String> pathPrefixes() {
        return pathPrefixes;
    }

    /** The rate-limit plan of the client, or {@code null} for the default plan. */
    public String plan() {
        return plan;
    }

    /** The verdict that accepts this key, made once so that accepting allocates nothing. */
    KeyCheck.Verdict accepted() {
        return accepted;
    }

    /** The identity that an accepted key gives its request, made once. */
    ClientIdentity identity() {
        return identity;
    }

    /** When a request with this key was last accepted (to about a second), or {@code null} if none was since it was loaded. */
    public Instant lastUsed() {
        long millis = lastUsedMillis;
        return millis == 0 ? null : Instant.ofEpochMilli(millis);
    }

    /**
     * Notes that the key was accepted at {@code nowMillis}. Written at most once a second, so that
     * a busy key's requests do not all write one shared field.
     */
    void used(long nowMillis) {
        if (nowMillis - lastUsedMillis >= 1000) {
            lastUsedMillis = nowMillis;
        }
    }

    /** Takes over the last use of {@code previous}, the same key before a reload. */
    void usedAsBefore(ApiKeyEntry previous) {
        lastUsedMillis = Math.max(lastUsedMillis, previous.lastUsedMillis);
    }

    public boolean isExpired(Instant now) {
        return expiresAt != null && !now.isBefore(expiresAt);
    }

    public boolean allowsMethod(String method) {
        return methods.isEmpty() || methods.contains(method);
    }

    /**
     * Whether {@code path} (within the application, decoded and normalised by the container) is
     * under one of the prefixes, on a segment boundary: {@code /api/read} allows
     * {@code /api/read} and {@code /api/read/x}, not {@code /api/readme}.
     */
    public boolean allowsPath(String path) {
        if (pathPrefixes.isEmpty()) {
            return true;
        }
        for (String prefix : pathPrefixes) {
            if (path.startsWith(prefix)
                    && (path.length() == prefix.length() || prefix.endsWith("/") || path.charAt(prefix.length()) == '/')) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "ApiKeyEntry[client=" + clientId + ", expires=" + expiresAt + ", methods=" + methods
                + ", paths=" + pathPrefixes + ", plan=" + plan + "]";
    }

    /** Builds an {@link ApiKeyEntry}; every value is checked with a message that states the rule. */
    public static final class Builder {
        private final String clientId;
        private final byte[] hash;
        private Instant expiresAt;
        private Set<String> methods = Set.of();
        private List<String> pathPrefixes = List.of();
        private String plan;

        Builder(String clientId, byte[] sha256) {
            Objects.requireNonNull(clientId, "clientId");
            if (!CLIENT_ID.matcher(clientId).matches()) {
                // Not repeated: a wrong value may be a key written in the wrong place.
                throw new IllegalArgumentException("client id must be 1-64 characters of [A-Za-z0-9._@-]");
            }
            if (sha256 == null || sha256.length != 32) {
                throw new IllegalArgumentException("hash must be a SHA-256 (32 bytes)");
            }
            this.clientId = clientId;
            this.hash = Arrays.copyOf(sha256, 32);
        }

        public Builder expiresAt(Instant expiresAt) {
            this.expiresAt = expiresAt;
            return this;
        }

        public Builder methods(Set<String> methods) {
            Set<String> upper = new LinkedHashSet<>();
            for (String method : methods) {
                if (!method.matches("[A-Za-z]+")) {
                    throw new IllegalArgumentException("method [" + method + "] must be letters only, like GET");
                }
                upper.add(method.toUpperCase(Locale.ROOT));
            }
            this.methods = Set.copyOf(upper);
            return this;
        }

        public Builder pathPrefixes(List<String> prefixes) {
            for (String prefix : prefixes) {
                if (!prefix.startsWith("/")) {
                    throw new IllegalArgumentException("path prefix [" + prefix + "] must start with /");
                }
            }
            this.pathPrefixes = List.copyOf(prefixes);
            return this;
        }

        public Builder plan(String plan) {
            if (plan != null && !PLAN.matcher(plan).matches()) {
                throw new IllegalArgumentException("plan [" + plan + "] must be 1-64 characters of [A-Za-z0-9_-]");
            }
            this.plan = plan;
            return this;
        }

        public ApiKeyEntry build() {
            return new ApiKeyEntry(this);
        }
    }
}
