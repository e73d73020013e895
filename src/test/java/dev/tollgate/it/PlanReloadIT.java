package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import dev.tollgate.apikey.FileApiKeyStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;

/**
 * A keys-file reload that names a plan the rate-limit filter does not define is refused, deploying
 * {@code src/test/webapps/plans-reload} (keys re-read every second, plans default and gold).
 */
class PlanReloadIT extends ContainerCases {

    private Path keys;

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        keys = deploy("plans-reload", PlanCheckIT.keysFile(PlanCheckIT.KEY, "gold"));
    }

    private Http.Response call(String key) throws Exception {
        return Http.get(port, "/x", "X-API-KEY: " + key);
    }

    @Test
    void shouldRefuseAReloadThatNamesAnUndefinedPlanAndKeepTheOldKeys() throws Exception {
        assertEquals("1000", call(PlanCheckIT.KEY).header("X-Throttle-Limit"));
        try (LogCapture log = new LogCapture(FileApiKeyStore.class)) {
            // Loaded, this file would refuse the old key: the client has a new key on plan platinum.
            Files.writeString(keys, PlanCheckIT.keysFile(PlanCheckIT.OTHER_KEY, "platinum"));
            Wait.until("the reload's ERROR", () -> log.events().size(), n -> n > 0);
            assertEquals(1, log.events().size(), log::text);
            assertEquals(Level.ERROR, log.events().get(0).getLevel());
            assertTrue(log.text().contains("plan [platinum], named by the API key of client [partner-acme], is not defined by "
                    + "RateLimitFilter [rate-limit]"), log::text);
        }
        Http.Response old = call(PlanCheckIT.KEY);
        assertEquals(200, old.status(), "the old keys are kept: " + old);
        assertEquals("1000", old.header("X-Throttle-Limit"));
        assertEquals(401, call(PlanCheckIT.OTHER_KEY).status());
    }
}
