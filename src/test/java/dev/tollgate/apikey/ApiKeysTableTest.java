package dev.tollgate.apikey;

import dev.tollgate.internal.Jdbc;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.apikey.ApiKeysTable.Dialect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The keys table of {@code keys-source=jdbc}: its name, its DDL, and how a row becomes a key. */
class ApiKeysTableTest {

    private static final String KEY = "tg_row-key-0123456789";
    private static final String HASH = ApiKeys.sha256Hex(KEY);

    @Test
    void shouldTakeATableNameOptionallyWithItsSchemaAndNothingElse() {
        assertEquals("tollgate_api_keys", new ApiKeysTable("tollgate_api_keys").name());
        assertEquals("app.Keys_2", new ApiKeysTable("app.Keys_2").name());
        for (String bad : List.of("", "1keys", "keys;drop table x", "a.b.c", "keys--", "app.", "\"keys\"", "k eys", "k\u00e9ys")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ApiKeysTable(bad), bad);
            assertEquals("must be a table name, letters, digits and _ (not starting with a digit), optionally after a schema "
                    + "and a dot, like tollgate_api_keys or app.tollgate_api_keys", e.getMessage());
        }
    }

    @Test
    void shouldGiveTheDdlOfEachDatabaseWithEveryColumn() {
        ApiKeysTable table = new ApiKeysTable("app.api_keys");
        for (Dialect dialect : Dialect.values()) {
            String ddl = table.ddl(dialect);
            assertTrue(ddl.startsWith("CREATE TABLE app.api_keys ("), ddl);
            for (String column : List.of("client_id", "key_sha256", "plan", "expires", "methods", "paths", "enabled", "updated_at")) {
                assertTrue(ddl.contains(column + " ") || ddl.contains("[" + column + "] "), dialect + ": " + column + " in " + ddl);
            }
            assertTrue(ddl.contains("PRIMARY KEY") && ddl.contains("UNIQUE"), ddl);
        }
        assertTrue(table.ddl(Dialect.POSTGRESQL).contains("enabled BOOLEAN DEFAULT TRUE NOT NULL"));
        assertTrue(table.ddl(Dialect.ORACLE).contains("enabled NUMBER(1) DEFAULT 1 NOT NULL"));
        assertTrue(table.ddl(Dialect.ORACLE).contains("updated_at NUMBER(19) NOT NULL"));
        // PLAN is a reserved word of SQL Server.
        assertTrue(table.ddl(Dialect.SQLSERVER).contains("[plan] VARCHAR(64)"));
        assertTrue(table.ddl(Dialect.SQLSERVER).contains("enabled BIT DEFAULT 1 NOT NULL"));
        String all = table.allDdl();
        for (String name : List.of("PostgreSQL", "MariaDB/MySQL", "Oracle", "SQL Server", "H2")) {
            assertTrue(all.contains("-- " + name + "\n"), all);
        }
    }

    @Test
    void shouldPrintTheDdlThatTheDocsShow() throws Exception {
        String docs = Files.readString(Path.of("docs", "api-keys.md"));
        assertTrue(docs.contains("```sql\n" + new ApiKeysTable("tollgate_api_keys").allDdl() + "```\n"),
                "docs/api-keys.md shows the DDL of ApiKeysTable.allDdl()");
    }

    @Test
    void shouldTellTheDatabasesApart() {
        assertEquals(Dialect.POSTGRESQL, ApiKeysTable.dialect("PostgreSQL"));
        assertEquals(Dialect.MARIADB, ApiKeysTable.dialect("MariaDB"));
        assertEquals(Dialect.MARIADB, ApiKeysTable.dialect("MySQL"));
        assertEquals(Dialect.ORACLE, ApiKeysTable.dialect("Oracle"));
        assertEquals(Dialect.SQLSERVER, ApiKeysTable.dialect("Microsoft SQL Server"));
        assertEquals(Dialect.H2, ApiKeysTable.dialect("H2"));
        assertNull(ApiKeysTable.dialect("SQLite"));
        assertNull(ApiKeysTable.dialect(null));
    }

    @Test
    void shouldRecogniseAMissingTableOnEachDatabase() {
        assertTrue(Jdbc.isMissingTable(new SQLException("relation does not exist", "42P01")));
        assertTrue(Jdbc.isMissingTable(new SQLException("Table 'test.x' doesn't exist", "42S02", 1146)));
        assertTrue(Jdbc.isMissingTable(new SQLException("Table \"X\" not found", "42S02", 42102)));
        assertTrue(Jdbc.isMissingTable(new SQLException("ORA-00942: table or view does not exist", "42000", 942)));
        assertTrue(Jdbc.isMissingTable(new SQLException("Invalid object name 'x'.", "S0002", 208)));
        assertFalse(Jdbc.isMissingTable(new SQLException("Connection refused", "08001")));
        assertFalse(Jdbc.isMissingTable(new SQLException("column \"paths\" does not exist", "42703")));
    }

    @Test
    void shouldMapTheColumnsToTheAttributesOfAKeysFileLine() {
        ApiKeyEntry entry = KeysParser.parseRow("partner-acme", HASH, "gold", "2027-01-31T00:00:00Z", "GET, head", "/api/a,/api/b");
        assertEquals("partner-acme", entry.clientId());
        assertEquals("gold", entry.plan());
        assertEquals(Instant.parse("2027-01-31T00:00:00Z"), entry.expiresAt());
        assertEquals(Set.of("GET", "HEAD"), entry.methods());
        assertEquals(List.of("/api/a", "/api/b"), entry.pathPrefixes());
        assertEquals(KeysParser.parseFile("keys.txt", List.of("partner-acme " + HASH
                        + " plan=gold expires=2027-01-31T00:00:00Z methods=GET,head paths=/api/a,/api/b")).entries().get(0).toString(),
                entry.toString(), "the same entry as the keys-file line");

        ApiKeyEntry plain = KeysParser.parseRow("reader", HASH.toUpperCase() + " ", null, " ", "", null);
        assertNull(plain.plan());
        assertNull(plain.expiresAt());
        assertTrue(plain.methods().isEmpty());
        assertTrue(plain.pathPrefixes().isEmpty());
    }

    @Test
    void shouldNameTheColumnAndNeverTheHashOfABadRow() {
        assertEquals("column key_sha256: hash must be 64 hex characters (SHA-256), found 21 characters", rowError("alice", KEY, null, null, null, null));
        assertEquals("column key_sha256: hash must be 64 hex characters (SHA-256), found 0 characters", rowError("alice", null, null, null, null, null));
        assertEquals("column client_id: client id must be 1-64 characters of [A-Za-z0-9._@-]", rowError(KEY + " x", HASH, null, null, null, null));
        assertEquals("column client_id: client id must be 1-64 characters of [A-Za-z0-9._@-]", rowError(null, HASH, null, null, null, null));
        assertEquals("column expires: expires [2027-01-31 00:00:00] must be an ISO-8601 instant like 2027-01-31T00:00:00Z",
                rowError("alice", HASH, null, "2027-01-31 00:00:00", null, null));
        assertEquals("column methods: method [GET HEAD] must be letters only, like GET", rowError("alice", HASH, null, null, "GET HEAD", null));
        assertEquals("column paths: path prefix [api] must start with /", rowError("alice", HASH, null, null, null, "api"));
        assertEquals("column plan: plan [gold plan] must be 1-64 characters of [A-Za-z0-9_-]", rowError("alice", HASH, "gold plan", null, null, null));
        for (String message : List.of(rowError("alice", HASH.substring(1), null, null, null, null), rowError("carol:" + KEY, HASH, null, null, null, null))) {
            assertFalse(message.contains(HASH.substring(1, 20)), message);
            assertFalse(message.contains("row-key"), message);
        }
    }

    private static String rowError(String client, String hash, String plan, String expires, String methods, String paths) {
        return assertThrows(IllegalArgumentException.class, () -> KeysParser.parseRow(client, hash, plan, expires, methods, paths))
                .getMessage();
    }
}
