package dev.tollgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.apikey.ApiKeyStore;
import dev.tollgate.apikey.ApiKeys;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class KeyToolTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String stdin, String... args) {
        return KeyTool.run(args, new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void shouldGenerateKeyWhoseLinesMatchItsHash() {
        assertEquals(0, run("", "generate", "partner-acme"));
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        String key = lines[0].substring("key:".length()).strip();
        String hash = ApiKeys.sha256Hex(key);
        assertEquals("keys-file:    partner-acme " + hash, lines[1]);
        String inline = lines[2].substring("inline (keys):".length()).strip();
        assertEquals("partner-acme", ApiKeyStore.parseInline(inline).find(ApiKeys.sha256(key)).clientId());
    }

    @Test
    void shouldHashKeyFromArgumentOrStandardInput() {
        assertEquals(0, run("", "hash", "test"));
        assertEquals(0, run("test\n", "hash", "-"));
        String expected = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n";
        assertEquals(expected + expected, out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldPrintUsageToStandardOutputAndExit0WhenAskedForHelp() {
        for (String help : new String[] {"--help", "-h", "help"}) {
            out.reset();
            err.reset();
            assertEquals(0, run("", help), help);
            assertTrue(out.toString(StandardCharsets.UTF_8).startsWith("usage: java -jar tollgate.jar generate"), help);
            assertEquals("", err.toString(StandardCharsets.UTF_8), help);
        }
    }

    @Test
    void shouldPrintUsageToStandardErrorAndExit2WithoutArguments() {
        assertEquals(2, run(""));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("usage: java -jar tollgate.jar generate"));
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void shouldPrintUsageAndExit2OnBadArguments() {
        assertEquals(2, run("", "rotate"));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("usage: java -jar tollgate.jar generate"));
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        assertEquals(2, run("", "generate", "bad client"));
        assertEquals(2, run("", "hash", "-"));
    }
}
