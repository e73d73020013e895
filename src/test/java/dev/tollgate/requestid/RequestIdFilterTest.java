package dev.tollgate.requestid;

import dev.tollgate.RequestIds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tollgate.testing.FakeHttp;
import dev.tollgate.testing.Fakes;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class RequestIdFilterTest {

    private static String idFor(RequestIdFilter filter, String incoming) throws Exception {
        HttpServletRequest request = Fakes.request("GET", "/x", Map.of(RequestIds.HEADER, incoming));
        Map<String, String> headers = new HashMap<>();
        filter.doFilter(request, Fakes.response(headers), (req, res) -> { });
        return headers.get(RequestIds.HEADER);
    }

    @Test
    void shouldKeepTheSettingsMadeInCodeThroughInit() throws Exception {
        RequestIdFilter filter = new RequestIdFilter(false, 128);
        filter.init(Fakes.filterConfig("rid", Map.of()));
        assertNotEquals("incoming-1", idFor(filter, "incoming-1"), "accept-incoming false, as configured in code");
    }

    @Test
    void shouldCheckCodeSettingsByTheRuleOfTheInitParam() {
        assertEquals("max-length [2000] must be an integer between 1 and 1024",
                assertThrows(IllegalArgumentException.class, () -> new RequestIdFilter(true, 2000)).getMessage());
        assertEquals("max-length [0] must be an integer between 1 and 1024",
                assertThrows(IllegalArgumentException.class, () -> new RequestIdFilter(true, 0)).getMessage());
    }

    private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    private static final String TRACEPARENT = "00-" + TRACE + "-00f067aa0ba902b7-01";

    /**
     * What {@code filter} does with a safe id of 128 characters, one of 129, and a lone valid
     * {@code traceparent}: "taken" or "replaced" for the first two, "trace" or "new" for the third.
     */
    private static String behaviour(RequestIdFilter filter) throws Exception {
        String longest = "a".repeat(128);
        String tooLong = "a".repeat(129);
        String traceOnly = send(filter, FakeHttp.request("GET", "/x").header("traceparent", TRACEPARENT));
        return (idFor(filter, longest).equals(longest) ? "taken" : "replaced") + ","
                + (idFor(filter, tooLong).equals(tooLong) ? "taken" : "replaced") + ","
                + (traceOnly.startsWith(TRACE + "|") ? "trace" : "new");
    }

    @Test
    void shouldBuildWithTheDefaultsOfTheInitParams() throws Exception {
        RequestIdFilter built = RequestIdFilter.builder().build();
        built.init(Fakes.filterConfig("rid", Map.of()));
        assertEquals("taken,replaced,new", behaviour(filter(Map.of())), "the init-param defaults");
        assertEquals(behaviour(filter(Map.of())), behaviour(built));
    }

    @Test
    void shouldBuildWhatEachBuilderMethodSays() throws Exception {
        assertEquals("replaced,replaced,new", behaviour(RequestIdFilter.builder().acceptIncoming(false).build()));
        assertEquals("replaced,replaced,new", behaviour(RequestIdFilter.builder().maxLength(127).build()));
        assertEquals("taken,taken,new", behaviour(RequestIdFilter.builder().maxLength(129).build()));
        assertEquals("taken,replaced,trace", behaviour(RequestIdFilter.builder().traceIdAsRequestId(true).build()));
        assertEquals(behaviour(filter(Map.of("accept-incoming", "false", "max-length", "129", "trace-id-as-request-id", "true"))),
                behaviour(RequestIdFilter.builder().acceptIncoming(false).maxLength(129).traceIdAsRequestId(true).build()));
    }

    @Test
    void shouldCheckBuilderValuesByTheRulesOfTheInitParams() {
        assertEquals("max-length [0] must be an integer between 1 and 1024",
                assertThrows(IllegalArgumentException.class, () -> RequestIdFilter.builder().maxLength(0)).getMessage());
        assertEquals("max-length [1025] must be an integer between 1 and 1024",
                assertThrows(IllegalArgumentException.class, () -> RequestIdFilter.builder().maxLength(1025)).getMessage());
        RequestIdFilter.builder().maxLength(1).maxLength(1024);
    }

    @Test
    void shouldKeepTheBuilderSettingsThroughInitAndReadNoInitParams() throws Exception {
        RequestIdFilter filter = RequestIdFilter.builder().acceptIncoming(false).build();
        filter.init(Fakes.filterConfig("rid", Map.of("accept-incoming", "true", "max-length", "nonsense")));
        assertNotEquals("incoming-1", idFor(filter, "incoming-1"), "accept-incoming false, as built");
    }

    @Test
    void shouldFailStartupOnBadParamsWithTheSameMessagesAsBefore() {
        assertEquals("RequestIdFilter: init-param [max-length] has invalid value [abc]: must be an integer between 1 and 1024",
                assertThrows(ServletException.class, () -> filter(Map.of("max-length", "abc"))).getMessage());
        assertEquals("RequestIdFilter: init-param [max-length] has invalid value [2000]: must be an integer between 1 and 1024",
                assertThrows(ServletException.class, () -> filter(Map.of("max-length", " 2000 "))).getMessage());
        assertEquals("RequestIdFilter: init-param [accept-incoming] has invalid value [no]: must be true or false",
                assertThrows(ServletException.class, () -> filter(Map.of("accept-incoming", "no"))).getMessage());
    }

    private static RequestIdFilter filter(Map<String, String> params) throws ServletException {
        RequestIdFilter filter = new RequestIdFilter();
        filter.init(Fakes.filterConfig("rid", params));
        return filter;
    }

    /** The X-Request-ID answered, and the MDC trace id the chain saw, as "id|trace". */
    private static String send(RequestIdFilter filter, FakeHttp.Request request) throws Exception {
        FakeHttp.Response response = FakeHttp.response();
        String[] seen = new String[1];
        filter.doFilter(request.get(), response.get(), (req, res) -> seen[0] = MDC.get(RequestIdFilter.TRACE_MDC_KEY));
        return response.header(RequestIds.HEADER) + "|" + seen[0];
    }

    @Test
    void shouldAdoptTheTraceIdAsRequestIdOnlyWhenAskedAndNoSafeIdCame() throws Exception {
        RequestIdFilter adopting = filter(Map.of("trace-id-as-request-id", "true"));
        assertEquals(TRACE + "|" + TRACE, send(adopting, FakeHttp.request("GET", "/x").header("traceparent", TRACEPARENT)));
        assertEquals("mine-1|" + TRACE, send(adopting, FakeHttp.request("GET", "/x").header("traceparent", TRACEPARENT)
                .header(RequestIds.HEADER, "mine-1")), "a safe X-Request-ID wins");
        assertEquals(TRACE + "|" + TRACE, send(adopting, FakeHttp.request("GET", "/x").header("traceparent", TRACEPARENT)
                .header(RequestIds.HEADER, "not safe")), "an unsafe X-Request-ID is replaced by the trace id");
        String plain = send(filter(Map.of()), FakeHttp.request("GET", "/x").header("traceparent", TRACEPARENT));
        assertTrue(plain.endsWith("|" + TRACE), "trace_id in the MDC by default: " + plain);
        assertFalse(plain.startsWith(TRACE), "by default the request id is not the trace id: " + plain);
        assertNull(MDC.get(RequestIdFilter.TRACE_MDC_KEY), "removed when the request leaves");
    }

    @Test
    void shouldNeverTakeOrEchoAnInvalidTraceparent() throws Exception {
        RequestIdFilter adopting = filter(Map.of("trace-id-as-request-id", "true"));
        String bad = "00-" + TRACE.toUpperCase(java.util.Locale.ROOT) + "-00f067aa0ba902b7-01";
        String answer = send(adopting, FakeHttp.request("GET", "/x").header("traceparent", bad));
        assertTrue(answer.endsWith("|null"), answer);
        assertFalse(answer.toLowerCase(java.util.Locale.ROOT).contains(TRACE), answer);
        String twice = send(adopting, FakeHttp.request("GET", "/x").header("traceparent", TRACEPARENT)
                .header("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
        assertTrue(twice.endsWith("|null"), "two traceparents are no trace context: " + twice);
    }

    @Test
    void shouldLeaveATraceIdThatIsAlreadyInTheMdc() throws Exception {
        MDC.put(RequestIdFilter.TRACE_MDC_KEY, "owned-by-the-agent");
        try {
            assertTrue(send(filter(Map.of()), FakeHttp.request("GET", "/x").header("traceparent", TRACEPARENT))
                    .endsWith("|owned-by-the-agent"));
            assertEquals("owned-by-the-agent", MDC.get(RequestIdFilter.TRACE_MDC_KEY), "not removed afterwards");
        } finally {
            MDC.remove(RequestIdFilter.TRACE_MDC_KEY);
        }
    }

    @Test
    void shouldRefuseATraceParamThatIsNotABoolean() {
        assertEquals("RequestIdFilter: init-param [trace-id-as-request-id] has invalid value [yes]: must be true or false",
                assertThrows(ServletException.class, () -> filter(Map.of("trace-id-as-request-id", "yes"))).getMessage());
    }

    @Test
    void shouldCountAnIdTakenFromTheTraceparentAsAcceptedInItsMBean() throws Exception {
        RequestIdFilter filter = new RequestIdFilter();
        filter.init(Fakes.filterConfig("shouldCountAnAdoptedTraceId", Map.of("trace-id-as-request-id", "true")));
        javax.management.MBeanServer server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        javax.management.ObjectName name = new javax.management.ObjectName(
                "dev.tollgate:type=RequestIdFilter,context=/,name=shouldCountAnAdoptedTraceId");
        try {
            send(filter, FakeHttp.request("GET", "/x").header("traceparent", TRACEPARENT));
            send(filter, FakeHttp.request("GET", "/x").header(RequestIds.HEADER, "mine-1"));
            send(filter, FakeHttp.request("GET", "/x"));
            assertEquals(3L, server.getAttribute(name, "RequestsSeen"));
            assertEquals(2L, server.getAttribute(name, "Accepted"), "the client's X-Request-ID and its trace id");
            assertEquals(1L, server.getAttribute(name, "Generated"));
        } finally {
            filter.destroy();
        }
    }
}
