package dev.tollgate.apikey;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where the API keys live, looked up by the SHA-256 of the presented key. Implementations hold only
 * hashes and confirm a match in constant time ({@code MessageDigest.isEqual}).
 *
 * <p>Built-ins: {@link #of(Collection)} (keys set up in code), {@link #parseInline(String)} (the
 * {@code client:sha256hash} entries of an init-param) and {@link FileApiKeyStore} (a keys file,
 * re-read when it changes); the filter's {@code keys-source=jdbc} reads a table of the
 * application's database.
 */
public interface ApiKeyStore {

    /** The entry whose key hashes to {@code sha256}, or {@code null} when there is none. */
    ApiKeyEntry find(byte[] sha256);

    /** How many keys the store holds now. */
    int size();

    /** The rate-limit plans the keys name now. */
    default Set<String> plans() {
        return Set.of();
    }

    /**
     * The rate-limit plan of each key that names one, by client id, so that startup can check that
     * the rate-limit filters define them. Empty by default.
     */
    default Map<String, String> plansByClient() {
        return Map.of();
    }

    /**
     * The keys in force now, for the status page (which shows their client ids, plans, expiry,
     * scopes and last use, never their hashes); empty when the store does not list them.
     */
    default Optional<Collection<ApiKeyEntry>> entries() {
        return Optional.empty();
    }

    /** A fixed store of {@code entries}; duplicate client ids or hashes are refused. */
    static ApiKeyStore of(Collection<ApiKeyEntry> entries) {
        return KeyTable.of(entries);
    }

    /**
     * A fixed store from inline entries {@code client:sha256hex}, separated by commas or whitespace,
     * as a {@code keys} init-param holds them. Errors name the entry's position, never its hash.
     */
    static ApiKeyStore parseInline(String entries) {
        return KeyTable.of(KeysParser.parseInline(entries));
    }
}
