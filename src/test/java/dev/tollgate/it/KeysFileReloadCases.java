package dev.tollgate.it;

import static dev.tollgate.it.ApiKeyCases.keysFileText;
import static dev.tollgate.it.ApiKeyCases.line;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import dev.tollgate.apikey.FileApiKeyStore;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keys-file reloads on one real container ({@code src/test/webapps/apikey-reload}, re-read every
 * second, with the inline key of inline-bob). Each broken file would change an answer if it were
 * loaded; the test waits for the reload thread's ERROR, then checks that the previous keys hold.
 */
abstract class KeysFileReloadCases extends ContainerCases {

    static final String ALICE = ApiKeyCases.ALICE;
    static final String READER = ApiKeyCases.READER;
    static final String OLD = ApiKeyCases.OLD;
    static final String BOB = ApiKeyCases.BOB;

    private static final String INITIAL = keysFileText(
            line("alice", ALICE, ""),
            line("reader", READER, ""),
            line("old", OLD, "expires=2020-01-01T00:00:00Z"));

    private Path keysFile;

    @BeforeAll
    void start() throws Exception {
        keysFile = deploy("apikey-reload", INITIAL);
    }

    @AfterEach
    void restore() throws Exception {
        Files.writeString(keysFile, INITIAL + "# restored\n");
        awaitStatus(READER, 200);
    }

    private int status(String key) throws Exception {
        return Http.get(port, "/api/items", "X-API-KEY: " + key).status();
    }

    /** Writes {@code text} and waits until the reload thread has refused it with {@code error}. */
    private void writeAndAwaitRefusal(String text, String error) throws Exception {
        try (LogCapture log = new LogCapture(FileApiKeyStore.class)) {
            Files.writeString(keysFile, text);
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (!log.text().contains(error)) {
                if (System.nanoTime() > deadline) {
                    fail("no ERROR [" + error + "] within 10 s; logged: " + log.text());
                }
                Thread.sleep(50);
            }
        }
    }

    @Test
    void shouldKeepTheKeysWhenTheFileIsEmptied() throws Exception {
        writeAndAwaitRefusal("", "no keys; a keys file that held keys may not become empty");
        assertEquals(200, status(ALICE));
        assertEquals(200, status(READER));
    }

    @Test
    void shouldKeepTheKeysWhenTheLastLineIsCutShort() throws Exception {
        // Loaded, reader would be gone and old would have lost its expiry.
        String cut = keysFileText(line("alice", ALICE, "")) + line("old", OLD, "");
        writeAndAwaitRefusal(cut, "the last line has no line break");
        assertEquals(200, status(READER));
        assertEquals(401, status(OLD));
    }

    @Test
    void shouldKeepTheKeysWhenTheFileRepeatsTheInlineKey() throws Exception {
        // Loaded, reader would be gone.
        String repeated = keysFileText(line("alice", ALICE, ""), line("bob-file", BOB, "expires=2020-01-01T00:00:00Z"));
        writeAndAwaitRefusal(repeated, "duplicate key: same hash as inline entry 1");
        assertEquals(200, status(READER));
        assertEquals("inline-bob", Http.get(port, "/api/items", "X-API-KEY: " + BOB).json().get("remote_user").asText());
    }

    private void awaitStatus(String key, int expected) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        int last = -1;
        while (System.nanoTime() < deadline) {
            last = status(key);
            if (last == expected) {
                return;
            }
            Thread.sleep(100);
        }
        fail("expected " + expected + " within 10 s, last was " + last);
    }
}
