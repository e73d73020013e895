package dev.tollgate.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A small HTTP/1.1 client over a plain socket, so tests control every byte they send (repeated
 * headers, odd values, HEAD) and see every header they get.
 */
public final class Http {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Http() {
    }

    /** One response: status, headers (case-insensitive names), raw body. */
    public record Response(int status, Map<String, List<String>> headers, byte[] bytes) {

        public String header(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        public List<String> headers(String name) {
            return headers.getOrDefault(name, List.of());
        }

        public String body() {
            return new String(bytes, StandardCharsets.UTF_8);
        }

        public JsonNode json() {
            try {
                return JSON.readTree(bytes);
            } catch (IOException e) {
                throw new AssertionError("Body is not JSON: " + body(), e);
            }
        }

        @Override
        public String toString() {
            return status + " " + headers + " " + body();
        }
    }

    public static Response get(int port, String path, String... headerLines) throws IOException {
        return send(port, "GET", path, null, headerLines);
    }

    /** Sends one request; {@code headerLines} are {@code "Name: value"} lines sent as they are. */
    public static Response send(int port, String method, String path, String body, String... headerLines)
            throws IOException {
        return sendFrom(null, port, method, path, body, headerLines);
    }

    /** Sends one request from the local address {@code from} (say 127.0.0.2), or any if null. */
    public static Response sendFrom(String from, int port, String method, String path, String body, String... headerLines)
            throws IOException {
        StringBuilder head = new StringBuilder();
        head.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
        head.append("Host: 127.0.0.1:").append(port).append("\r\n");
        head.append("Connection: close\r\n");
        for (String line : headerLines) {
            head.append(line).append("\r\n");
        }
        byte[] bodyBytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (body != null) {
            head.append("Content-Length: ").append(bodyBytes.length).append("\r\n");
        }
        head.append("\r\n");
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        request.write(bodyBytes);
        return raw(from, port, request.toByteArray(), "HEAD".equals(method));
    }

    /** Sends {@code request} byte for byte and reads the response to the end of the connection. */
    public static Response raw(int port, byte[] request, boolean head) throws IOException {
        return raw(null, port, request, head);
    }

    private static Response raw(String from, int port, byte[] request, boolean head) throws IOException {
        try (Socket socket = new Socket()) {
            if (from != null) {
                socket.bind(new java.net.InetSocketAddress(from, 0));
            }
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 10_000);
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            out.write(request);
            out.flush();
            InputStream in = socket.getInputStream();
            String statusLine = line(in);
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2) {
                throw new IOException("Bad status line [" + statusLine + "]");
            }
            int status = Integer.parseInt(parts[1]);
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (String line = line(in); !line.isEmpty(); line = line(in)) {
                int colon = line.indexOf(':');
                headers.computeIfAbsent(line.substring(0, colon).trim(), k -> new ArrayList<>())
                        .add(line.substring(colon + 1).trim());
            }
            byte[] body;
            if (head || status == 204 || status == 304) {
                body = new byte[0];
            } else if ("chunked".equalsIgnoreCase(first(headers, "Transfer-Encoding"))) {
                body = chunked(in);
            } else if (first(headers, "Content-Length") != null) {
                body = in.readNBytes(Integer.parseInt(first(headers, "Content-Length")));
            } else {
                body = in.readAllBytes();
            }
            return new Response(status, headers, body);
        }
    }

    private static String first(Map<String, List<String>> headers, String name) {
        List<String> values = headers.get(name);
        return values == null ? null : values.get(0);
    }

    /** Reads a chunked body; a connection closed mid-body returns what arrived. */
    private static byte[] chunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String sizeLine = line(in);
            if (sizeLine.isEmpty()) {
                return body.toByteArray();
            }
            int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
            if (size == 0) {
                line(in);
                return body.toByteArray();
            }
            byte[] chunk = in.readNBytes(size);
            body.write(chunk);
            if (chunk.length < size) {
                return body.toByteArray();
            }
            line(in);
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1) {
            if (b == '\n') {
                break;
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }
}
