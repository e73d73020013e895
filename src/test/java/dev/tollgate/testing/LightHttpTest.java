package dev.tollgate.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class LightHttpTest {

    @Test
    void shouldAnswerHeadersAndAttributesUntilReset() {
        LightHttp.Request request = new LightHttp.Request();
        request.header("X-API-KEY", "k");
        request.setAttribute("a", 1);
        assertEquals("k", request.getHeader("X-API-KEY"));
        assertEquals(List.of("k"), java.util.Collections.list(request.getHeaders("X-API-KEY")));
        assertEquals(1, request.getAttribute("a"));
        assertEquals("GET", request.getMethod());
        request.reset();
        assertNull(request.getHeader("X-API-KEY"));
        assertNull(request.getAttribute("a"));
    }

    @Test
    void shouldRecordStatusHeadersAndBytesUntilReset() throws Exception {
        LightHttp.Response response = new LightHttp.Response();
        response.setStatus(429);
        response.setHeader("Retry-After", "1");
        response.addHeader("Vary", "a");
        response.addHeader("Vary", "b");
        response.getOutputStream().write("{}".getBytes(StandardCharsets.UTF_8));
        assertEquals(429, response.getStatus());
        assertEquals(List.of("a", "b"), response.getHeaders("Vary"));
        assertEquals(2, response.written());
        response.reset();
        assertEquals(200, response.getStatus());
        assertTrue(response.getHeaderNames().isEmpty());
        assertEquals(0, response.written());
    }

    @Test
    void shouldFailLoudlyOnWhatItDoesNotAnswer() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> new LightHttp.Request().getSession());
        assertEquals("HttpServletRequest.getSession", e.getMessage());
    }
}
