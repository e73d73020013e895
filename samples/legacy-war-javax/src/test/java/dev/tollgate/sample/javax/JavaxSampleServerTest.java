package dev.tollgate.sample.javax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The transformed sample answers on Tomcat 9 as the jakarta one does on Tomcat 10.1. */
class JavaxSampleServerTest {

    private static final JavaxSampleServer SERVER = new JavaxSampleServer();
    private static final HttpClient CLIENT = HttpClient.newHttpClient();
    private static int port;

    @BeforeAll
    static void start() throws Exception {
        port = SERVER.start(0, Path.of(System.getProperty("sample.war")));
    }

    @AfterAll
    static void stop() throws Exception {
        SERVER.stop();
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("X-API-KEY", "tg_demo-key-for-the-sample-only").timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldAnswerOnTomcat9WithJsonErrors() throws Exception {
        assertTrue(org.apache.catalina.util.ServerInfo.getServerNumber().startsWith("9.0."));
        HttpResponse<String> hello = get("/api/hello");
        assertEquals(200, hello.statusCode());
        String id = hello.headers().firstValue("X-Request-ID").orElseThrow();
        assertTrue(hello.body().contains("\"request_id\":\"" + id + "\""), hello.body());
        HttpResponse<String> fail = get("/api/fail");
        assertEquals(500, fail.statusCode());
        assertTrue(fail.body().startsWith("{\"success\":false,\"error\":\"Internal server error\""), fail.body());
        assertFalse(fail.body().contains("s3cret"));
        HttpResponse<String> noKey = CLIENT.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/hello"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, noKey.statusCode());
        assertTrue(noKey.body().contains("\"error\":\"Authentication required\""), noKey.body());
        HttpResponse<String> missing = get("/nowhere");
        assertEquals(404, missing.statusCode());
        assertTrue(missing.body().contains("\"error\":\"Resource not found\""), missing.body());
    }
}
