package dev.tollgate.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.it.Wait;
import dev.tollgate.testing.FakeHttp;
import dev.tollgate.testing.Fakes;
import jakarta.servlet.ServletException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link ApiKeyFilter#init} refuses, what its messages never show, and what a failed init leaves behind. */
class ApiKeyFilterStartupTest {

    private static final String KEY = "tg_secret-key-0123456789";
    private static final String HASH = ApiKeys.sha256Hex(KEY);

    @TempDir
    Path dir;

    private static ServletException initFailure(Map<String, String> params) {
        return assertThrows(ServletException.class, () -> new ApiKeyFilter().init(Fakes.filterConfig("api-key", params)));
    }

    @Test
    void shouldRefuseTheSameKeyInlineAndInTheKeysFile() throws Exception {
        Path file = dir.resolve("keys.txt");
        Files.writeString(file, "carol " + ApiKeys.sha256Hex("carol-key") + "\nops " + HASH + " expires=2020-01-01T00:00:00Z\n");
        assertEquals("ApiKeyFilter: keys file from init-param [keys-file] is invalid: " + file + ":2: duplicate key: same hash as inline entry 1",
                initFailure(Map.of("keys-file", file.toString(), "keys", "admin:" + HASH, "reload-interval", "0")).getMessage());
        assertEquals("ApiKeyFilter: keys file from init-param [keys-file] is invalid: " + file + ":1: duplicate client id [carol], also inline entry 1",
                initFailure(Map.of("keys-file", file.toString(), "keys", "carol:" + ApiKeys.sha256Hex("x"), "reload-interval", "0"))
                        .getMessage());
    }

    @Test
    void shouldStartWithAKeysFileThatRevokesEveryKeyAndRejectEveryKeyButTheInlineOnes() throws Exception {
        Path file = dir.resolve("keys.txt");
        Files.writeString(file, "# every key revoked\n!no-keys\n");
        ApiKeyFilter revoked = new ApiKeyFilter();
        revoked.init(Fakes.filterConfig("api-key", Map.of("keys-file", file.toString(), "reload-interval", "0")));
        try {
            FakeHttp.Response response = FakeHttp.response();
            FakeHttp.Chain chain = new FakeHttp.Chain();
            revoked.doFilter(FakeHttp.request("GET", "/api/x").header("X-API-KEY", KEY).get(), response.get(), chain);
            assertEquals(0, chain.calls());
            assertEquals(401, response.status());
            assertTrue(response.body().contains("\"error\":\"Invalid API key\""), response.body());
        } finally {
            revoked.destroy();
        }
        ApiKeyFilter withInline = new ApiKeyFilter();
        withInline.init(Fakes.filterConfig("api-key", Map.of("keys-file", file.toString(), "keys", "ops:" + HASH, "reload-interval", "0")));
        try {
            FakeHttp.Chain chain = new FakeHttp.Chain();
            withInline.doFilter(FakeHttp.request("GET", "/api/x").header("X-API-KEY", KEY).get(), FakeHttp.response().get(), chain);
            assertEquals(1, chain.calls(), "an inline key stays");
        } finally {
            withInline.destroy();
        }
    }

    @Test
    void shouldNeverShowTheKeysParamInAStartupError() {
        ServletException badSecond = initFailure(Map.of("keys", "alice:" + HASH + ", bob:" + HASH.substring(1)));
        assertEquals("ApiKeyFilter: init-param [keys] has invalid value [(hidden)]: entry 2: hash must be 64 hex characters (SHA-256), "
                + "found 63 characters", badSecond.getMessage());
        ServletException pastedKey = initFailure(Map.of("keys", KEY));
        assertEquals("ApiKeyFilter: init-param [keys] has invalid value [(hidden)]: entry 1 must be <client_id>:<sha256hex>",
                pastedKey.getMessage());
        ServletException sameHash = initFailure(Map.of("keys", "alice:" + HASH + " bob:" + HASH));
        assertEquals("ApiKeyFilter: init-param [keys] has invalid value [(hidden)]: duplicate key: client [bob] has the same hash "
                + "as client [alice]", sameHash.getMessage());
        for (ServletException e : new ServletException[] {badSecond, pastedKey, sameHash}) {
            assertFalse(e.getMessage().contains(HASH.substring(1, 17)), e.getMessage());
            assertFalse(e.getMessage().contains("secret-key"), e.getMessage());
        }
    }

    @Test
    void shouldLeaveNoReloadThreadWhenALaterParamFailsInit() throws Exception {
        Path file = dir.resolve("keys.txt");
        Files.writeString(file, "alice " + HASH + "\n");
        Set<Thread> before = reloadThreads();
        ServletException e = initFailure(Map.of("keys-file", file.toString(), "reload-interval", "1", "bearer", "on"));
        assertEquals("ApiKeyFilter: init-param [bearer] has invalid value [on]: must be true or false", e.getMessage());
        Set<Thread> leaked = Wait.poll(Duration.ofSeconds(2), () -> {
            Set<Thread> now = reloadThreads();
            now.removeAll(before);
            return now;
        }, Set::isEmpty);
        assertTrue(leaked.isEmpty(), "reload threads left alive: " + leaked);
    }

    private static Set<Thread> reloadThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("tollgate-apikeys-reload") && t.isAlive())
                .collect(Collectors.toSet());
    }
}
