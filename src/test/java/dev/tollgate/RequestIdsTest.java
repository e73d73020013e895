package dev.tollgate;

import dev.tollgate.requestid.RequestIdFilter;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.testing.Fakes;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class RequestIdsTest {

    @Test
    void shouldAcceptOnlyShortIdsOfSafeCharacters() {
        assertTrue(RequestIds.isSafe("abc-DEF_1.2:3", 128));
        assertTrue(RequestIds.isSafe("x".repeat(128), 128));
        assertFalse(RequestIds.isSafe("x".repeat(129), 128));
        assertFalse(RequestIds.isSafe("", 128));
        assertFalse(RequestIds.isSafe(null, 128));
        for (String bad : new String[] {"a b", "a\r\nSet-Cookie: x", "a\n", "a\t", "a/b", "a%0d", "é", "a\u0000", "<x>", "a\"b"}) {
            assertFalse(RequestIds.isSafe(bad, 128), bad);
        }
    }

    @Test
    void shouldGenerateDistinctVersion4Uuids() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = RequestIds.generate();
            UUID uuid = UUID.fromString(id);
            assertEquals(4, uuid.version());
            assertEquals(2, uuid.variant());
            assertEquals(uuid.toString(), id);
            assertTrue(seen.add(id));
        }
    }

    @Test
    void shouldRestorePreviousMdcWhenChainThrows() {
        RequestIdFilter filter = new RequestIdFilter(true, 128);
        HttpServletRequest request = Fakes.request("GET", "/x", Map.of(RequestIds.HEADER, "incoming-1"));
        Map<String, String> headers = new HashMap<>();
        String[] seenInChain = new String[1];
        FilterChain chain = (req, res) -> {
            seenInChain[0] = MDC.get(RequestIds.MDC_KEY);
            throw new ServletException("boom");
        };
        MDC.put(RequestIds.MDC_KEY, "outer");
        try {
            assertThrows(ServletException.class, () -> filter.doFilter(request, Fakes.response(headers), chain));
            assertEquals("outer", MDC.get(RequestIds.MDC_KEY));
        } finally {
            MDC.remove(RequestIds.MDC_KEY);
        }
        assertEquals("incoming-1", seenInChain[0]);
        assertEquals("incoming-1", headers.get(RequestIds.HEADER));
        assertEquals("incoming-1", RequestIds.get(request));
    }

    @Test
    void shouldClearMdcAndReuseIdOnLaterDispatches() throws Exception {
        RequestIdFilter filter = new RequestIdFilter(true, 128);
        HttpServletRequest request = Fakes.request("GET", "/x", Map.of());
        Map<String, String> headers = new HashMap<>();
        filter.doFilter(request, Fakes.response(headers), (req, res) -> { });
        assertNull(MDC.get(RequestIds.MDC_KEY));
        String first = headers.get(RequestIds.HEADER);
        filter.doFilter(request, Fakes.response(headers), (req, res) -> assertEquals(first, MDC.get(RequestIds.MDC_KEY)));
        assertEquals(first, headers.get(RequestIds.HEADER));
    }

    @Test
    void shouldIgnoreIncomingIdsWhenNotAccepted() throws Exception {
        RequestIdFilter filter = new RequestIdFilter(false, 128);
        HttpServletRequest request = Fakes.request("GET", "/x", Map.of(RequestIds.HEADER, "incoming-1"));
        Map<String, String> headers = new HashMap<>();
        filter.doFilter(request, Fakes.response(headers), (req, res) -> { });
        assertEquals(4, UUID.fromString(headers.get(RequestIds.HEADER)).version());
    }

    @Test
    void shouldFailStartupOnBadParams() {
        ServletException length = assertThrows(ServletException.class,
                () -> new RequestIdFilter().init(Fakes.filterConfig("rid", Map.of("max-length", "0"))));
        assertEquals("RequestIdFilter: init-param [max-length] has invalid value [0]: must be an integer between 1 and 1024",
                length.getMessage());
        ServletException accept = assertThrows(ServletException.class,
                () -> new RequestIdFilter().init(Fakes.filterConfig("rid", Map.of("accept-incoming", "sometimes"))));
        assertEquals("RequestIdFilter: init-param [accept-incoming] has invalid value [sometimes]: must be true or false",
                accept.getMessage());
        ServletException unknown = assertThrows(ServletException.class,
                () -> new RequestIdFilter().init(Fakes.filterConfig("rid", Map.of("header", "X-Trace"))));
        assertEquals("RequestIdFilter: unknown init-param [header]; known names are [accept-incoming, max-length, trace-id-as-request-id]",
                unknown.getMessage());
    }
}
