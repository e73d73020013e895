package dev.tollgate.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The sample's database mode: {@code -Dtollgate.sample.store=jdbc} counts in H2 through the JNDI DataSource. */
class SampleDatabaseTest {

    @Test
    void shouldCountInTheEmbeddedDatabaseWithOneFlag() throws Exception {
        System.setProperty(SampleServer.STORE_PROPERTY, "jdbc");
        SampleServer server = new SampleServer();
        try {
            int port = server.start(0, SampleServer.webappDir());
            HttpClient http = HttpClient.newHttpClient();
            List<Integer> statuses = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/hello"))
                        .header("X-API-KEY", "tg_demo-read-only-key").build();
                statuses.add(http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode());
            }
            assertEquals(List.of(200, 200, 200, 200, 200, 429), statuses, "the default plan, 5 a minute");
            try (Connection c = DriverManager.getConnection(SampleServer.DATABASE_URL);
                 Statement s = c.createStatement();
                 ResultSet rows = s.executeQuery("SELECT COUNT(*) FROM tollgate_buckets WHERE bucket_key LIKE 'rate-limit:default:client:%'")) {
                assertTrue(rows.next());
                assertEquals(1, rows.getInt(1), "the client's bucket is a row of the database");
            }
        } finally {
            System.clearProperty(SampleServer.STORE_PROPERTY);
            server.stop();
        }
    }
}
