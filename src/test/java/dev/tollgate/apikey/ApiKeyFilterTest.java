package dev.tollgate.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.testing.Fakes;
import jakarta.servlet.ServletException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeyFilterTest {

    @TempDir
    Path dir;

    private static ServletException initFailure(Map<String, String> params) {
        return assertThrows(ServletException.class, () -> new ApiKeyFilter().init(Fakes.filterConfig("api-key", params)));
    }

    @Test
    void shouldFailStartupWithoutKeys() {
        assertTrue(initFailure(Map.of()).getMessage().startsWith("ApiKeyFilter: no keys configured; set init-param [keys-file]"));
    }

    @Test
    void shouldFailStartupOnBrokenKeysFileNamingLineButNotHash() throws Exception {
        Path file = dir.resolve("keys.txt");
        String hash = ApiKeys.sha256Hex("k");
        Files.writeString(file, "alice " + hash + "\nbob " + hash + "\n");
        ServletException e = initFailure(Map.of("keys-file", file.toString()));
        assertEquals("ApiKeyFilter: keys file from init-param [keys-file] is invalid: " + file + ":2: duplicate key: same hash as line 1", e.getMessage());
    }

    @Test
    void shouldFailStartupOnBadParams() {
        assertEquals("ApiKeyFilter: init-param [keys] has invalid value [(hidden)]: entry 1 must be <client_id>:<sha256hex>",
                initFailure(Map.of("keys", "alice")).getMessage());
        String inline = "alice:" + ApiKeys.sha256Hex("k");
        assertEquals("ApiKeyFilter: init-param [headers] has invalid value [X-API-KEY, X_KEY]: header name [X_KEY] must be letters, digits and -",
                initFailure(Map.of("keys", inline, "headers", "X-API-KEY, X_KEY")).getMessage());
        assertEquals("ApiKeyFilter: init-param [skip-paths] has invalid value [health]: url-pattern [health] must be an exact path "
                + "(/health), a prefix (/public/*) or an extension (*.css)",
                initFailure(Map.of("keys", inline, "skip-paths", "health")).getMessage());
        assertEquals("ApiKeyFilter: init-param [reload-interval] has invalid value [-1]: must be an integer between 0 and 86400",
                initFailure(Map.of("keys", inline, "reload-interval", "-1")).getMessage());
        assertEquals("ApiKeyFilter: init-param [bearer] has invalid value [on]: must be true or false",
                initFailure(Map.of("keys", inline, "bearer", "on")).getMessage());
        assertEquals("ApiKeyFilter: init-param [trusted-proxies] has invalid value [10.0.0.0/8, proxy.local]: trusted proxy "
                + "[proxy.local] must be an IPv4 or IPv6 address or CIDR, like 10.0.0.0/8 or fd00::/8",
                initFailure(Map.of("keys", inline, "trusted-proxies", "10.0.0.0/8, proxy.local")).getMessage());
        assertTrue(initFailure(Map.of("keys", inline, "key-header", "X")).getMessage()
                .startsWith("ApiKeyFilter: unknown init-param [key-header]; known names are [bearer, enforce, headers, hide-credentials"));
    }

    @Test
    void shouldFailStartupOnABadPreflightValueOrOnBothPreflightParams() {
        String inline = "alice:" + ApiKeys.sha256Hex("k");
        assertEquals("ApiKeyFilter: init-param [preflight] has invalid value [skip]: must be one of [answer, check, pass]",
                initFailure(Map.of("keys", inline, "preflight", "skip")).getMessage());
        assertEquals("ApiKeyFilter: init-param [skip-preflight] has invalid value [yes]: must be true or false",
                initFailure(Map.of("keys", inline, "skip-preflight", "yes")).getMessage());
        assertEquals("ApiKeyFilter: init-param [skip-preflight] has invalid value [true]: must not be set with init-param "
                + "[preflight]; it is deprecated: skip-preflight=true is preflight=pass, false is preflight=check",
                initFailure(Map.of("keys", inline, "skip-preflight", "true", "preflight", "pass")).getMessage());
        assertEquals("ApiKeyFilter: init-param [skip-preflight] has invalid value [false]: must not be set with init-param "
                + "[preflight]; it is deprecated: skip-preflight=true is preflight=pass, false is preflight=check",
                initFailure(Map.of("keys", inline, "skip-preflight", "false", "preflight", "answer")).getMessage());
    }

    @Test
    void shouldReadQueryParameterFromQueryStringOnly() {
        assertEquals(List.of("abc", "d e"), KeyExtractor.queryValues("x=1&api_key=abc&api_key=d+e", "api_key"));
        assertEquals(List.of(), KeyExtractor.queryValues(null, "api_key"));
        assertEquals(List.of(""), KeyExtractor.queryValues("api_key", "api_key"));
    }
}
