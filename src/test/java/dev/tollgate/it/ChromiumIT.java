package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.opentest4j.AssertionFailedError;

/**
 * The browser harness ({@link Chromium}) on a page like the status page: an inline script that
 * fetches JSON and writes it into the page, served by the JDK's HTTP server as is, and under a
 * Content-Security-Policy that blocks the script.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ChromiumIT {

    /** An icon of its own, so that the browser asks for no /favicon.ico, whose 404 would be a console error. */
    private static final String PAGE = """
            <!DOCTYPE html>
            <html><head><title>state</title><link rel="icon" href="data:,"></head>
            <body><p id="state">loading</p>
            <script>
              fetch('/state.json').then(r => r.json()).then(s => {
                document.getElementById('state').textContent = 'state: ' + s.state;
              });
            </script></body></html>
            """;

    private final AtomicInteger fetches = new AtomicInteger();
    private HttpServer server;
    private String base;
    private Chromium browser;

    @BeforeAll
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/page", exchange -> send(exchange, "text/html", PAGE));
        server.createContext("/blocked", exchange -> {
            exchange.getResponseHeaders().set("Content-Security-Policy", "script-src 'none'");
            send(exchange, "text/html", PAGE);
        });
        server.createContext("/state.json", exchange -> {
            fetches.incrementAndGet();
            send(exchange, "application/json", "{\"state\":\"ok\"}");
        });
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        long started = System.nanoTime();
        browser = Chromium.start();
        System.out.printf("Chromium up in %d ms%n", (System.nanoTime() - started) / 1_000_000);
    }

    /** Closing leaves no process of the browser or its driver running. */
    @AfterAll
    void stop() {
        List<ProcessHandle> chromium = ProcessHandle.current().descendants()
                .filter(p -> p.info().command().orElse("").contains("chrom")).toList();
        if (browser != null) {
            browser.close();
        }
        if (server != null) {
            server.stop(0);
        }
        assertEquals(List.of(), Chromium.running(chromium).stream().map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
                .toList(), "browser processes running after close");
    }

    @Test
    void shouldWaitForTheTextThatAScriptWritesAfterAFetch() throws Exception {
        int before = fetches.get();
        browser.open(base + "/page");

        assertEquals("state: ok", browser.waitForText("#state", Pattern.compile("^state: ok$")));
        assertEquals(before + 1, fetches.get());
        assertEquals("state", browser.script("return document.title"));
        assertEquals(List.of(), browser.consoleErrors());
    }

    @Test
    void shouldReportTheCspViolationOfABlockedInlineScript() throws Exception {
        browser.open(base + "/blocked");

        List<String> errors = Wait.until("a console error", browser::consoleErrors, e -> !e.isEmpty());
        assertEquals(1, errors.size(), errors::toString);
        assertTrue(errors.get(0).matches("(?s).*inline script.*Content Security Policy directive.*script-src 'none'.*"),
                errors.get(0));
        assertEquals("loading", browser.text("#state"));
    }

    @Test
    void shouldFailAWaitForTextThatNeverComesWithWhatItSaw() throws Exception {
        browser.open(base + "/blocked");

        AssertionFailedError failure = assertThrows(AssertionFailedError.class,
                () -> browser.waitForText("#state", Pattern.compile("state: ok"), Duration.ofMillis(300)));
        assertEquals("waited 300 ms for the text of [#state] to match [state: ok]; last saw loading", failure.getMessage());
    }

    @Test
    void shouldSaveAPngOfTheViewport() throws Exception {
        browser.open(base + "/page");
        browser.waitForText("#state", Pattern.compile("state: ok"));

        Path png = browser.screenshot(Path.of("target", "browser", "ChromiumIT.png"));
        byte[] head = Arrays.copyOf(Files.readAllBytes(png), 24);
        assertEquals("\u0089PNG", new String(head, 0, 4, StandardCharsets.ISO_8859_1));
        ByteBuffer size = ByteBuffer.wrap(head, 16, 8);
        List<Integer> pixels = List.of(size.getInt(), size.getInt());
        assertEquals(browser.script("return [window.innerWidth, window.innerHeight]"), pixels.stream().map(Long::valueOf).toList());
        assertEquals(1280, pixels.get(0), "the width of the window");
    }

    private static void send(HttpExchange exchange, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        exchange.sendResponseHeaders(200, bytes.length);
        try (exchange) {
            exchange.getResponseBody().write(bytes);
        }
    }
}
