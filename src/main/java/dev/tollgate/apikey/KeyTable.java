package dev.tollgate.apikey;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable set of keys by hash; the lookup is confirmed with a constant-time comparison. The
 * lookup allocates nothing: an open-addressing table indexed by the hash's first eight bytes.
 */
final class KeyTable implements ApiKeyStore {

    static final KeyTable EMPTY = new KeyTable(Map.of());

    private final Map<ByteBuffer, ApiKeyEntry> byHash;
    /** Slots of entries, a power of two at least twice the number of keys; null marks an empty slot. */
    private final ApiKeyEntry[] slots;
    private final Set<String> plans;
    private final Map<String, String> plansByClient;

    private KeyTable(Map<ByteBuffer, ApiKeyEntry> byHash) {
        this.byHash = byHash;
        this.slots = new ApiKeyEntry[Integer.highestOneBit(Math.max(1, byHash.size()) * 2) * 2];
        for (ApiKeyEntry entry : byHash.values()) {
            int i = slotOf(entry.hash());
            while (slots[i] != null) {
                i = (i + 1) & (slots.length - 1);
            }
            slots[i] = entry;
        }
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
    public Optional<Collection<ApiKeyEntry>> entries() {
        return Optional.of(List.copyOf(byHash.values()));
    }

    /** Takes over the last use of each key that {@code previous} held too (the same client and hash). */
    KeyTable usedAsBefore(KeyTable previous) {
        for (ApiKeyEntry entry : byHash.values()) {
            ApiKeyEntry before = previous.find(entry.hash());
            if (before != null && before.clientId().equals(entry.clientId())) {
                entry.usedAsBefore(before);
            }
        }
        return this;
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
        if (sha256 == null || sha256.length < Long.BYTES) {
            return null;
        }
        for (int i = slotOf(sha256); slots[i] != null; i = (i + 1) & (slots.length - 1)) {
            if (MessageDigest.isEqual(slots[i].hash(), sha256)) {
                return slots[i];
            }
        }
        return null;
    }

    /** The home slot of a hash: its first eight bytes, spread (a SHA-256 is uniform already). */
    private int slotOf(byte[] hash) {
        long prefix = 0;
        for (int i = 0; i < Long.BYTES; i++) {
            prefix = (prefix << 8) | (hash[i] & 0xFF);
        }
        return (int) (prefix ^ (prefix >>> 32)) & (slots.length - 1);
    }

    @Override
    public int size() {
        return byHash.size();
    }
}
