package dev.tollgate.apikey;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** An immutable set of keys by hash; the lookup is confirmed with a constant-time comparison. */
final class KeyTable implements ApiKeyStore {

    static final KeyTable EMPTY = new KeyTable(Map.of());

    private final Map<ByteBuffer, ApiKeyEntry> byHash;
    private final Set<String> plans;
    private final Map<String, String> plansByClient;

    private KeyTable(Map<ByteBuffer, ApiKeyEntry> byHash) {
        this.byHash = byHash;
        Set<String> names = new HashSet<>();
        Map<String, String> byClient = new HashMap<>();
        for (ApiKeyEntry entry : byHash.values()) {
            if (entry.plan() != null) {
                names.add(entry.plan());
                byClient.put(entry.clientId(), entry.plan());
            }
        }
        this.plans = Set.copyOf(names);
        this.plansByClient = Map.copyOf(byClient);
    }

    @Override
    public Map<String, String> plansByClient() {
        return plansByClient;
    }

    @Override
    public Set<String> plans() {
        return plans;
    }

    static KeyTable of(Collection<ApiKeyEntry> entries) {
        Map<ByteBuffer, ApiKeyEntry> byHash = new HashMap<>();
        Set<String> clients = new HashSet<>();
        for (ApiKeyEntry entry : entries) {
            if (!clients.add(entry.clientId())) {
                throw new IllegalArgumentException("duplicate client id [" + entry.clientId() + "]");
            }
            if (byHash.putIfAbsent(ByteBuffer.wrap(entry.hash()), entry) != null) {
                throw new IllegalArgumentException("duplicate key: client [" + entry.clientId()
                        + "] has the same hash as client [" + byHash.get(ByteBuffer.wrap(entry.hash())).clientId() + "]");
            }
        }
        return new KeyTable(Map.copyOf(byHash));
    }

    @Override
    public ApiKeyEntry find(byte[] sha256) {
        ApiKeyEntry entry = byHash.get(ByteBuffer.wrap(sha256));
        return entry != null && MessageDigest.isEqual(entry.hash(), sha256) ? entry : null;
    }

    @Override
    public int size() {
        return byHash.size();
    }
}
