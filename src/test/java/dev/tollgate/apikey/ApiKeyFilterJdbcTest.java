package dev.tollgate.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.it.Wait;
import dev.tollgate.testing.FakeHttp;
import dev.tollgate.testing.Fakes;
import jakarta.servlet.ServletException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.naming.Context;
import javax.naming.NameNotFoundException;
import javax.naming.spi.InitialContextFactory;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code keys-source=jdbc} init-params of {@link ApiKeyFilter}: what startup refuses before it
 * connects, and the filter on a keys table of H2 in memory.
 */
class ApiKeyFilterJdbcTest {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static final String KEY = "tg_jdbc-key-0123456789";
    private static final String HASH = ApiKeys.sha256Hex(KEY);

    private final String url = "jdbc:h2:mem:keys-filter-" + DATABASES.incrementAndGet() + ";DB_CLOSE_DELAY=-1";
    private ApiKeyFilter started;

    @AfterEach
    void stop() throws Exception {
        if (started != null) {
            started.destroy();
        }
        try (Connection c = DriverManager.getConnection(url, "sa", ""); Statement s = c.createStatement()) {
            s.execute("SHUTDOWN");
        }
    }

    private static ServletException initFailure(Map<String, String> params) {
        return assertThrows(ServletException.class, () -> new ApiKeyFilter().init(Fakes.filterConfig("api-key", params)));
    }

    private static Map<String, String> params(String... pairs) {
        Map<String, String> map = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map;
    }

    @Test
    void shouldRefuseAnUnknownKeysSource() {
        assertEquals("ApiKeyFilter: init-param [keys-source] has invalid value [ldap]: must be one of [file, jdbc]",
                initFailure(params("keys-source", "ldap", "keys", "a:" + HASH)).getMessage());
    }

    @Test
    void shouldNeedADataSourceOrAUrl() {
        assertEquals("ApiKeyFilter: init-param [keys-source] jdbc needs init-param [keys-jdbc-datasource] (the JNDI name of the application's "
                        + "DataSource, like jdbc/app) or init-param [keys-jdbc-url] (a JDBC URL, like jdbc:postgresql://db:5432/app)",
                initFailure(params("keys-source", "jdbc")).getMessage());
    }

    @Test
    void shouldRefuseBothADataSourceAndAUrlWithoutShowingThePassword() {
        String message = initFailure(params("keys-source", "jdbc", "keys-jdbc-datasource", "jdbc/app",
                "keys-jdbc-url", "jdbc:postgresql://db:5432/app?user=app&password=s3cret")).getMessage();
        assertEquals("ApiKeyFilter: init-param [keys-jdbc-url] has invalid value [jdbc:postgresql://db:5432/app?user=app&password=***]: "
                + "must not be set with init-param [keys-jdbc-datasource]: the keys are read through one of them", message);
    }

    @Test
    void shouldRefuseAUrlThatIsNotAJdbcUrl() {
        assertEquals("ApiKeyFilter: init-param [keys-jdbc-url] has invalid value [postgresql://db/app]: must be a JDBC URL, like "
                + "jdbc:postgresql://db:5432/app", initFailure(params("keys-source", "jdbc", "keys-jdbc-url", "postgresql://db/app")).getMessage());
    }

    @Test
    void shouldRefuseAUserOrPasswordWithADataSource() {
        assertEquals("ApiKeyFilter: init-param [keys-jdbc-user] has invalid value [app]: is read only with init-param [keys-jdbc-url]; "
                + "a DataSource has its own user", initFailure(params("keys-source", "jdbc", "keys-jdbc-datasource", "jdbc/app",
                        "keys-jdbc-user", "app")).getMessage());
        assertEquals("ApiKeyFilter: init-param [keys-jdbc-password] has invalid value [(hidden)]: is read only with init-param "
                + "[keys-jdbc-url]; a DataSource has its own user", initFailure(params("keys-source", "jdbc", "keys-jdbc-datasource",
                        "jdbc/app", "keys-jdbc-password", "s3cret")).getMessage());
    }

    @Test
    void shouldRefuseABadTableName() {
        assertEquals("ApiKeyFilter: init-param [keys-jdbc-table] has invalid value [keys;drop table x]: must be a table name, letters, "
                + "digits and _ (not starting with a digit), optionally after a schema and a dot, like tollgate_api_keys or "
                + "app.tollgate_api_keys", initFailure(params("keys-source", "jdbc", "keys-jdbc-url", url,
                        "keys-jdbc-table", "keys;drop table x")).getMessage());
    }

    @Test
    void shouldRefuseTheKeysFileWithTheTable() {
        assertEquals("ApiKeyFilter: init-param [keys-file] has invalid value [/etc/keys.txt]: must not be set with keys-source=jdbc: "
                + "the keys come from the table", initFailure(params("keys-source", "jdbc", "keys-jdbc-url", url,
                        "keys-file", "/etc/keys.txt")).getMessage());
    }

    @Test
    void shouldRefuseJdbcParamsWithTheKeysFile() {
        for (String param : new String[] {"keys-jdbc-datasource", "keys-jdbc-url", "keys-jdbc-user", "keys-jdbc-table"}) {
            assertEquals("ApiKeyFilter: init-param [" + param + "] has invalid value [x]: is read only with keys-source=jdbc",
                    initFailure(params("keys", "a:" + HASH, param, "x")).getMessage());
        }
        assertEquals("ApiKeyFilter: init-param [keys-jdbc-password] has invalid value [(hidden)]: is read only with keys-source=jdbc",
                initFailure(params("keys", "a:" + HASH, "keys-jdbc-password", "s3cret")).getMessage());
    }

    @Test
    void shouldFailStartupWhenTheDatabaseDoesNotAnswer() {
        String message = initFailure(params("keys-source", "jdbc", "keys-jdbc-url", "jdbc:postgresql://127.0.0.1:1/app?password=s3cret",
                "keys-jdbc-user", "app", "keys-jdbc-password", "s3cret")).getMessage();
        assertTrue(message.startsWith("ApiKeyFilter: the keys table [tollgate_api_keys] cannot be read from "
                + "jdbc:postgresql://127.0.0.1:1/app?password=***: "), message);
        assertFalse(message.contains("s3cret"), message);
    }

    @Test
    void shouldFailStartupWithTheDdlOfEveryDatabaseWhenTheTableIsMissing() {
        String message = initFailure(params("keys-source", "jdbc", "keys-jdbc-url", url, "keys-jdbc-user", "sa",
                "keys-jdbc-table", "app_keys")).getMessage();
        assertTrue(message.startsWith("ApiKeyFilter: the keys table [app_keys] is missing in " + url + "; create it:\n"), message);
        for (String name : new String[] {"PostgreSQL", "MariaDB/MySQL", "Oracle", "SQL Server", "H2"}) {
            assertTrue(message.contains("-- " + name + "\nCREATE TABLE app_keys ("), message);
        }
    }

    @Test
    void shouldFailStartupNamingTheMissingColumns() throws Exception {
        execute("CREATE TABLE app_keys (client_id VARCHAR(64), key_sha256 CHAR(64), updated_at BIGINT)");
        String message = initFailure(params("keys-source", "jdbc", "keys-jdbc-url", url, "keys-jdbc-user", "sa",
                "keys-jdbc-table", "app_keys")).getMessage();
        assertTrue(message.startsWith("ApiKeyFilter: the keys table [app_keys] in " + url + " lacks the columns [plan, expires, methods, "
                + "paths, enabled]; its DDL:\n"), message);
    }

    @Test
    void shouldCheckKeysFromTheTableAndTheInlineKeys() throws Exception {
        createTable("tollgate_api_keys");
        insert("tollgate_api_keys", "alice", HASH, true);
        insert("tollgate_api_keys", "off", ApiKeys.sha256Hex("tg_off-key"), false);
        started = new ApiKeyFilter();
        started.init(Fakes.filterConfig("api-key", params("keys-source", "jdbc", "keys-jdbc-url", url, "keys-jdbc-user", "sa",
                "keys", "ops:" + ApiKeys.sha256Hex("tg_ops-key"), "reload-interval", "0")));
        assertEquals("alice", passes("tg_jdbc-key-0123456789"));
        assertEquals("ops", passes("tg_ops-key"));
        assertEquals(401, status("tg_off-key"), "a disabled row is not loaded");
        assertEquals(401, status("tg_unknown-key"));
    }

    @Test
    void shouldRefuseTheSameKeyInlineAndInTheTable() throws Exception {
        createTable("tollgate_api_keys");
        insert("tollgate_api_keys", "alice", HASH, true);
        String message = initFailure(params("keys-source", "jdbc", "keys-jdbc-url", url, "keys-jdbc-user", "sa",
                "keys", "ops:" + HASH, "reload-interval", "0")).getMessage();
        assertEquals("ApiKeyFilter: the keys table [tollgate_api_keys] in " + url + " is invalid: duplicate key: client [alice] has "
                + "the same hash as client [ops]", message);
    }

    @Test
    void shouldLeaveNoReloadThreadWhenALaterParamFailsInit() throws Exception {
        createTable("tollgate_api_keys");
        insert("tollgate_api_keys", "alice", HASH, true);
        Set<Thread> before = reloadThreads();
        assertEquals("ApiKeyFilter: init-param [bearer] has invalid value [on]: must be true or false",
                initFailure(params("keys-source", "jdbc", "keys-jdbc-url", url, "keys-jdbc-user", "sa", "reload-interval", "1",
                        "bearer", "on")).getMessage());
        Set<Thread> leaked = Wait.poll(Duration.ofSeconds(2), () -> {
            Set<Thread> now = reloadThreads();
            now.removeAll(before);
            return now;
        }, Set::isEmpty);
        assertTrue(leaked.isEmpty(), "reload threads left alive: " + leaked);
    }

    @Test
    void shouldReadTheTableThroughTheDataSourceNamedInJndi() throws Exception {
        createTable("tollgate_api_keys");
        insert("tollgate_api_keys", "alice", HASH, true);
        JdbcDataSource dataSource = new JdbcDataSource();
        dataSource.setURL(url);
        dataSource.setUser("sa");
        String before = System.getProperty(Context.INITIAL_CONTEXT_FACTORY);
        System.setProperty(Context.INITIAL_CONTEXT_FACTORY, TestContextFactory.class.getName());
        try {
            TestContextFactory.BOUND.put("java:comp/env/jdbc/keys", dataSource);
            TestContextFactory.BOUND.put("java:global/keys", dataSource);
            TestContextFactory.BOUND.put("java:comp/env/jdbc/other", "not a DataSource");
            for (String name : new String[] {"jdbc/keys", "java:global/keys"}) {
                ApiKeyFilter filter = new ApiKeyFilter();
                filter.init(Fakes.filterConfig("api-key", params("keys-source", "jdbc", "keys-jdbc-datasource", name, "reload-interval", "0")));
                started = filter;
                assertEquals("alice", passes(KEY), name);
                filter.destroy();
                started = null;
            }
            assertEquals("ApiKeyFilter: init-param [keys-jdbc-datasource] has invalid value [jdbc/other]: names a java.lang.String in "
                    + "JNDI (java:comp/env/jdbc/other), not a javax.sql.DataSource",
                    initFailure(params("keys-source", "jdbc", "keys-jdbc-datasource", "jdbc/other")).getMessage());
            assertTrue(initFailure(params("keys-source", "jdbc", "keys-jdbc-datasource", "jdbc/none")).getMessage().startsWith(
                    "ApiKeyFilter: init-param [keys-jdbc-datasource] has invalid value [jdbc/none]: must name a DataSource of the web "
                    + "application in JNDI (java:comp/env/jdbc/none, from the container's context.xml, jetty-env.xml or a resource-ref)"));
        } finally {
            TestContextFactory.BOUND.clear();
            if (before == null) {
                System.clearProperty(Context.INITIAL_CONTEXT_FACTORY);
            } else {
                System.setProperty(Context.INITIAL_CONTEXT_FACTORY, before);
            }
        }
    }

    /** A JNDI context of the names in {@link #BOUND}, as a container's {@code java:comp/env} holds the application's resources. */
    public static final class TestContextFactory implements InitialContextFactory {
        static final Map<String, Object> BOUND = new ConcurrentHashMap<>();

        @Override
        public Context getInitialContext(Hashtable<?, ?> environment) {
            return (Context) Proxy.newProxyInstance(Context.class.getClassLoader(), new Class<?>[] {Context.class}, (proxy, method, args) -> {
                switch (method.getName()) {
                    case "lookup" -> {
                        Object bound = BOUND.get(String.valueOf(args[0]));
                        if (bound == null) {
                            throw new NameNotFoundException(args[0] + " is not bound");
                        }
                        return bound;
                    }
                    case "close" -> {
                        return null;
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                }
            });
        }
    }

    private static Set<Thread> reloadThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("tollgate-apikeys-reload") && t.isAlive())
                .collect(Collectors.toSet());
    }

    private String passes(String key) throws Exception {
        FakeHttp.Chain chain = new FakeHttp.Chain();
        FakeHttp.Response response = FakeHttp.response();
        started.doFilter(FakeHttp.request("GET", "/api/x").header("X-API-KEY", key).get(), response.get(), chain);
        assertEquals(1, chain.calls(), () -> response.status() + " " + response.body());
        return (String) chain.request().getAttribute(ApiKeyFilter.CLIENT_ID_ATTRIBUTE);
    }

    private int status(String key) throws Exception {
        FakeHttp.Chain chain = new FakeHttp.Chain();
        FakeHttp.Response response = FakeHttp.response();
        started.doFilter(FakeHttp.request("GET", "/api/x").header("X-API-KEY", key).get(), response.get(), chain);
        assertEquals(0, chain.calls());
        return response.status();
    }

    private void execute(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "sa", ""); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private void createTable(String name) throws Exception {
        execute(new ApiKeysTable(name).ddl(ApiKeysTable.Dialect.H2));
    }

    private void insert(String table, String client, String hash, boolean enabled) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "sa", "");
             PreparedStatement s = c.prepareStatement("INSERT INTO " + table + " (client_id, key_sha256, enabled, updated_at) VALUES (?, ?, ?, ?)")) {
            s.setString(1, client);
            s.setString(2, hash);
            s.setBoolean(3, enabled);
            s.setLong(4, System.currentTimeMillis());
            s.executeUpdate();
        }
    }
}
