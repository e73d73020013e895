package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.error.ErrorRenderingFilter;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Which failures are the client's and which are the server's, over HTTP on one real container
 * deploying {@code src/test/webapps/client-faults}: a client that leaves is never a logged server
 * error; a backend's connection reset always is.
 */
abstract class ClientFaultCases extends ContainerCases {

    @BeforeAll
    void start() throws Exception {
        deploy("client-faults");
    }

    @BeforeEach
    void clearSignals() {
        ClientFaultServlets.Finished.PATHS.clear();
        ClientFaultServlets.Stream.OUTCOMES.clear();
    }

    /** Checks the default (IGNY8) error body and its headers; returns the body. */
    private static JsonNode assertErrorShape(Http.Response r, int status) {
        assertEquals(status, r.status(), r::toString);
        assertTrue(r.header("Content-Type").toLowerCase(Locale.ROOT).startsWith("application/json"), r::toString);
        JsonNode body = r.json();
        assertFalse(body.get("success").asBoolean(true), r::body);
        assertTrue(body.get("error").isTextual(), r::body);
        assertNotNull(r.header("X-Request-ID"));
        assertEquals(r.header("X-Request-ID"), body.get("request_id").asText());
        return body;
    }

    private static List<ILoggingEvent> errors(LogCapture log) {
        return log.events().stream().filter(e -> e.getLevel() == Level.ERROR).toList();
    }

    /** What was logged above DEBUG (DEBUG itself may be on, whoever turned it on). */
    private static List<String> aboveDebug(LogCapture log) {
        return log.events().stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.INFO))
                .map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** Waits until the outermost filter is done with {@code path}, so that everything is logged. */
    private static void awaitFinished(String path) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            String done = ClientFaultServlets.Finished.PATHS.poll(100, TimeUnit.MILLISECONDS);
            if (path.equals(done)) {
                return;
            }
        }
        throw new AssertionError("the request to " + path + " did not finish");
    }

    @Test
    void shouldAnswer500AndLogErrorWhenTheBackendResetsTheConnection() throws Exception {
        for (String path : List.of("/backend-reset", "/backend-reset?wrap=1", "/backend-reset?msg=Broken%20pipe")) {
            try (LogCapture log = new LogCapture(ErrorRenderingFilter.class)) {
                Http.Response r = Http.get(port, path);
                JsonNode body = assertErrorShape(r, 500);
                assertEquals("Internal server error", body.get("error").asText());
                assertFalse(r.body().contains("reset") || r.body().contains("pipe"), r::body);
                awaitFinished("/backend-reset");
                List<ILoggingEvent> errors = errors(log);
                assertEquals(1, errors.size(), path + ": " + log.text());
                assertNotNull(errors.get(0).getThrowableProxy(), log::text);
            }
        }
    }

    @Test
    void shouldLogNothingAboveDebugWhenTheClientLeavesMidBody() throws Exception {
        try (LogCapture log = new LogCapture(ErrorRenderingFilter.class)) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                socket.setSoTimeout(15_000);
                socket.getOutputStream().write(("GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                InputStream in = socket.getInputStream();
                byte[] some = in.readNBytes(4096);
                assertTrue(new String(some, StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 200"));
                socket.setSoLinger(true, 0);
            }
            String outcome = ClientFaultServlets.Stream.OUTCOMES.poll(20, TimeUnit.SECONDS);
            assertNotNull(outcome, "the servlet is still streaming");
            assertTrue(outcome.startsWith("failed: "), outcome);
            awaitFinished("/stream");
            assertEquals(List.of(), aboveDebug(log), log::text);
        }
    }
}
