package dev.tollgate.apikey;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/** The reused digests hash every key as a fresh one would, and the table finds every key it holds. */
class KeyHashingTest {

    private static byte[] reference(String key) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldHashEveryKeyLikeAFreshDigestWhateverCameBefore() throws Exception {
        String[] keys = {"tg_abc", "", "clé-ü-\u20ac", "tg_abc", "x".repeat(512), "y".repeat(513), "tg_abc",
            "\ud83d\udd11key", "tg_" + "z".repeat(100), "a"};
        for (String key : keys) {
            assertArrayEquals(reference(key), ApiKeys.sha256(key), key);
        }
    }

    @Test
    void shouldHashRightOnManyThreadsAtOnce() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                results.add(pool.submit(() -> {
                    MessageDigest own = MessageDigest.getInstance("SHA-256");
                    for (int i = 0; i < 20_000; i++) {
                        String key = "tg_" + ThreadLocalRandom.current().nextLong() + (i % 7 == 0 ? "é" : "");
                        if (!Arrays.equals(own.digest(key.getBytes(StandardCharsets.UTF_8)), ApiKeys.sha256(key))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> result : results) {
                assertSame(Boolean.TRUE, result.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldFindEveryKeyOfALargeTableAndNoOther() {
        List<ApiKeyEntry> entries = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            entries.add(ApiKeyEntry.builder("client-" + i, ApiKeys.sha256("key-" + i)).build());
        }
        // Two hashes that share the first eight bytes (the table's slot) and differ after.
        byte[] a = ApiKeys.sha256("key-0").clone();
        byte[] b = a.clone();
        a[31] ^= 1;
        b[31] ^= 2;
        entries.add(ApiKeyEntry.builder("twin-a", a).build());
        entries.add(ApiKeyEntry.builder("twin-b", b).build());
        KeyTable table = KeyTable.of(entries);
        for (int i = 0; i < 1000; i++) {
            assertSame(entries.get(i), table.find(ApiKeys.sha256("key-" + i)));
        }
        assertSame(entries.get(1000), table.find(a));
        assertSame(entries.get(1001), table.find(b));
        assertNull(table.find(ApiKeys.sha256("key-1000")));
        byte[] c = a.clone();
        c[31] ^= 4;
        assertNull(table.find(c));
        assertNull(table.find(new byte[0]));
        // Through the reused hash buffer, also after a key of another length and a non-ASCII one.
        assertSame(entries.get(7), ApiKeys.find(table, "key-7"));
        assertNull(ApiKeys.find(table, "key-\u00e9"));
        assertSame(entries.get(8), ApiKeys.find(table, "key-8"));
        assertNull(ApiKeys.find(table, "k".repeat(600)));
        assertSame(entries.get(999), ApiKeys.find(table, "key-999"));
        assertNull(KeyTable.EMPTY.find(ApiKeys.sha256("key-0")));
    }
}
