package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tollgate.apikey.ApiKeys;
import dev.tollgate.ratelimit.jdbc.TestDatabase;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;

/**
 * The key filter with {@code keys-source=jdbc} on each container, deploying
 * {@code src/test/webapps/apikey-jdbc} over a keys table of the real PostgreSQL (re-read every
 * second): the table's keys answer as a keys file's do, and a row added while the application runs
 * is accepted within the reload interval. The javax build, without JDBC drivers, leaves it out by
 * its name.
 */
class JdbcKeysIT extends ContainerCases {

    private static final AtomicLong TABLES = new AtomicLong(System.nanoTime() % 100_000);
    private static final String ALICE = "tg_alice-http-key-0123456789";
    private static final String READER = "tg_reader-http-key-0123456789";
    private static final String OFF = "tg_off-http-key-0123456789";
    private static final String CAROL = "tg_carol-http-key-0123456789";

    private final TestDatabase db = TestDatabase.POSTGRESQL;
    private final String table = "tollgate_keys_http_" + TABLES.incrementAndGet();

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        db.drop(table);
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + table + " (client_id VARCHAR(64) NOT NULL PRIMARY KEY, key_sha256 CHAR(64) NOT NULL UNIQUE, "
                    + "plan VARCHAR(64), expires VARCHAR(40), methods VARCHAR(255), paths VARCHAR(2000), "
                    + "enabled BOOLEAN DEFAULT TRUE NOT NULL, updated_at BIGINT NOT NULL)");
        }
        insert("alice", ALICE, null, true);
        insert("reader", READER, "GET,HEAD", true);
        insert("off", OFF, null, false);
        Path webapp = WebappTemplate.fill("apikey-jdbc", Map.of("JDBC_URL", db.url().replace("&", "&amp;"), "JDBC_USER", db.user(),
                "JDBC_TABLE", table));
        deploy(webapp);
    }

    @AfterParameterizedClassInvocation
    void dropTable() throws Exception {
        // The application first, so that its reload thread never finds the table gone.
        undeploy();
        db.drop(table);
    }

    private void insert(String client, String key, String methods, boolean enabled) throws Exception {
        try (Connection c = db.connect(); PreparedStatement s = c.prepareStatement("INSERT INTO " + table
                + " (client_id, key_sha256, methods, enabled, updated_at) VALUES (?, ?, ?, ?, ?)")) {
            s.setString(1, client);
            s.setString(2, ApiKeys.sha256Hex(key));
            s.setString(3, methods);
            s.setBoolean(4, enabled);
            s.setLong(5, System.currentTimeMillis());
            s.executeUpdate();
        }
    }

    @Test
    void shouldAnswerWithTheKeysOfTheTable() throws Exception {
        Http.Response alice = Http.get(port, "/api/items", "X-API-KEY: " + ALICE);
        assertEquals(200, alice.status(), alice::toString);
        assertEquals("alice", alice.json().get("remote_user").asText());
        assertEquals(200, Http.get(port, "/api/items", "X-API-KEY: " + READER).status());
        Http.Response post = Http.send(port, "POST", "/api/items", "", "X-API-KEY: " + READER);
        assertEquals(403, post.status(), "methods=GET,HEAD");
        Http.Response off = Http.get(port, "/api/items", "X-API-KEY: " + OFF);
        assertEquals(401, off.status(), "a disabled row");
        assertEquals("Invalid API key", off.json().get("error").asText());
        assertEquals(401, Http.get(port, "/api/items").status());
    }

    @Test
    void shouldAcceptARowAddedWhileTheApplicationRuns() throws Exception {
        ObjectName filter = new ObjectName("dev.tollgate:type=ApiKeyFilter,context=/,name=api-key");
        long reloads = ((Number) ManagementFactory.getPlatformMBeanServer().getAttribute(filter, "ReloadsSucceeded")).longValue();
        assertEquals(401, Http.get(port, "/api/items", "X-API-KEY: " + CAROL).status());
        insert("carol", CAROL, null, true);
        Http.Response carol = Wait.until("carol's key accepted", () -> Http.get(port, "/api/items", "X-API-KEY: " + CAROL),
                r -> r.status() == 200);
        assertEquals("carol", carol.json().get("remote_user").asText());
        assertEquals(reloads + 1, ((Number) ManagementFactory.getPlatformMBeanServer().getAttribute(filter, "ReloadsSucceeded")).longValue(),
                "one reload of the changed table");
        assertEquals(3L, ((Number) ManagementFactory.getPlatformMBeanServer().getAttribute(filter, "KeysLoaded")).longValue());
    }
}
