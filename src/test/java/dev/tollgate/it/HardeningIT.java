package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Requests that the container rejects before any filter runs, on a container set up as
 * docs/hardening.md ("Hardening the container") says: Tollgate never sees them, so only the
 * container's own settings decide what the client learns. The answer is a 4xx with no stack trace,
 * class name or version.
 */
class HardeningIT extends ContainerCases {

    @Override
    EmbeddedContainer newContainer() {
        return container.hardened();
    }

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        deploy("foundation");
    }

    static List<String> rejectedBeforeAnyFilter() {
        String big = "a".repeat(EmbeddedContainer.LARGE_HEADERS + 1024);
        return List.of(
                "GET /ok HTTP/1.1\r\nHost: x\r\nX-Probe: a\u0001b\r\n",
                "GET /ok%2Fsecret HTTP/1.1\r\nHost: x\r\n",
                "GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: " + big + "\r\n",
                "G@T /ok HTTP/1.1\r\nHost: x\r\n",
                "GET /ok{} HTTP/1.1\r\nHost: x\r\n",
                "GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n",
                "GET /ok%00 HTTP/1.1\r\nHost: x\r\n");
    }

    @ParameterizedTest
    @MethodSource("rejectedBeforeAnyFilter")
    void shouldAnswerContainerRejectionsWithoutStackTraceOrVersion(String head) throws Exception {
        Http.Response response = Http.raw(port, (head + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1), false);

        assertTrue(response.status() >= 400 && response.status() < 500, response::toString);
        String body = response.body().toLowerCase(Locale.ROOT);
        for (String leak : List.of("tomcat", "jetty", ".java:", "exception", "org.apache", "org.eclipse")) {
            assertFalse(body.contains(leak), () -> "[" + leak + "] in " + response);
        }
        assertNull(response.header("Server"), response::toString);
        assertNull(response.header("X-Powered-By"), response::toString);
    }

    @Test
    void shouldStillRenderTheApplicationsOwnErrorsAsJson() throws Exception {
        Http.Response response = Http.get(port, "/nowhere");

        assertEquals(404, response.status(), response::toString);
        assertEquals("Resource not found", response.json().get("error").asText());
    }
}
