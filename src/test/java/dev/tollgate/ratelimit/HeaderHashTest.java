package dev.tollgate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class HeaderHashTest {

    private static String expected(String namespace, String value) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(namespace.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return "header:#" + HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)), 0, 16);
    }

    @Test
    void shouldNameEveryValueByItsHmacAlsoPastTheRecentKeysAndOnManyThreads() throws Exception {
        HeaderHash hash = new HeaderHash("rate-limit");
        for (String value : List.of("a", "t\u00e9nant-\u4e16", "x".repeat(256), "x".repeat(257), "x".repeat(5000) + "\u00e9")) {
            assertEquals(expected("rate-limit", value), hash.key(value), value);
        }
        assertSame(hash.key("tg_recent"), hash.key(new String("tg_recent")), "a client seen lately costs no new string");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < HeaderHash.RECENT * 4; i++) {
            expected.add(expected("rate-limit", "client-" + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                runs.add(pool.submit(() -> {
                    for (int round = 0; round < 2; round++) {
                        for (int i = 0; i < expected.size(); i++) {
                            assertEquals(expected.get(i), hash.key("client-" + i));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> run : runs) {
                run.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
