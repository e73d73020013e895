package dev.tollgate.requestid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tollgate.RequestIds;
import dev.tollgate.testing.FakeHttp;
import dev.tollgate.testing.Fakes;
import dev.tollgate.testing.FuzzInput;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.MDC;

/**
 * The request id filter's acceptance rule, for any {@code X-Request-ID} and {@code traceparent}
 * headers, under each setting: a safe incoming id is taken as it is, else the trace id of the one
 * valid {@code traceparent} (with {@code trace-id-as-request-id}), else a new UUID; the header,
 * the attribute and the MDC agree, and an unsafe id is never echoed. Lines of the input: the
 * {@code X-Request-ID}, then any {@code traceparent} headers. Inputs: {@code RequestIdFilterFuzzTestInputs/}.
 */
class RequestIdFilterFuzzTest {

    /** accept-incoming, max-length, trace-id-as-request-id. */
    private record Setting(boolean acceptIncoming, int maxLength, boolean traceIdAsRequestId) {
    }

    private static final List<Setting> SETTINGS = List.of(new Setting(true, 128, false), new Setting(true, 8, true),
            new Setting(true, 1024, true), new Setting(false, 128, true), new Setting(false, 1, false));

    @FuzzTest
    void shouldTakeASafeIdOrTheTraceIdOrMakeANewOne(byte[] input) throws IOException, ServletException {
        List<String> lines = FuzzInput.lines(FuzzInput.latin1(input));
        String incoming = lines.get(0);
        List<String> traceparents = lines.subList(1, lines.size());
        String traceId = traceparents.size() == 1 ? TraceParent.traceId(traceparents.get(0)) : null;
        for (Setting setting : SETTINGS) {
            RequestIdFilter filter = new RequestIdFilter(setting.acceptIncoming(), setting.maxLength(), setting.traceIdAsRequestId());
            filter.init(Fakes.filterConfig("request-id", Map.of()));
            FakeHttp.Request request = FakeHttp.request("GET", "/api").header(RequestIds.HEADER, incoming);
            traceparents.forEach(t -> request.header("traceparent", t));
            FakeHttp.Response response = FakeHttp.response();
            String[] seen = new String[2];
            filter.doFilter(request.get(), response.get(), (req, res) -> {
                seen[0] = MDC.get(RequestIds.MDC_KEY);
                seen[1] = MDC.get(RequestIdFilter.TRACE_MDC_KEY);
            });
            filter.destroy();

            String id = response.header(RequestIds.HEADER);
            String why = setting + " [" + incoming + "] " + traceparents;
            assertEquals(id, RequestIds.get(request.get()), why);
            assertEquals(id, seen[0], why);
            assertEquals(traceId, seen[1], why);
            assertNull(MDC.get(RequestIds.MDC_KEY), why);
            assertNull(MDC.get(RequestIdFilter.TRACE_MDC_KEY), why);
            if (setting.acceptIncoming() && RequestIds.isSafe(incoming, setting.maxLength())) {
                assertEquals(incoming, id, why);
            } else if (setting.traceIdAsRequestId() && traceId != null) {
                assertEquals(traceId, id, why);
            } else {
                assertNotEquals(incoming, id, why);
                assertEquals(4, UUID.fromString(id).version(), why);
                assertEquals(UUID.fromString(id).toString(), id, why);
            }
        }
    }
}
