package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.apikey.ApiKeyFilter;
import dev.tollgate.apikey.ApiKeys;
import dev.tollgate.ratelimit.RateLimitFilter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Every plan an API key names must be defined by each rate-limit filter that defines plans,
 * whichever filter the container starts first: {@code src/test/webapps/plans-limiter-first} (the
 * README's filter names, which Tomcat starts rate-limit first) and {@code plans-keys-first}. The
 * failure message says which filter started second, so it also proves the order.
 */
class PlanCheckIT extends ContainerCases {

    static final String KEY = "partner-key-0123456789";
    static final String OTHER_KEY = "partner-key-9876543210";

    static String keysFile(String key, String plan) {
        return "# client   sha256   attributes\npartner-acme  " + ApiKeys.sha256Hex(key) + "  plan=" + plan + "\n";
    }

    /** Starts {@code webapp} with {@code keysText} as its keys file; returns the started container or fails. */
    private EmbeddedContainer startWith(String webapp, String keysText, Path keys) throws Exception {
        Files.writeString(keys, keysText);
        System.setProperty("tollgate.keys-file", keys.toString());
        try {
            EmbeddedContainer container = newContainer();
            try {
                container.start(EmbeddedContainer.webapp(webapp));
            } catch (Exception | Error e) {
                container.close();
                throw e;
            }
            return container;
        } finally {
            System.clearProperty("tollgate.keys-file");
        }
    }

    /** Deploys {@code webapp}, asserts that it does not start, returns what the two filters logged. */
    private String failedStartLog(String webapp, String keysText) throws Exception {
        Path keys = Files.createTempFile("tollgate-plan-keys", ".txt");
        try (LogCapture keyLog = new LogCapture(ApiKeyFilter.class); LogCapture limitLog = new LogCapture(RateLimitFilter.class)) {
            assertThrows(Exception.class, () -> startWith(webapp, keysText, keys).close(), webapp + " must not start");
            String log = keyLog.text() + limitLog.text();
            assertFalse(log.contains(KEY), "no key in the log");
            assertFalse(log.contains(ApiKeys.sha256Hex(KEY)), "no hash in the log");
            return log;
        } finally {
            Files.deleteIfExists(keys);
        }
    }

    @Test
    void shouldRefuseToStartWhenTheRateLimitFilterStartsFirst() throws Exception {
        assertEquals("ApiKeyFilter [api-key]: plan [platinum], named by the API key of client [partner-acme], "
                + "is not defined by RateLimitFilter [rate-limit], whose plans are [default, gold]",
                failedStartLog("plans-limiter-first", keysFile(KEY, "platinum")));
    }

    @Test
    void shouldRefuseToStartWhenTheKeyFilterStartsFirst() throws Exception {
        assertEquals("RateLimitFilter [limits]: plan [platinum], named by the API key of client [partner-acme] "
                + "(ApiKeyFilter [keys]), is not defined; its plans are [default, gold]",
                failedStartLog("plans-keys-first", keysFile(KEY, "platinum")));
    }

    @Test
    void shouldStartWhenEveryPlanIsDefined() throws Exception {
        Path keys = Files.createTempFile("tollgate-plan-keys", ".txt");
        try {
            for (String webapp : new String[] {"plans-limiter-first", "plans-keys-first"}) {
                EmbeddedContainer container = startWith(webapp, keysFile(KEY, "gold"), keys);
                try {
                    Http.Response r = Http.get(container.port(), "/x", "X-API-KEY: " + KEY);
                    assertEquals(200, r.status(), r::toString);
                    assertTrue(r.headers("X-Throttle-Limit").contains("1000"), webapp + ": the gold plan " + r);
                } finally {
                    container.close();
                }
            }
        } finally {
            Files.deleteIfExists(keys);
        }
    }
}
