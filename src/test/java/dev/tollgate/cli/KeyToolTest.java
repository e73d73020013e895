package dev.tollgate.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.apikey.ApiKeyStore;
import dev.tollgate.apikey.ApiKeys;
import dev.tollgate.apikey.FileApiKeyStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyToolTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @TempDir
    Path dir;

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
    void shouldPrintTheInsertOfTheNewKeyIntoTheKeysTable() throws Exception {
        long before = System.currentTimeMillis();
        assertEquals(0, run("", "generate", "partner-acme"));
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        String key = lines[0].substring("key:".length()).strip();
        String sql = lines[3].substring("sql:".length()).strip();
        assertTrue(sql.startsWith("INSERT INTO tollgate_api_keys (client_id, key_sha256, updated_at) VALUES ('partner-acme', '"
                + ApiKeys.sha256Hex(key) + "', "), sql);
        assertTrue(lines[4].startsWith("Give the key to the client once"), lines[4]);
        // The DDL of docs/api-keys.md for H2: enabled defaults to true.
        try (Connection c = DriverManager.getConnection("jdbc:h2:mem:keytool-insert", "sa", ""); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE tollgate_api_keys (client_id VARCHAR(64) NOT NULL PRIMARY KEY, key_sha256 CHAR(64) NOT NULL UNIQUE, "
                    + "plan VARCHAR(64), expires VARCHAR(40), methods VARCHAR(255), paths VARCHAR(2000), "
                    + "enabled BOOLEAN DEFAULT TRUE NOT NULL, updated_at BIGINT NOT NULL)");
            assertEquals(1, s.executeUpdate(sql.substring(0, sql.length() - 1)));
            try (ResultSet row = s.executeQuery("SELECT client_id, key_sha256, plan, enabled, updated_at FROM tollgate_api_keys")) {
                assertTrue(row.next());
                assertEquals("partner-acme", row.getString(1));
                assertEquals(ApiKeys.sha256Hex(key), row.getString(2));
                assertEquals(null, row.getString(3));
                assertTrue(row.getBoolean(4));
                assertTrue(row.getLong(5) >= before && row.getLong(5) <= System.currentTimeMillis(), "updated_at: now, in epoch millis");
            }
        }
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

    private static final String KEYS = "# partner keys\n"
            + "alice " + ApiKeys.sha256Hex("tg_alice-key") + " plan=gold\n"
            + "bob   " + ApiKeys.sha256Hex("tg_bob-key") + "\n";

    @Test
    void shouldRevokeEveryKeyByReplacingTheKeysFileWithOneThatSaysNoKeys() throws Exception {
        Path file = dir.resolve("keys.txt");
        Files.writeString(file, KEYS);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        Object before = Files.readAttributes(file, BasicFileAttributes.class).fileKey();

        assertEquals(0, run("", "revoke-all", file.toString()), err::toString);
        assertEquals("# Every key of this file is revoked. To accept keys again, replace the !no-keys line with them.\n!no-keys\n",
                Files.readString(file));
        try (FileApiKeyStore store = FileApiKeyStore.open(file, Duration.ZERO)) {
            assertEquals(0, store.size());
        }
        assertEquals("revoked the 2 keys of " + file + ": it now says !no-keys. The key filter drops them when it next "
                + "checks the file (reload-interval, 5 s by default); keys of its keys init-param stay.\n",
                out.toString(StandardCharsets.UTF_8));
        assertEquals("", err.toString(StandardCharsets.UTF_8));
        assertTrue(!before.equals(Files.readAttributes(file, BasicFileAttributes.class).fileKey()),
                "a new file renamed over the old one, never the old one rewritten in place");
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)), "the permissions stay");
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file left");
        }
    }

    @Test
    void shouldReplaceTheFileALinkPointsToAndKeepTheLink() throws Exception {
        Path target = Files.createDirectory(dir.resolve("data")).resolve("keys.txt");
        Files.writeString(target, KEYS);
        Path link = Files.createSymbolicLink(dir.resolve("keys.txt"), target);
        assertEquals(0, run("", "revoke-all", link.toString()), err::toString);
        assertTrue(Files.isSymbolicLink(link));
        assertTrue(Files.readString(target).endsWith("\n!no-keys\n"));
    }

    @Test
    void shouldWriteNothingWhereNoKeysFileIs() throws Exception {
        Path missing = dir.resolve("keys.txt");
        assertEquals(1, run("", "revoke-all", missing.toString()));
        assertEquals(missing + ": no such file; nothing written (revoke-all replaces an existing keys file)\n",
                err.toString(StandardCharsets.UTF_8));
        assertTrue(Files.notExists(missing));

        err.reset();
        Path properties = dir.resolve("app.properties");
        String text = "# settings\ndb.url=jdbc:postgresql://db/app\n";
        Files.writeString(properties, text);
        assertEquals(1, run("", "revoke-all", properties.toString()));
        assertEquals(properties + ":2: not a keys-file line, so this may not be the keys file; nothing written\n",
                err.toString(StandardCharsets.UTF_8));
        assertEquals(text, Files.readString(properties));
        assertEquals("", out.toString(StandardCharsets.UTF_8));

        err.reset();
        assertEquals(2, run("", "revoke-all"));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("usage: java -jar tollgate.jar generate"));
    }
}
