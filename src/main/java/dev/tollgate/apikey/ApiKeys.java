package dev.tollgate.apikey;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

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
    /** Cloned for each hash: cheaper than a provider lookup per request. */
    private static final MessageDigest SHA256 = newSha256();

    private ApiKeys() {
    }

    /** SHA-256 of the key's UTF-8 bytes: the one hashing path of keys, in files and on requests. */
    public static byte[] sha256(String key) {
        MessageDigest digest;
        try {
            digest = (MessageDigest) SHA256.clone();
        } catch (CloneNotSupportedException e) {
            digest = newSha256();
        }
        return digest.digest(key.getBytes(StandardCharsets.UTF_8));
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
            if (Character.digit(hex.charAt(i), 16) < 0) {
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
