package dev.tollgate.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import dev.tollgate.it.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A keys file that is half written, empty, or repeats an inline key never weakens or drops the keys in force. */
class KeysFileSafetyTest {

    private static final String ALICE = "tg_alice-key-0123456789";
    private static final String BOB = "tg_bob-key-0123456789";
    private static final String OLD = "tg_old-key-0123456789";
    private static final String CAROL = "tg_carol-key-0123456789";

    @TempDir
    Path dir;

    private static String line(String client, String key, String attributes) {
        return client + " " + ApiKeys.sha256Hex(key) + (attributes.isEmpty() ? "" : " " + attributes);
    }

    private static ApiKeyEntry inline(String client, String key) {
        return ApiKeyEntry.builder(client, ApiKeys.sha256(key)).build();
    }

    @Test
    void shouldRefuseAtOpenAKeyThatIsAlsoInline() throws Exception {
        Path file = dir.resolve("keys.txt");
        Files.writeString(file, line("carol", CAROL, "") + "\n" + line("old", OLD, "expires=2020-01-01T00:00:00Z") + "\n");
        IllegalArgumentException sameKey = assertThrows(IllegalArgumentException.class,
                () -> FileApiKeyStore.open(file, Duration.ZERO, List.of(inline("ops", OLD))));
        assertEquals(file + ":2: duplicate key: same hash as inline entry 1", sameKey.getMessage());
        IllegalArgumentException sameClient = assertThrows(IllegalArgumentException.class,
                () -> FileApiKeyStore.open(file, Duration.ZERO, List.of(inline("bob", BOB), inline("carol", ALICE))));
        assertEquals(file + ":1: duplicate client id [carol], also inline entry 2", sameClient.getMessage());
    }

    @Test
    void shouldFindInlineAndFileKeysTogether() throws Exception {
        Path file = dir.resolve("keys.txt");
        Files.writeString(file, line("alice", ALICE, "plan=gold") + "\n");
        try (FileApiKeyStore store = FileApiKeyStore.open(file, Duration.ZERO, List.of(inline("bob", BOB)))) {
            assertEquals("alice", store.find(ApiKeys.sha256(ALICE)).clientId());
            assertEquals("bob", store.find(ApiKeys.sha256(BOB)).clientId());
            assertEquals(2, store.size());
            assertEquals(java.util.Set.of("gold"), store.plans());
        }
    }

    @Test
    void shouldKeepTheKeysWhenAReloadRepeatsAnInlineKey() throws Exception {
        Path file = dir.resolve("keys.txt");
        Files.writeString(file, line("alice", ALICE, "") + "\n");
        try (FileApiKeyStore store = FileApiKeyStore.open(file, Duration.ZERO, List.of(inline("bob", BOB)));
                LogCapture log = new LogCapture(FileApiKeyStore.class)) {
            // Loaded, this file would drop alice and add carol.
            Files.writeString(file, line("carol", CAROL, "") + "\n" + line("bob-restricted", BOB, "methods=GET") + "\n");
            store.reloadIfChanged();
            assertEquals("alice", store.find(ApiKeys.sha256(ALICE)).clientId());
            assertNull(store.find(ApiKeys.sha256(CAROL)));
            assertEquals("bob", store.find(ApiKeys.sha256(BOB)).clientId());
            assertEquals(List.of(Level.ERROR), log.events().stream().map(e -> e.getLevel()).toList());
            assertEquals("Keys file not reloaded, keeping the previous 2 keys: " + file
                    + ":2: duplicate key: same hash as inline entry 1", log.events().get(0).getFormattedMessage());
        }
    }

    @Test
    void shouldKeepTheKeysWhenAReloadFindsNoKeys() throws Exception {
        Path file = dir.resolve("keys.txt");
        Files.writeString(file, line("alice", ALICE, "") + "\n");
        try (FileApiKeyStore store = FileApiKeyStore.open(file, Duration.ZERO);
                LogCapture log = new LogCapture(FileApiKeyStore.class)) {
            Files.writeString(file, "");
            store.reloadIfChanged();
            assertEquals("alice", store.find(ApiKeys.sha256(ALICE)).clientId(), "an empty file keeps the keys");
            Files.writeString(file, "# all keys commented out\n# " + line("alice", ALICE, "") + "\n");
            store.reloadIfChanged();
            assertEquals("alice", store.find(ApiKeys.sha256(ALICE)).clientId(), "a file of comments keeps the keys");
            assertEquals(List.of(Level.ERROR, Level.ERROR), log.events().stream().map(e -> e.getLevel()).toList());
            assertEquals("Keys file not reloaded, keeping the previous 1 keys: " + file
                    + ": no keys; a keys file that held keys may not become empty (write the new file, then rename it; "
                    + "to revoke every key, its only entry is !no-keys)",
                    log.events().get(1).getFormattedMessage());
            Files.writeString(file, line("carol", CAROL, "") + "\n");
            store.reloadIfChanged();
            assertNull(store.find(ApiKeys.sha256(ALICE)));
            assertEquals("carol", store.find(ApiKeys.sha256(CAROL)).clientId());
        }
    }

    @Test
    void shouldKeepTheKeysWhenTheLastLineIsCutShort() throws Exception {
        Path file = dir.resolve("keys.txt");
        Files.writeString(file, line("alice", ALICE, "") + "\n");
        try (FileApiKeyStore store = FileApiKeyStore.open(file, Duration.ZERO);
                LogCapture log = new LogCapture(FileApiKeyStore.class)) {
            // Half of "old <hash> expires=2020-01-01T00:00:00Z\n": loaded, old would be a key without expiry.
            Files.writeString(file, line("carol", CAROL, "") + "\n" + line("old", OLD, ""));
            store.reloadIfChanged();
            assertNull(store.find(ApiKeys.sha256(OLD)));
            assertNull(store.find(ApiKeys.sha256(CAROL)));
            assertEquals("alice", store.find(ApiKeys.sha256(ALICE)).clientId());
            assertEquals("Keys file not reloaded, keeping the previous 1 keys: " + file
                    + ":2: the last line has no line break, so the file may be incomplete (write the new file, then rename it)",
                    log.text());
            Files.writeString(file, line("carol", CAROL, "") + "\n" + line("old", OLD, "expires=2020-01-01T00:00:00Z") + "\n");
            store.reloadIfChanged();
            assertNotNull(store.find(ApiKeys.sha256(OLD)).expiresAt());
        }
    }

    @Test
    void shouldRefuseAtOpenAFileWhoseLastLineHasNoLineBreak() throws Exception {
        Path file = dir.resolve("keys.txt");
        Files.writeString(file, "# keys\n" + line("alice", ALICE, ""));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FileApiKeyStore.open(file, Duration.ZERO));
        assertEquals(file + ":2: the last line has no line break, so the file may be incomplete (write the new file, then rename it)",
                e.getMessage());
    }

    @Test
    void shouldNeverShowAKeyWrittenWhereAnAttributeOrClientIdBelongs() {
        String hash = ApiKeys.sha256Hex(ALICE);
        assertFileError("keys.txt:1: field 3 is not an attribute; known are expires, methods, paths, plan",
                "alice " + hash + " " + BOB);
        assertFileError("keys.txt:1: field 3 is not an attribute; known are expires, methods, paths, plan",
                "alice " + hash + " " + BOB + "=");
        assertFileError("keys.txt:1: field 4 is not an attribute; known are expires, methods, paths, plan",
                "alice " + hash + " plan=gold " + BOB.substring(0, 8) + "=" + BOB.substring(8));
        assertFileError("keys.txt:1: client id must be 1-64 characters of [A-Za-z0-9._@-]", "tg_bob!key " + hash);
        IllegalArgumentException inline = assertThrows(IllegalArgumentException.class,
                () -> KeysParser.parseInline("tg_bob!key:" + hash));
        assertEquals("entry 1: client id must be 1-64 characters of [A-Za-z0-9._@-]", inline.getMessage());
    }

    @Test
    void shouldNeverLogAKeyWrittenInTheWrongPlaceOnReload() throws Exception {
        Path file = dir.resolve("keys.txt");
        Files.writeString(file, line("alice", ALICE, "") + "\n");
        try (FileApiKeyStore store = FileApiKeyStore.open(file, Duration.ZERO);
                LogCapture log = new LogCapture(FileApiKeyStore.class)) {
            Files.writeString(file, line("alice", ALICE, "") + " " + BOB + "\n" + BOB + ":" + ApiKeys.sha256Hex(BOB) + "\n");
            store.reloadIfChanged();
            assertEquals("Keys file not reloaded, keeping the previous 1 keys: " + file
                    + ":1: field 3 is not an attribute; known are expires, methods, paths, plan", log.text());
            assertFalse(log.text().contains("bob"), log::text);
        }
    }

    private static void assertFileError(String message, String... lines) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeysParser.parseFile("keys.txt", List.of(lines)));
        assertEquals(message, e.getMessage());
        assertFalse(e.getMessage().contains("bob"), "no part of a key in the message");
        assertTrue(e.getMessage().startsWith("keys.txt:"));
    }
}
