package dev.tollgate.apikey;

import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Hashing, hex and key generation for API keys. Keys are stored only as their SHA-256: a key is a
 * long random secret, so a fast unsalted hash is enough to make a leaked keys file useless.
 */
public final class ApiKeys {

    /** Keys longer than this are refused without being hashed. */
    public static final int MAX_KEY_LENGTH = 512;
    /** The prefix of generated keys, so a leaked key is easy to recognise in a scan. */
    public static final String PREFIX = "tg_";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final HexFormat HEX = HexFormat.of();
    /** The prototype that pooled digests are cloned from: cheaper than a provider lookup. */
    private static final MessageDigest SHA256 = newSha256();
    /**
     * Digests (with a buffer for a key's bytes) to reuse: cloning one per request allocated about
     * 500 bytes (the digest's state and buffers). A slot is taken with an atomic swap and put back
     * after use; an empty slot means a fresh clone. No thread-locals, so nothing stays behind on a
     * container's threads when the application stops.
     */
    private static final AtomicReferenceArray<Hasher> POOL = new AtomicReferenceArray<>(poolSize());

    private ApiKeys() {
    }

    private static int poolSize() {
        return Integer.highestOneBit(Math.max(1, Runtime.getRuntime().availableProcessors()) * 4 - 1) * 2;
    }

    /** SHA-256 of the key's UTF-8 bytes: the one hashing path of keys, in files and on requests. */
    public static byte[] sha256(String key) {
        int slot = (int) Thread.currentThread().getId() & (POOL.length() - 1);
        Hasher hasher = POOL.getAndSet(slot, null);
        if (hasher == null) {
            hasher = new Hasher();
        }
        byte[] hash = hasher.hash(key);
        POOL.set(slot, hasher);
        return hash;
    }

    /**
     * The entry of {@code key} in {@code table}, hashed into a reused buffer: the table reads the
     * hash only during the call, so no array per request.
     */
    static ApiKeyEntry find(KeyTable table, String key) {
        int slot = (int) Thread.currentThread().getId() & (POOL.length() - 1);
        Hasher hasher = POOL.getAndSet(slot, null);
        if (hasher == null) {
            hasher = new Hasher();
        }
        ApiKeyEntry entry = table.find(hasher.hashInto(key));
        Arrays.fill(hasher.hash, (byte) 0);
        POOL.set(slot, hasher);
        return entry;
    }

    /** A digest and a buffer for a key's hash: used by one thread at a time. */
    private static final class Hasher {
        private final MessageDigest digest = cloneSha256();
        private final byte[] hash = new byte[32];

        byte[] hash(String key) {
            feed(key);
            return digest.digest();
        }

        /** The hash of {@code key} in this hasher's own buffer. */
        byte[] hashInto(String key) {
            feed(key);
            try {
                digest.digest(hash, 0, hash.length);
            } catch (DigestException e) {
                throw new IllegalStateException("A SHA-256 is 32 bytes", e);
            }
            return hash;
        }

        /**
         * Feeds the key's UTF-8 bytes to the digest. For an ASCII key (every valid one) the JDK
         * copies its bytes as one block: faster than a loop over its characters into a kept buffer,
         * for one short array, which is cleared: the key's bytes do not outlive the call.
         */
        private void feed(String key) {
            byte[] bytes = key.getBytes(StandardCharsets.UTF_8);
            digest.update(bytes);
            Arrays.fill(bytes, (byte) 0);
        }
    }

    private static MessageDigest cloneSha256() {
        try {
            return (MessageDigest) SHA256.clone();
        } catch (CloneNotSupportedException e) {
            return newSha256();
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform has SHA-256", e);
        }
    }

    /** SHA-256 of the key, as 64 lower-case hex characters. */
    public static String sha256Hex(String key) {
        return HEX.formatHex(sha256(key));
    }

    /** A new key: the prefix and 32 random bytes, base64url without padding. */
    public static String generateKey() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * Parses a SHA-256 hash written as 64 hex characters. The message of the exception never
     * repeats the text, which may be a real hash.
     */
    public static byte[] parseHash(String hex) {
        if (hex.length() != 64) {
            throw new IllegalArgumentException("hash must be 64 hex characters (SHA-256), found " + hex.length() + " characters");
        }
        for (int i = 0; i < hex.length(); i++) {
            // ASCII only: Character.digit takes any script's digits, which HexFormat does not.
            if (!HexFormat.isHexDigit(hex.charAt(i))) {
                throw new IllegalArgumentException("hash must be 64 hex characters (SHA-256), found a non-hex character");
            }
        }
        return HEX.parseHex(hex);
    }

    /** Whether {@code key} could be a key: 1 to {@value #MAX_KEY_LENGTH} visible ASCII characters. */
    static boolean isPlausible(String key) {
        if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c <= ' ' || c >= 127) {
                return false;
            }
        }
        return true;
    }
}
