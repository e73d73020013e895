package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.tollgate.ratelimit.jdbc.TestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The database store on the application's own {@code DataSource} as Jetty defines it: a
 * {@code WEB-INF/jetty-env.xml} binds {@code jdbc/app} (PostgreSQL's {@code PGSimpleDataSource}),
 * and the rate-limit filter finds it with {@code jdbc-datasource=jdbc/app}, as the docs show.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JdbcJettyEnvIT {

    private final TestDatabase db = TestDatabase.POSTGRESQL;
    private final String table = "tollgate_it_jndi_" + (System.nanoTime() % 100_000);
    private final EmbeddedContainer jetty = EmbeddedContainer.jetty();

    @BeforeAll
    void start() throws Exception {
        db.drop(table);
        String url = db.url() + "&user=" + db.user();
        Path webapp = WebappTemplate.fill("jdbc-jndi", Map.of("JDBC_URL", url.replace("&", "&amp;"), "JDBC_TABLE", table));
        jetty.start(webapp);
    }

    @AfterAll
    void stop() throws Exception {
        jetty.close();
        db.drop(table);
    }

    @Test
    void shouldCountInTheDataSourceThatJettyEnvXmlBinds() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals(200, Http.get(jetty.port(), "/api/items", "X-API-KEY: alice-key-0123456789").status());
        }
        Http.Response fourth = Http.get(jetty.port(), "/api/items", "X-API-KEY: alice-key-0123456789");
        assertEquals(429, fourth.status(), fourth::toString);
        try (Connection c = db.connect(); Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT COUNT(*) FROM " + table + " WHERE bucket_key LIKE '%alice%'")) {
            r.next();
            assertEquals(1, r.getLong(1), "alice's bucket is a row of the table, written through jdbc/app");
        }
    }
}
