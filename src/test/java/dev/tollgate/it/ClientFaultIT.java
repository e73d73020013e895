package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.error.ErrorRenderingFilter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;

/**
 * Which failures are the client's and which are the server's, over HTTP on each container
 * deploying {@code src/test/webapps/client-faults}: a client that leaves or sends a broken body is
 * never a logged server error; a backend's reset or bad JSON, or a serialisation bug, always is.
 */
class ClientFaultIT extends ContainerCases {

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        deploy("client-faults");
    }

    @BeforeEach
    void clearSignals() {
        ClientFaultServlets.Finished.PATHS.clear();
        ClientFaultServlets.Stream.OUTCOMES.clear();
        ClientFaultServlets.ReadBody.STARTED.clear();
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

    /** Chunked bodies over limits of the container's own: Jetty 12 sets none. */
    List<String> overLimitChunkedBodies() {
        if (container == Container.TOMCAT) {
            // Tomcat refuses more than 8 KB of chunk extensions and of trailers by default.
            return List.of(
                    "5;ext=" + "e".repeat(20_000) + "\r\nhello\r\n0\r\n\r\n",
                    "5\r\nhello\r\n0\r\nX-Trailer: " + "t".repeat(20_000) + "\r\n\r\n");
        }
        return List.of();
    }

    @Test
    void shouldAnswer400ForAMalformedChunkedBody() throws Exception {
        List<String> bodies = new java.util.ArrayList<>(List.of(
                "5\r\nhello\r\nzz\r\nworld\r\n0\r\n\r\n",
                "5\r\nhelloXX0\r\n\r\n"));
        bodies.addAll(overLimitChunkedBodies());
        for (String body : bodies) {
            for (String path : List.of("/read-body", "/read-body?reader=1")) {
                try (LogCapture log = new LogCapture(ErrorRenderingFilter.class)) {
                    String request = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                            + "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n" + body;
                    Http.Response r = exchange(request, false);
                    assertNotNull(r, "no answer to a client that is still there");
                    assertEquals("Bad request", assertErrorShape(r, 400).get("error").asText());
                    awaitFinished("/read-body");
                    assertNoErrorWithStack(log);
                    assertFalse(log.text().contains("committed"), log::text);
                }
            }
        }
    }

    @Test
    void shouldLogNothingAboveDebugWhenTheClientLeavesMidRequestBody() throws Exception {
        try (LogCapture log = new LogCapture(ErrorRenderingFilter.class)) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                socket.getOutputStream().write(("POST /read-body HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Content-Length: 100000\r\n\r\n" + "x".repeat(1000)).getBytes(StandardCharsets.ISO_8859_1));
                socket.getOutputStream().flush();
                assertNotNull(ClientFaultServlets.ReadBody.STARTED.poll(20, TimeUnit.SECONDS), "the servlet never read");
                socket.setSoLinger(true, 0);
            }
            awaitFinished("/read-body");
            assertEquals(List.of(), aboveDebug(log), log::text);
        }
    }

    @Test
    void shouldAnswer400ForABodyCutShortByAClientStillListening() throws Exception {
        for (String path : List.of("/read-body", "/read-body?reader=1", "/json/body")) {
            try (LogCapture log = new LogCapture(ErrorRenderingFilter.class)) {
                String request = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                        + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
                        + "{\"email\": \"a@b";
                Http.Response r = exchange(request, true);
                assertNotNull(r, "no answer to a client that only half-closed");
                assertErrorShape(r, 400);
                awaitFinished(path.replaceFirst("\\?.*", ""));
                assertNoErrorWithStack(log);
                assertFalse(log.text().contains("committed"), log::text);
            }
        }
    }

    @Test
    void shouldAnswer400ForMalformedJsonInTheRequestBody() throws Exception {
        for (String path : List.of("/json/body", "/json/body?reader=1")) {
            try (LogCapture log = new LogCapture(ErrorRenderingFilter.class)) {
                Http.Response r = Http.send(port, "POST", path, "{\"email\": ", "Content-Type: application/json");
                assertEquals("Malformed JSON", assertErrorShape(r, 400).get("error").asText());
                assertEquals(204, Http.send(port, "POST", path, "{\"email\": \"a@b.c\"}").status());
                awaitFinished("/json/body");
                assertEquals(List.of(), errors(log), log::text);
            }
        }
    }

    @Test
    void shouldAnswer500AndLogErrorForMalformedJsonFromABackend() throws Exception {
        try (LogCapture log = new LogCapture(ErrorRenderingFilter.class)) {
            Http.Response r = Http.send(port, "POST", "/json/backend", "{\"valid\": true}", "Content-Type: application/json");
            assertEquals("Internal server error", assertErrorShape(r, 500).get("error").asText());
            awaitFinished("/json/backend");
            assertEquals(1, errors(log).size(), log::text);
        }
    }

    @Test
    void shouldAnswer500AndLogErrorWhenSerialisingTheResponseFails() throws Exception {
        try (LogCapture log = new LogCapture(ErrorRenderingFilter.class)) {
            Http.Response r = Http.get(port, "/json/serialize");
            assertEquals("Internal server error", assertErrorShape(r, 500).get("error").asText());
            assertFalse(r.body().contains("Opaque"), r::body);
            awaitFinished("/json/serialize");
            assertEquals(1, errors(log).size(), log::text);
        }
    }

    private static void assertNoErrorWithStack(LogCapture log) {
        assertEquals(List.of(), errors(log).stream().filter(e -> e.getThrowableProxy() != null)
                .map(ILoggingEvent::getFormattedMessage).toList(), log::text);
    }

    /**
     * Sends {@code request} over a raw socket, half-closing the connection after it if
     * {@code halfClose}, and reads the answer; {@code null} if the container closed the
     * connection without one.
     */
    private Http.Response exchange(String request, boolean halfClose) throws IOException {
        byte[] received;
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            if (halfClose) {
                socket.shutdownOutput();
            }
            received = readAll(socket.getInputStream());
        }
        if (received.length == 0) {
            return null;
        }
        return parse(received);
    }

    private static byte[] readAll(InputStream in) throws IOException {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                all.write(buffer, 0, n);
            }
            return all.toByteArray();
        } catch (java.net.SocketException reset) {
            // The container may reset a connection whose request it gave up on: what arrived is the answer.
            return all.toByteArray();
        }
    }

    /** Parses one received HTTP/1.1 response (Content-Length or chunked body). */
    private static Http.Response parse(byte[] received) throws IOException {
        InputStream in = new ByteArrayInputStream(received);
        String head = new String(received, StandardCharsets.ISO_8859_1);
        int end = head.indexOf("\r\n\r\n");
        assertTrue(end > 0, head);
        String[] lines = head.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        java.util.Map<String, List<String>> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.computeIfAbsent(lines[i].substring(0, colon).trim(), k -> new java.util.ArrayList<>())
                    .add(lines[i].substring(colon + 1).trim());
        }
        in.skipNBytes(end + 4);
        byte[] rest = in.readAllBytes();
        byte[] body;
        if (headers.containsKey("Transfer-Encoding")) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            String text = new String(rest, StandardCharsets.ISO_8859_1);
            int at = 0;
            while (true) {
                int eol = text.indexOf("\r\n", at);
                int size = Integer.parseInt(text.substring(at, eol).split(";")[0].trim(), 16);
                if (size == 0) {
                    break;
                }
                out.write(rest, eol + 2, size);
                at = eol + 2 + size + 2;
            }
            body = out.toByteArray();
        } else {
            int length = Integer.parseInt(headers.get("Content-Length").get(0));
            body = java.util.Arrays.copyOf(rest, length);
        }
        return new Http.Response(status, headers, body);
    }
}
