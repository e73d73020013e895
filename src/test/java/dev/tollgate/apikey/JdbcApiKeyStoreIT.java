package dev.tollgate.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.tollgate.it.LogCapture;
import dev.tollgate.it.Wait;
import dev.tollgate.ratelimit.jdbc.TestDatabase;
import dev.tollgate.testing.FakeHttp;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

/**
 * The keys table of {@code keys-source=jdbc} on real PostgreSQL and MariaDB servers and H2 in
 * memory: what a read loads, what a reload refuses (keeping the keys in force, with one ERROR),
 * that an unchanged table costs one cheap query and no read of its rows, and that no log event of
 * any of it shows a key or a hash.
 */
@ParameterizedClass
@EnumSource(TestDatabase.class)
class JdbcApiKeyStoreIT {

    private static final AtomicLong TABLES = new AtomicLong(System.nanoTime() % 100_000);
    private static final String ALICE = "tg_alice-table-key-0123456789";
    private static final String READER = "tg_reader-table-key-0123456789";
    private static final String OFF = "tg_off-table-key-0123456789";
    private static final String OLD = "tg_old-table-key-0123456789";
    private static final String BOB = "tg_bob-table-key-0123456789";
    private static final List<String> KEYS = List.of(ALICE, READER, OFF, OLD, BOB);

    @Parameter
    TestDatabase db;

    private final String table = "tollgate_keys_it_" + TABLES.incrementAndGet();
    private final List<AutoCloseable> opened = new ArrayList<>();
    /** Every statement the store prepared, in order. */
    private final List<String> statements = new CopyOnWriteArrayList<>();
    private LogCapture log;
    private Level level;

    @BeforeEach
    void captureEverythingTollgateLogs() {
        Logger tollgate = (Logger) LoggerFactory.getLogger("dev.tollgate");
        level = tollgate.getLevel();
        tollgate.setLevel(Level.DEBUG);
        log = new LogCapture("dev.tollgate");
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : opened) {
            c.close();
        }
        log.close();
        ((Logger) LoggerFactory.getLogger("dev.tollgate")).setLevel(level);
        db.drop(table);
        assertNoSecretLogged();
    }

    /** No event of any case shows a key, a hash (either case) or a part of one. */
    private void assertNoSecretLogged() {
        for (ILoggingEvent event : log.events()) {
            String text = event.getFormattedMessage() + (event.getThrowableProxy() == null ? "" : " " + event.getThrowableProxy().getMessage());
            for (String key : KEYS) {
                String hash = ApiKeys.sha256Hex(key);
                for (String secret : List.of(key.substring(3, 15), hash.substring(0, 16), hash.substring(40), hash.toUpperCase(Locale.ROOT).substring(8, 24))) {
                    assertFalse(text.contains(secret), "a key or hash in the log: " + text);
                }
            }
        }
    }

    private void create() throws Exception {
        db.drop(table);
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute(new ApiKeysTable(table).ddl(ApiKeysTable.dialect(c.getMetaData().getDatabaseProductName())));
        }
    }

    /** A table as one created by hand may be: no primary key, no unique hash. */
    private void createWithoutConstraints() throws Exception {
        db.drop(table);
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE " + table + " (client_id VARCHAR(64), key_sha256 VARCHAR(64), plan VARCHAR(64), expires VARCHAR(40), "
                    + "methods VARCHAR(255), paths VARCHAR(2000), enabled BOOLEAN, updated_at BIGINT)");
        }
    }

    private void insert(String client, String hash, String plan, String expires, String methods, String paths, boolean enabled)
            throws Exception {
        try (Connection c = db.connect(); PreparedStatement s = c.prepareStatement("INSERT INTO " + table
                + " (client_id, key_sha256, plan, expires, methods, paths, enabled, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            s.setString(1, client);
            s.setString(2, hash);
            s.setString(3, plan);
            s.setString(4, expires);
            s.setString(5, methods);
            s.setString(6, paths);
            s.setBoolean(7, enabled);
            s.setLong(8, System.currentTimeMillis());
            s.executeUpdate();
        }
    }

    private void insert(String client, String key) throws Exception {
        insert(client, ApiKeys.sha256Hex(key), null, null, null, null, true);
    }

    private void execute(String sql) throws Exception {
        try (Connection c = db.connect(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Connections to the database that note every statement the store prepares. */
    private JdbcApiKeyStore.Connections counted() {
        return JdbcApiKeyStore.Connections.pooled(() -> {
            Connection real = DriverManager.getConnection(db.url(), db.user(), db.password());
            return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                    (proxy, method, args) -> {
                        if (method.getName().startsWith("prepare") && args != null && args[0] instanceof String sql) {
                            statements.add(sql);
                        }
                        try {
                            return method.invoke(real, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        });
    }

    private JdbcApiKeyStore open(Duration reloadInterval, Duration fullReadPeriod, List<ApiKeyEntry> inline)
            throws JdbcApiKeyStore.StartupException {
        JdbcApiKeyStore store = JdbcApiKeyStore.load(db.name(), new ApiKeysTable(table), counted(), reloadInterval, inline, fullReadPeriod);
        opened.add(store);
        return store;
    }

    private JdbcApiKeyStore open() throws JdbcApiKeyStore.StartupException {
        return open(Duration.ZERO, Duration.ofHours(1), List.of());
    }

    private long fullReads() {
        return statements.stream().filter(sql -> sql.equals("SELECT * FROM " + table)).count();
    }

    private long cheapQueries() {
        return statements.stream().filter(sql -> sql.startsWith("SELECT COUNT(*)")).count();
    }

    private List<ILoggingEvent> errors() {
        return log.events().stream().filter(e -> e.getLevel() == Level.ERROR).toList();
    }

    private long infos() {
        return log.events().stream().filter(e -> e.getLevel() == Level.INFO).count();
    }

    private static ApiKeyEntry find(ApiKeyStore store, String key) {
        return store.find(ApiKeys.sha256(key));
    }

    private static int status(ApiKeyFilter filter, String key) throws Exception {
        FakeHttp.Response response = FakeHttp.response();
        FakeHttp.Chain chain = new FakeHttp.Chain();
        filter.doFilter(FakeHttp.request("GET", "/api/reports/1").header("X-API-KEY", key).get(), response.get(), chain);
        return chain.calls() == 1 ? 200 : response.status();
    }

    @Test
    void shouldLoadTheEnabledRowsWithTheAttributesOfAKeysFileLine() throws Exception {
        create();
        insert("alice", ApiKeys.sha256Hex(ALICE), "gold", "2099-01-31T00:00:00Z", "GET,HEAD", "/api/reports", true);
        insert("reader", ApiKeys.sha256Hex(READER), null, null, "POST", null, true);
        insert("off", ApiKeys.sha256Hex(OFF), null, null, null, null, false);
        insert("old", ApiKeys.sha256Hex(OLD), null, "2020-01-01T00:00:00Z", null, null, true);
        JdbcApiKeyStore store = open();
        assertEquals(3, store.size());
        ApiKeyEntry alice = find(store, ALICE);
        assertEquals("ApiKeyEntry[client=alice, expires=2099-01-31T00:00:00Z, methods=[GET, HEAD], paths=[/api/reports], plan=gold]",
                alice.toString().replace("methods=[HEAD, GET]", "methods=[GET, HEAD]"));
        assertEquals(java.util.Map.of("alice", "gold"), store.plansByClient());
        assertNull(find(store, OFF), "a disabled row is not loaded");

        ApiKeyFilter filter = ApiKeyFilter.builder(store).build();
        filter.init(dev.tollgate.testing.Fakes.filterConfig("api-key", java.util.Map.of()));
        try {
            assertEquals(200, status(filter, ALICE));
            assertEquals(403, status(filter, READER), "methods=POST");
            assertEquals(401, status(filter, OFF), "disabled");
            assertEquals(401, status(filter, OLD), "expired");
        } finally {
            filter.destroy();
        }
    }

    @Test
    void shouldLoadARowAddedOrDisabledWithinTheReloadInterval() throws Exception {
        create();
        insert("alice", ALICE);
        JdbcApiKeyStore store = open(Duration.ofMillis(200), Duration.ofHours(1), List.of());
        AtomicInteger reloads = new AtomicInteger();
        store.reportReloads((success, millis) -> reloads.incrementAndGet());
        store.startReloading();
        // The key tool's INSERT, as printed, on this database.
        execute(keyToolInsert("bob", BOB).replace("tollgate_api_keys", table));
        Wait.until("bob's key", () -> find(store, BOB), e -> e != null);
        assertEquals("bob", find(store, BOB).clientId());
        execute("UPDATE " + table + " SET enabled = " + "FALSE" + ", updated_at = "
                + System.currentTimeMillis() + " WHERE client_id = 'alice'");
        Wait.until("alice's key disabled", () -> find(store, ALICE), e -> e == null);
        assertEquals(1, store.size());
        // The store takes the new keys first, then logs and reports the reload: wait for the report.
        Wait.until("the second reload reported", reloads::get, n -> n >= 2);
        assertTrue(log.text().contains("Reloaded 1 API keys from table " + table), log.text());
    }

    /** The INSERT that {@code java -jar tollgate.jar generate <client>} prints, for {@code key} instead of the key it makes. */
    private static String keyToolInsert(String client, String key) throws Exception {
        Method run = Class.forName("dev.tollgate.cli.KeyTool").getDeclaredMethod("run", String[].class, InputStream.class,
                PrintStream.class, PrintStream.class);
        run.setAccessible(true);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        run.invoke(null, new String[] {"generate", client}, InputStream.nullInputStream(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(OutputStream.nullOutputStream()));
        String printed = out.toString(StandardCharsets.UTF_8);
        String generated = printed.lines().filter(l -> l.startsWith("key:")).findFirst().orElseThrow().substring(4).strip();
        String sql = printed.lines().filter(l -> l.startsWith("sql:")).findFirst().orElseThrow().substring(4).strip();
        assertTrue(sql.endsWith(";"), sql);
        return sql.substring(0, sql.length() - 1).replace(ApiKeys.sha256Hex(generated), ApiKeys.sha256Hex(key));
    }

    @Test
    void shouldRefuseDuplicatesKeepingTheKeysInForceWithOneError() throws Exception {
        createWithoutConstraints();
        insert("alice", ALICE);
        insert("reader", READER);
        JdbcApiKeyStore store = open();
        AtomicInteger failures = new AtomicInteger();
        store.reportReloads((success, millis) -> failures.addAndGet(success ? 0 : 1));

        // The same hash, once in upper case: a unique index of the column may not see it.
        insert("bob", ApiKeys.sha256Hex(ALICE).toUpperCase(Locale.ROOT), null, null, null, null, true);
        execute("DELETE FROM " + table + " WHERE client_id = 'reader'");
        store.reloadIfChanged();
        store.reloadIfChanged();
        assertEquals(1, errors().size(), log.text());
        assertEquals("Keys table " + table + " not reloaded, keeping the previous 2 keys: duplicate key: client [bob] has the same hash "
                + "as client [alice]", errors().get(0).getFormattedMessage());
        assertEquals(1, failures.get(), "one failed reload");
        assertNotNull(find(store, READER), "the previous keys stay: reader was deleted in the refused read");
        assertNull(find(store, BOB));

        execute("DELETE FROM " + table + " WHERE client_id = 'bob'");
        insert("alice", BOB);
        store.reloadIfChanged();
        store.reloadIfChanged();
        assertEquals(2, errors().size(), log.text());
        assertEquals("Keys table " + table + " not reloaded, keeping the previous 2 keys: duplicate client id [alice]",
                errors().get(1).getFormattedMessage());
        assertNotNull(find(store, READER));

        execute("DELETE FROM " + table + " WHERE key_sha256 = '" + ApiKeys.sha256Hex(BOB) + "'");
        store.reloadIfChanged();
        assertEquals(2, errors().size(), log.text());
        assertNull(find(store, READER), "the fixed table is loaded");
        assertNotNull(find(store, ALICE));
    }

    @Test
    void shouldKeepTheKeysWhenTheTableIsEmptiedUntilItHoldsKeysAgain() throws Exception {
        create();
        insert("alice", ALICE);
        insert("reader", READER);
        JdbcApiKeyStore store = open();
        execute("DELETE FROM " + table);
        for (int i = 0; i < 3; i++) {
            store.reloadIfChanged();
        }
        assertEquals(1, errors().size(), log.text());
        assertTrue(errors().get(0).getFormattedMessage().endsWith("keeping the previous 2 keys: the table has no rows; a keys table "
                + "that held keys may not become empty (to revoke every key, set enabled to false on its rows)"), log.text());
        assertEquals(2, store.size());
        insert("bob", BOB);
        store.reloadIfChanged();
        assertEquals(1, store.size());
        assertNotNull(find(store, BOB));
        assertEquals(1, errors().size());
    }

    @Test
    void shouldRevokeEveryKeyWhenEveryRowIsDisabled() throws Exception {
        create();
        insert("alice", ALICE);
        JdbcApiKeyStore store = open(Duration.ZERO, Duration.ofHours(1),
                List.of(ApiKeyEntry.builder("ops", ApiKeys.sha256(READER)).build()));
        execute("UPDATE " + table + " SET enabled = " + "FALSE" + ", updated_at = "
                + System.currentTimeMillis());
        store.reloadIfChanged();
        assertNull(find(store, ALICE));
        assertEquals("ops", find(store, READER).clientId(), "the inline key stays");
        assertTrue(log.text().contains("Every row of keys table " + table + " is disabled: its 1 keys are revoked; 1 inline keys stay"),
                log.text());
        assertTrue(errors().isEmpty(), log.text());
    }

    @Test
    void shouldKeepTheKeysWithOneErrorWhileTheTableCannotBeReadAndSayWhenItCan() throws Exception {
        create();
        insert("alice", ALICE);
        JdbcApiKeyStore store = open();
        AtomicInteger failures = new AtomicInteger();
        store.reportReloads((success, millis) -> failures.addAndGet(success ? 0 : 1));
        db.drop(table);
        for (int i = 0; i < 3; i++) {
            store.reloadIfChanged();
        }
        assertEquals(1, errors().size(), log.text());
        assertTrue(errors().get(0).getFormattedMessage().startsWith("Keys table " + table + " cannot be read, keeping the previous 1 keys: "),
                log.text());
        assertEquals(1, failures.get());
        assertNotNull(find(store, ALICE));
        create();
        insert("bob", BOB);
        store.reloadIfChanged();
        assertTrue(log.text().contains("Keys table " + table + " can be read again"), log.text());
        assertNotNull(find(store, BOB));
        assertNull(find(store, ALICE));
        assertEquals(1, errors().size());
    }

    @Test
    void shouldReadTheRowsOnlyWhenTheCheapQuerySaysTheTableChanged() throws Exception {
        create();
        insert("alice", ALICE);
        insert("reader", READER);
        JdbcApiKeyStore store = open(Duration.ofMillis(50), Duration.ofHours(1), List.of());
        assertEquals(1, fullReads(), statements::toString);
        store.startReloading();
        Wait.until("ten checks", this::cheapQueries, n -> n >= 10);
        assertEquals(1, fullReads(), "no read of unchanged rows");
        assertEquals("SELECT COUNT(*), MAX(updated_at), SUM(updated_at) FROM " + table,
                statements.stream().filter(sql -> sql.startsWith("SELECT COUNT(*)")).findFirst().orElseThrow());

        execute("UPDATE " + table + " SET plan = 'gold', updated_at = " + (System.currentTimeMillis() + 1) + " WHERE client_id = 'reader'");
        Wait.until("reader's new plan", () -> find(store, READER).plan(), "gold"::equals);
        assertEquals(2, fullReads());
        long checks = cheapQueries();
        Wait.until("ten more checks", this::cheapQueries, n -> n >= checks + 10);
        assertEquals(2, fullReads(), "no read of unchanged rows");
    }

    @Test
    void shouldSeeAChangeThatKeptItsUpdatedAtAtTheNextFullRead() throws Exception {
        create();
        insert("alice", ALICE);
        insert("reader", READER);
        JdbcApiKeyStore store = open(Duration.ZERO, Duration.ZERO, List.of());
        long infos = infos();
        store.reloadIfChanged();
        assertEquals(2, fullReads(), "a full read every time with a period of zero");
        assertEquals(infos, infos(), "a read that finds the same rows logs nothing");
        execute("UPDATE " + table + " SET enabled = " + "FALSE" + " WHERE client_id = 'alice'");
        store.reloadIfChanged();
        assertNull(find(store, ALICE));
        assertTrue(log.text().contains("Reloaded 1 API keys from table " + table), log.text());
    }

    @Test
    void shouldNeverLogTheKeyOfARowWhoseColumnsAreMixedUp() throws Exception {
        createWithoutConstraints();
        insert("alice", ALICE);
        JdbcApiKeyStore store = open();
        // A key written where its hash belongs, and an inline entry with its key (not its hash) as a client id.
        insert("bob", BOB, null, null, null, null, true);
        store.reloadIfChanged();
        execute("DELETE FROM " + table + " WHERE client_id = 'bob'");
        insert("carol:" + READER, ApiKeys.sha256Hex(READER), null, null, null, null, true);
        store.reloadIfChanged();
        assertEquals(2, errors().size(), log.text());
        assertTrue(errors().get(0).getFormattedMessage().endsWith("client_id [bob]: column key_sha256: hash must be 64 hex characters "
                + "(SHA-256), found " + BOB.length() + " characters"), log.text());
        assertTrue(errors().get(1).getFormattedMessage().endsWith("row 2 of 2 (in client_id order): column client_id: client id must be "
                + "1-64 characters of [A-Za-z0-9._@-]"), log.text());
        assertNotNull(find(store, ALICE));
        // assertNoSecretLogged() runs after each case.
    }

    @Test
    void shouldFailStartupWithTheDdlWhenTheTableIsMissing() throws Exception {
        db.drop(table);
        JdbcApiKeyStore.StartupException missing = assertThrows(JdbcApiKeyStore.StartupException.class, () -> open());
        assertTrue(missing.getMessage().startsWith("the keys table [" + table + "] is missing in " + db.name() + "; create it:\n"),
                missing::getMessage);
        assertTrue(missing.getMessage().contains("-- PostgreSQL\nCREATE TABLE " + table + " (client_id VARCHAR(64)"), missing::getMessage);
        // The DDL printed for this database creates a table the store reads.
        String ddl;
        try (Connection c = db.connect()) {
            ddl = new ApiKeysTable(table).ddl(ApiKeysTable.dialect(c.getMetaData().getDatabaseProductName()));
        }
        assertTrue(missing.getMessage().contains(ddl + ";"), missing::getMessage);
        execute(ddl);
        insert("alice", ALICE);
        assertEquals(1, open().size());
    }
}
