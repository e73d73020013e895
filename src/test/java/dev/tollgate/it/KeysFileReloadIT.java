package dev.tollgate.it;

import static dev.tollgate.it.ApiKeyIT.keysFileText;
import static dev.tollgate.it.ApiKeyIT.line;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.apikey.FileApiKeyStore;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.ObjectName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;

/**
 * Keys-file reloads on each container ({@code src/test/webapps/apikey-reload}, re-read every
 * second, with the inline key of inline-bob). Each broken file would change an answer if it were
 * loaded; the test waits for the reload thread's ERROR, then checks that the previous keys hold.
 * A file that says {@code !no-keys} revokes every key of the file, and only those. The reload is
 * the keys file's own thread, so the javax build leaves these cases out ({@link Tags#CONTAINER_INDEPENDENT}).
 */
@Tag(Tags.CONTAINER_INDEPENDENT)
class KeysFileReloadIT extends ContainerCases {

    static final String ALICE = ApiKeyIT.ALICE;
    static final String READER = ApiKeyIT.READER;
    static final String OLD = ApiKeyIT.OLD;
    static final String BOB = ApiKeyIT.BOB;

    private static final String INITIAL = keysFileText(
            line("alice", ALICE, ""),
            line("reader", READER, ""),
            line("old", OLD, "expires=2020-01-01T00:00:00Z"));

    private Path keysFile;

    @BeforeParameterizedClassInvocation
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
        writeAndAwaitLog(text, error);
    }

    /** Writes {@code text} and waits until the reload thread has logged {@code message} about it. */
    private void writeAndAwaitLog(String text, String message) throws Exception {
        try (LogCapture log = new LogCapture(FileApiKeyStore.class)) {
            Files.writeString(keysFile, text);
            Wait.forLog(log, message);
        }
    }

    @Test
    void shouldRevokeEveryKeyOfTheFileWhenItSaysNoKeys() throws Exception {
        ObjectName filter = new ObjectName("dev.tollgate:type=ApiKeyFilter,context=/,name=api-key");
        long reloads = jmx(filter, "ReloadsSucceeded");
        writeAndAwaitLog("# every key of this file leaked\n!no-keys\n", "says !no-keys: its 3 keys are revoked; 1 inline keys stay");
        for (String key : new String[] {ALICE, READER}) {
            Http.Response r = Http.get(port, "/api/items", "X-API-KEY: " + key);
            assertEquals(401, r.status(), r::toString);
            assertEquals("Invalid API key", r.json().get("error").asText());
            assertEquals("ApiKey realm=\"api\", header=\"X-API-KEY\"", r.header("WWW-Authenticate"));
        }
        assertEquals("Authentication required", Http.get(port, "/api/items").json().get("error").asText());
        assertEquals("inline-bob", Http.get(port, "/api/items", "X-API-KEY: " + BOB).json().get("remote_user").asText(),
                "the inline key stays");
        assertEquals(1L, jmx(filter, "KeysLoaded"));
        assertEquals("success", ManagementFactory.getPlatformMBeanServer().getAttribute(filter, "LastReloadOutcome"));
        assertTrue(jmx(filter, "ReloadsSucceeded") > reloads, "counted as a reload");
    }

    private static long jmx(ObjectName name, String attribute) throws Exception {
        return ((Number) ManagementFactory.getPlatformMBeanServer().getAttribute(name, attribute)).longValue();
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
        Wait.until("status " + expected, () -> status(key), s -> s == expected);
    }
}
