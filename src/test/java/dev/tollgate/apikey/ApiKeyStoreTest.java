package dev.tollgate.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeyStoreTest {

    private static final String KEY = "tg_secret-key-value";
    private static final String HASH = ApiKeys.sha256Hex(KEY);

    @TempDir
    Path dir;

    @Test
    void shouldFindEntryByHashOfPresentedKeyOnly() {
        ApiKeyEntry alice = ApiKeyEntry.builder("alice", ApiKeys.sha256(KEY)).build();
        ApiKeyStore store = ApiKeyStore.of(List.of(alice));
        assertSame(alice, store.find(ApiKeys.sha256(KEY)));
        assertNull(store.find(ApiKeys.sha256(KEY + "x")));
        assertEquals(1, store.size());
    }

    @Test
    void shouldRefuseDuplicateClientsAndHashes() {
        ApiKeyEntry a = ApiKeyEntry.builder("alice", ApiKeys.sha256(KEY)).build();
        ApiKeyEntry sameClient = ApiKeyEntry.builder("alice", ApiKeys.sha256("other")).build();
        ApiKeyEntry sameHash = ApiKeyEntry.builder("bob", ApiKeys.sha256(KEY)).build();
        assertEquals("duplicate client id [alice]",
                assertThrows(IllegalArgumentException.class, () -> ApiKeyStore.of(List.of(a, sameClient))).getMessage());
        assertEquals("duplicate key: client [bob] has the same hash as client [alice]",
                assertThrows(IllegalArgumentException.class, () -> ApiKeyStore.of(List.of(a, sameHash))).getMessage());
    }

    @Test
    void shouldParseInlineEntriesAndNameTheBadOne() {
        ApiKeyStore store = ApiKeyStore.parseInline(" alice:" + HASH + ",\n bob:" + ApiKeys.sha256Hex("b") + " ");
        assertEquals(2, store.size());
        assertEquals("alice", store.find(ApiKeys.sha256(KEY)).clientId());
        IllegalArgumentException noColon = assertThrows(IllegalArgumentException.class,
                () -> ApiKeyStore.parseInline("alice:" + HASH + ", bob"));
        assertEquals("entry 2 must be <client_id>:<sha256hex>", noColon.getMessage());
        IllegalArgumentException shortHash = assertThrows(IllegalArgumentException.class,
                () -> ApiKeyStore.parseInline("alice:abc123"));
        assertEquals("entry 1: hash must be 64 hex characters (SHA-256), found 6 characters", shortHash.getMessage());
    }

    @Test
    void shouldParseFileWithAttributes() {
        List<ApiKeyEntry> entries = KeysParser.parseFile("keys.txt", List.of(
                "# comment", "",
                "reader " + HASH + " methods=get,HEAD paths=/api/read,/api/reports expires=2030-01-01T00:00:00Z plan=gold")).entries();
        ApiKeyEntry reader = entries.get(0);
        assertEquals("reader", reader.clientId());
        assertEquals(Set.of("GET", "HEAD"), reader.methods());
        assertEquals(List.of("/api/read", "/api/reports"), reader.pathPrefixes());
        assertEquals(Instant.parse("2030-01-01T00:00:00Z"), reader.expiresAt());
        assertEquals("gold", reader.plan());
        assertFalse(reader.toString().contains(HASH));
    }

    @Test
    void shouldNameFileLineAndProblemWithoutShowingTheHash() {
        String other = ApiKeys.sha256Hex("other");
        assertFileError("keys.txt:2: expected <client_id> <sha256hex> [attributes]", "# c", "alice");
        assertFileError("keys.txt:1: hash must be 64 hex characters (SHA-256), found 63 characters", "alice " + HASH.substring(1));
        assertFileError("keys.txt:1: hash must be 64 hex characters (SHA-256), found a non-hex character",
                "alice " + "z" + HASH.substring(1));
        assertFileError("keys.txt:1: client id must be 1-64 characters of [A-Za-z0-9._@-]", "al!ce " + HASH);
        assertFileError("keys.txt:1: field 3 is not an attribute; known are expires, methods, paths, plan", "alice " + HASH + " role=admin");
        assertFileError("keys.txt:1: expires [tomorrow] must be an ISO-8601 instant like 2027-01-31T00:00:00Z",
                "alice " + HASH + " expires=tomorrow");
        assertFileError("keys.txt:1: attribute [plan] needs a value: plan=...", "alice " + HASH + " plan=");
        assertFileError("keys.txt:1: path prefix [api] must start with /", "alice " + HASH + " paths=api");
        assertFileError("keys.txt:2: duplicate client id [alice], first on line 1", "alice " + HASH, "alice " + other);
        assertFileError("keys.txt:3: duplicate key: same hash as line 1", "alice " + HASH, "", "bob " + HASH.toUpperCase());
    }

    /** Found by KeysParserFuzzTest: Character.digit takes any script's digits, HexFormat only ASCII ones. */
    @Test
    void shouldRefuseNonAsciiDigitsInAHashByTheHashRule() {
        for (String digit : List.of("\u0661", "\uff21", "\uff41", "\u09e7")) {
            assertFileError("keys.txt:1: hash must be 64 hex characters (SHA-256), found a non-hex character",
                    "alice " + digit + HASH.substring(1));
            IllegalArgumentException inline = assertThrows(IllegalArgumentException.class,
                    () -> KeysParser.parseInline("alice:" + digit + HASH.substring(1)));
            assertEquals("entry 1: hash must be 64 hex characters (SHA-256), found a non-hex character", inline.getMessage());
        }
    }

    private static void assertFileError(String message, String... lines) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeysParser.parseFile("keys.txt", List.of(lines)));
        assertEquals(message, e.getMessage());
        assertFalse(e.getMessage().contains(HASH.substring(0, 16)), "no part of a hash in the message");
    }

    @Test
    void shouldApplyExpiryMethodAndSegmentBoundedPaths() {
        ApiKeyEntry entry = ApiKeyEntry.builder("r", ApiKeys.sha256(KEY))
                .expiresAt(Instant.parse("2027-01-01T00:00:00Z"))
                .methods(Set.of("GET", "head"))
                .pathPrefixes(List.of("/api/read"))
                .build();
        assertFalse(entry.isExpired(Instant.parse("2026-12-31T23:59:59Z")));
        assertTrue(entry.isExpired(Instant.parse("2027-01-01T00:00:00Z")));
        assertTrue(entry.allowsMethod("HEAD"));
        assertFalse(entry.allowsMethod("POST"));
        assertTrue(entry.allowsPath("/api/read"));
        assertTrue(entry.allowsPath("/api/read/1"));
        assertFalse(entry.allowsPath("/api/readme"));
        assertFalse(entry.allowsPath("/api"));
        ApiKeyEntry open = ApiKeyEntry.builder("o", ApiKeys.sha256(KEY)).build();
        assertTrue(open.allowsMethod("DELETE") && open.allowsPath("/anything") && !open.isExpired(Instant.MAX));
    }

    @Test
    void shouldReloadChangedFileAndKeepKeysWhenBroken() throws Exception {
        Path file = dir.resolve("keys.txt");
        Files.writeString(file, "alice " + HASH + "\n");
        try (FileApiKeyStore store = FileApiKeyStore.open(file, Duration.ZERO)) {
            assertEquals("alice", store.find(ApiKeys.sha256(KEY)).clientId());
            Files.writeString(file, "carol " + ApiKeys.sha256Hex("carol-key") + "\n# rotated\n");
            store.reloadIfChanged();
            assertNull(store.find(ApiKeys.sha256(KEY)));
            assertEquals("carol", store.find(ApiKeys.sha256("carol-key")).clientId());
            // Loaded, this file would drop carol.
            Files.writeString(file, "dave " + ApiKeys.sha256Hex("dave-key") + "\nbroken\n# now longer than before\n");
            store.reloadIfChanged();
            assertEquals("carol", store.find(ApiKeys.sha256("carol-key")).clientId(), "a broken file keeps the keys");
            assertNull(store.find(ApiKeys.sha256("dave-key")));
            Files.delete(file);
            store.reloadIfChanged();
            assertEquals(1, store.size(), "a vanished file keeps the keys");
        }
    }

    @Test
    void shouldReportEachReadOfAChangedFileButNotUnchangedChecks() throws Exception {
        Path file = dir.resolve("keys.txt");
        Files.writeString(file, "alice " + HASH + "\n");
        List<Boolean> reads = new java.util.ArrayList<>();
        try (FileApiKeyStore store = FileApiKeyStore.open(file, Duration.ZERO)) {
            store.reportReloads((success, at) -> reads.add(success));
            store.reloadIfChanged();
            assertEquals(List.of(), reads, "unchanged: nothing read");
            Files.writeString(file, "carol " + ApiKeys.sha256Hex("carol-key") + "\n# rotated\n");
            store.reloadIfChanged();
            Files.writeString(file, "dave " + ApiKeys.sha256Hex("dave-key") + "\nbroken\n# now longer than before\n");
            store.reloadIfChanged();
            assertEquals(List.of(true, false), reads);
        }
    }

    @Test
    void shouldFailOpenOnBrokenFileNamingFileAndLine() throws Exception {
        Path file = dir.resolve("keys.txt");
        Files.writeString(file, "alice " + HASH + "\nbob nothex\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FileApiKeyStore.open(file, Duration.ZERO));
        assertEquals(file + ":2: hash must be 64 hex characters (SHA-256), found 6 characters", e.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> FileApiKeyStore.open(dir.resolve("none.txt"), Duration.ZERO));
        assertEquals(dir.resolve("none.txt") + ": cannot be read (NoSuchFileException)", missing.getMessage());
    }

    @Test
    void shouldStopReloadThreadOnClose() throws Exception {
        Path file = dir.resolve("keys.txt");
        Files.writeString(file, "alice " + HASH + "\n");
        FileApiKeyStore store = FileApiKeyStore.open(file, Duration.ofMillis(50));
        assertTrue(reloadThreads() >= 1);
        store.close();
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (reloadThreads() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, reloadThreads());
    }

    private static long reloadThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("tollgate-apikeys-reload") && t.isAlive()).count();
    }

    @Test
    void shouldGenerateDistinctPrefixedKeysAndRecogniseImplausibleOnes() {
        String key = ApiKeys.generateKey();
        assertTrue(key.startsWith("tg_") && key.length() == 46, key);
        assertFalse(key.equals(ApiKeys.generateKey()));
        assertTrue(ApiKeys.isPlausible(key));
        assertFalse(ApiKeys.isPlausible(""));
        assertFalse(ApiKeys.isPlausible("x".repeat(513)));
        assertFalse(ApiKeys.isPlausible("caf\u00e9"));
        assertFalse(ApiKeys.isPlausible("a b"));
        assertEquals("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", ApiKeys.sha256Hex("test"));
    }
}
