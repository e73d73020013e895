package dev.tollgate.ratelimit;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicReferenceArray;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The bucket key of a header value that may be a credential: {@code header:#} and the first 16
 * bytes of the value's HMAC-SHA-256 in hex, keyed by the filter's namespace (its UTF-8 bytes).
 * The key is no secret (every node sharing a store must name a client's bucket alike, so it comes
 * from the configuration): a credential is protected because the hash is one-way over a long
 * random value; the key makes the names that two namespaces give one value unrelated.
 * Thread-safe.
 */
final class HeaderHash {

    /** What every hashed key starts with. */
    static final String PREFIX = "header:#";
    /** Bytes of the HMAC kept: 128 bits, 32 hex characters. */
    static final int BYTES = 16;

    /** Keys kept in {@link #recent} (a power of two). */
    static final int RECENT = 1024;

    private static final String ALGORITHM = "HmacSHA256";
    private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    /** Values up to this many ASCII characters are hashed from a reused buffer; longer ones from their own bytes. */
    private static final int BUFFER = 256;

    private final SecretKeySpec key;
    /** The keyed MAC that pooled ones are cloned from: cheaper than a provider lookup and an init. */
    private final Mac prototype;
    /**
     * MACs (with buffers) to reuse, as {@code ApiKeys} pools its digests: a slot is taken with an
     * atomic swap and put back after use; an empty slot means a fresh clone. No thread-locals, so
     * nothing stays behind on a container's threads when the application stops.
     */
    private final AtomicReferenceArray<Hasher> pool;
    /**
     * The keys of the values hashed lately, by their hash, so that a client seen lately costs no
     * new string: a direct-mapped table like {@code JoinedKeys}, holding hashes only (never a value).
     */
    private final Named[] recent = new Named[RECENT];

    /** Hashes keyed by {@code namespace} (1 or more characters), the filter's. */
    HeaderHash(String namespace) {
        key = new SecretKeySpec(namespace.getBytes(StandardCharsets.UTF_8), ALGORITHM);
        prototype = newMac(key);
        int processors = Math.max(1, Runtime.getRuntime().availableProcessors());
        pool = new AtomicReferenceArray<>(Integer.highestOneBit(processors * 4 - 1) * 2);
    }

    /** {@code header:#<32 hex>} for {@code value}. */
    String key(String value) {
        int slot = (int) Thread.currentThread().getId() & (pool.length() - 1);
        Hasher hasher = pool.getAndSet(slot, null);
        if (hasher == null) {
            hasher = new Hasher(cloneMac());
        }
        byte[] hash = hasher.hash(value);
        long high = 0;
        long low = 0;
        for (int i = 0; i < 8; i++) {
            high = high << 8 | (hash[i] & 0xff);
            low = low << 8 | (hash[i + 8] & 0xff);
        }
        int at = (int) low & (RECENT - 1);
        Named named = recent[at];
        if (named == null || named.high() != high || named.low() != low) {
            named = new Named(high, low, hasher.text(hash));
            recent[at] = named;
        }
        pool.set(slot, hasher);
        return named.key();
    }

    /** A MAC and buffers: used by one thread at a time. */
    private static final class Hasher {
        private final Mac mac;
        private final byte[] bytes = new byte[BUFFER];
        private final byte[] text = Arrays.copyOf(PREFIX.getBytes(StandardCharsets.US_ASCII), PREFIX.length() + 2 * BYTES);

        Hasher(Mac mac) {
            this.mac = mac;
        }

        /** The HMAC of {@code value}'s UTF-8 bytes. */
        byte[] hash(String value) {
            int n = value.length();
            int copied = 0;
            boolean ascii = n <= bytes.length;
            while (ascii && copied < n) {
                char c = value.charAt(copied);
                ascii = c < 0x80;
                bytes[copied++] = (byte) c;
            }
            byte[] hash;
            if (ascii) {
                mac.update(bytes, 0, n);
                hash = mac.doFinal();
            } else {
                hash = mac.doFinal(value.getBytes(StandardCharsets.UTF_8));
            }
            // The value's bytes do not outlive the call.
            Arrays.fill(bytes, 0, copied, (byte) 0);
            return hash;
        }

        /** {@code header:#} and the first 16 bytes of {@code hash} in hex. */
        String text(byte[] hash) {
            int at = PREFIX.length();
            for (int i = 0; i < BYTES; i++) {
                text[at++] = HEX_DIGITS[(hash[i] >> 4) & 0xf];
                text[at++] = HEX_DIGITS[hash[i] & 0xf];
            }
            return new String(text, StandardCharsets.ISO_8859_1);
        }
    }

    private record Named(long high, long low, String key) {
    }

    private Mac cloneMac() {
        try {
            return (Mac) prototype.clone();
        } catch (CloneNotSupportedException e) {
            return newMac(key);
        }
    }

    private static Mac newMac(SecretKeySpec key) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            return mac;
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("Every Java platform has HmacSHA256", e);
        }
    }
}
