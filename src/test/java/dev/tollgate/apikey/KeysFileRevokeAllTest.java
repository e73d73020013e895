package dev.tollgate.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ch.qos.logback.classic.Level;
import dev.tollgate.it.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A keys file whose only entry is {@code !no-keys} revokes every key of the file, also the last
 * one, on a reload and at startup; inline keys stay. An empty file, a file of comments or a
 * directive cut short still keeps the keys in force.
 */
class KeysFileRevokeAllTest {

    private static final String ALICE = "tg_alice-key-0123456789";
    private static final String BOB = "tg_bob-key-0123456789";
    private static final String CAROL = "tg_carol-key-0123456789";

    @TempDir
    Path dir;

    private static String line(String client, String key) {
        return client + " " + ApiKeys.sha256Hex(key);
    }

    private static ApiKeyEntry inline(String client, String key) {
        return ApiKeyEntry.builder(client, ApiKeys.sha256(key)).build();
    }

    private Path keysFile(String text) throws Exception {
        Path file = dir.resolve("keys.txt");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void shouldRevokeTheLastKeyOfTheFileOnAReloadAndWarnOnce() throws Exception {
        Path file = keysFile(line("alice", ALICE) + "\n");
        List<Boolean> reloads = new ArrayList<>();
        try (FileApiKeyStore store = FileApiKeyStore.open(file, Duration.ZERO, List.of(inline("bob", BOB)));
                LogCapture log = new LogCapture(FileApiKeyStore.class)) {
            store.reportReloads((success, at) -> reloads.add(success));
            Files.writeString(file, "# alice's key leaked\n!no-keys\n");
            store.reloadIfChanged();
            assertNull(store.find(ApiKeys.sha256(ALICE)), "the file's last key is revoked");
            assertEquals("bob", store.find(ApiKeys.sha256(BOB)).clientId(), "the inline key stays");
            assertEquals(1, store.size());
            assertEquals(List.of(true), reloads, "a reload that took effect");
            assertEquals(List.of(Level.WARN), log.events().stream().map(e -> e.getLevel()).toList());
            assertEquals("Keys file " + file + " says !no-keys: its 1 keys are revoked; 1 inline keys stay in force",
                    log.text());

            // Read again (touched, still revoking): logged, but not warned twice.
            Files.writeString(file, "!no-keys\n# still revoked\n");
            store.reloadIfChanged();
            assertEquals(List.of(Level.WARN, Level.INFO), log.events().stream().map(e -> e.getLevel()).toList());
            assertEquals("Reloaded 0 API keys from " + file + " (!no-keys)", log.events().get(1).getFormattedMessage());

            Files.writeString(file, line("carol", CAROL) + "\n");
            store.reloadIfChanged();
            assertEquals("carol", store.find(ApiKeys.sha256(CAROL)).clientId(), "keys can follow a revocation");
            assertEquals(List.of(true, true, true), reloads);
        }
    }

    @Test
    void shouldStillKeepTheKeysWhenAReloadFindsAnEmptyFileACommentOrACutDirective() throws Exception {
        Path file = keysFile(line("alice", ALICE) + "\n");
        List<Boolean> reloads = new ArrayList<>();
        try (FileApiKeyStore store = FileApiKeyStore.open(file, Duration.ZERO);
                LogCapture log = new LogCapture(FileApiKeyStore.class)) {
            store.reportReloads((success, at) -> reloads.add(success));
            // Each file, loaded, would drop alice.
            for (String text : new String[] {"", "# tollgate: no keys\n", "#!no-keys\n", "!no-keys", "!no-"}) {
                Files.writeString(file, text);
                store.reloadIfChanged();
                assertEquals("alice", store.find(ApiKeys.sha256(ALICE)).clientId(), "[" + text + "] keeps the keys");
            }
            assertEquals(List.of(false, false, false, false, false), reloads);
            List<String> messages = log.events().stream().map(e -> e.getFormattedMessage()).toList();
            String empty = "Keys file not reloaded, keeping the previous 1 keys: " + file + ": no keys; a keys file that held keys may "
                    + "not become empty (write the new file, then rename it; to revoke every key, its only entry is !no-keys)";
            String cut = "Keys file not reloaded, keeping the previous 1 keys: " + file
                    + ":1: the last line has no line break, so the file may be incomplete (write the new file, then rename it)";
            assertEquals(List.of(empty, empty, empty, cut, cut), messages);
        }
    }

    @Test
    void shouldRecogniseTheDirectiveStrictly() throws Exception {
        String rule = ": a line that starts with ! must be exactly !no-keys";
        for (String text : new String[] {"!NO-KEYS\n", "!no-keys now\n", "! no-keys\n", "!nokeys\n", "!no-keys # revoked\n",
                "!" + ALICE + "\n"}) {
            Path file = keysFile(text);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FileApiKeyStore.open(file, Duration.ZERO),
                    text);
            assertEquals(file + ":1" + rule, e.getMessage());
            assertFalse(e.getMessage().contains(ALICE), "no part of a key in the message");
        }
        try (FileApiKeyStore store = FileApiKeyStore.open(keysFile("# revoked\n  !no-keys \t\n\n"), Duration.ZERO)) {
            assertEquals(0, store.size(), "blanks around it, comments and empty lines are fine");
        }
    }

    @Test
    void shouldRefuseAFileWithTheDirectiveAndKeys() throws Exception {
        Path after = keysFile("!no-keys\n# new partner\n" + line("carol", CAROL) + "\n");
        assertEquals(after + ":3: a key in a file that says !no-keys (line 1); a file with !no-keys holds no keys",
                assertThrows(IllegalArgumentException.class, () -> FileApiKeyStore.open(after, Duration.ZERO)).getMessage());
        Path before = keysFile(line("carol", CAROL) + "\n!no-keys\n");
        assertEquals(before + ":2: !no-keys in a file with keys (first on line 1); a file with !no-keys holds no keys",
                assertThrows(IllegalArgumentException.class, () -> FileApiKeyStore.open(before, Duration.ZERO)).getMessage());

        Path file = keysFile(line("alice", ALICE) + "\n");
        try (FileApiKeyStore store = FileApiKeyStore.open(file, Duration.ZERO);
                LogCapture log = new LogCapture(FileApiKeyStore.class)) {
            // Loaded, this file would drop alice, either way it were read.
            Files.writeString(file, "!no-keys\n" + line("carol", CAROL) + "\n");
            store.reloadIfChanged();
            assertEquals("alice", store.find(ApiKeys.sha256(ALICE)).clientId());
            assertNull(store.find(ApiKeys.sha256(CAROL)));
            assertEquals("Keys file not reloaded, keeping the previous 1 keys: " + file
                    + ":2: a key in a file that says !no-keys (line 1); a file with !no-keys holds no keys", log.text());
        }
    }

    @Test
    void shouldOpenAFileThatRevokesEveryKeyWithOnlyTheInlineKeysAndWarn() throws Exception {
        Path file = keysFile("# every key revoked\n!no-keys\n");
        try (LogCapture log = new LogCapture(FileApiKeyStore.class);
                FileApiKeyStore store = FileApiKeyStore.open(file, Duration.ZERO, List.of(inline("bob", BOB)))) {
            assertEquals(1, store.size());
            assertEquals("bob", store.find(ApiKeys.sha256(BOB)).clientId());
            assertNull(store.find(ApiKeys.sha256(ALICE)));
            assertEquals(List.of(Level.WARN), log.events().stream().map(e -> e.getLevel()).toList());
            assertEquals("Keys file " + file + " says !no-keys: no key of it is accepted; 1 inline keys in force", log.text());
        }
        try (FileApiKeyStore store = FileApiKeyStore.open(file, Duration.ZERO)) {
            assertEquals(0, store.size(), "no keys at all: every key is refused");
            assertNull(store.find(ApiKeys.sha256(ALICE)));
        }
    }
}
