package dev.tollgate.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.apikey.KeyExtractor.Preflight;
import dev.tollgate.error.ApiError;
import dev.tollgate.testing.FakeHttp;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeyCheckTest {

    private static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");
    private static final ApiKeyEntry ALICE = ApiKeyEntry.builder("alice", ApiKeys.sha256("alice-key")).plan("gold").build();
    private static final ApiKeyEntry READER = ApiKeyEntry.builder("reader", ApiKeys.sha256("reader-key"))
            .methods(Set.of("GET")).pathPrefixes(List.of("/reports")).build();
    private static final ApiKeyEntry OLD = ApiKeyEntry.builder("old", ApiKeys.sha256("old-key")).expiresAt(NOW).build();
    private static final KeyCheck CHECK = check(Preflight.ANSWER);

    private static KeyCheck check(Preflight preflight) {
        return new KeyCheck(new KeyExtractor(List.of("X-API-KEY"), true, null, preflight),
                ApiKeyStore.of(List.of(ALICE, READER, OLD)), Clock.fixed(NOW, ZoneOffset.UTC), "partners", "X-API-KEY", true);
    }

    private static KeyCheck.Verdict check(String method, String path, String key) {
        FakeHttp.Request request = FakeHttp.request(method, path);
        if (key != null) {
            request.header("X-API-KEY", key);
        }
        return CHECK.check(request.get(), path);
    }

    private static void assertRejected(KeyCheck.Verdict verdict, int status, String code) {
        assertNull(verdict.accepted());
        ApiError error = verdict.rejection();
        assertEquals(status, error.status());
        assertEquals(code, error.code());
        assertEquals(status == 401 ? List.of("ApiKey realm=\"partners\", header=\"X-API-KEY\"", "Bearer realm=\"partners\"") : null,
                error.headers().get("WWW-Authenticate"));
    }

    @Test
    void shouldAcceptAKnownKeyWithItsEntry() {
        assertSame(ALICE, check("POST", "/orders", "alice-key").accepted());
        assertNull(check("POST", "/orders", "alice-key").rejection());
    }

    @Test
    void shouldRejectMissingUnknownImplausibleAndExpiredKeysWithAChallenge() {
        assertRejected(check("GET", "/a", null), 401, "missing_api_key");
        assertRejected(check("GET", "/a", "nobody-key"), 401, "invalid_api_key");
        assertRejected(check("GET", "/a", "x".repeat(513)), 401, "invalid_api_key");
        assertRejected(check("GET", "/a", "old-key"), 401, "expired_api_key");
        assertSame(check("GET", "/a", null).rejection(), check("GET", "/b", null).rejection(), "rejections are made once");
    }

    @Test
    void shouldDenyAMethodOrPathTheKeyMayNotUse() {
        assertSame(READER, check("GET", "/reports/2026", "reader-key").accepted());
        assertRejected(check("POST", "/reports", "reader-key"), 403, "access_denied");
        assertRejected(check("GET", "/reportsx", "reader-key"), 403, "access_denied");
    }

    @Test
    void shouldAnswerOrPassOrCheckAPreflightAsConfigured() {
        FakeHttp.Request preflight = FakeHttp.request("OPTIONS", "/a").header("Origin", "https://app.example")
                .header("Access-Control-Request-Method", "PUT");
        KeyCheck.Verdict answer = CHECK.check(preflight.get(), "/a");
        assertSame(KeyCheck.Verdict.ANSWER, answer);
        assertTrue(answer.answer());
        assertNull(answer.accepted());
        assertNull(answer.rejection());
        KeyCheck.Verdict pass = check(Preflight.PASS).check(preflight.get(), "/a");
        assertSame(KeyCheck.Verdict.PASS, pass);
        assertFalse(pass.answer());
        assertNotEquals(KeyCheck.Verdict.PASS, KeyCheck.Verdict.ANSWER);
        assertRejected(check(Preflight.CHECK).check(preflight.get(), "/a"), 401, "missing_api_key");
        assertSame(ALICE, check(Preflight.CHECK).check(preflight.header("X-API-KEY", "alice-key").get(), "/a").accepted());
    }
}
