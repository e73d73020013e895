package dev.tollgate.requestid;

import dev.tollgate.RequestIds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tollgate.testing.Fakes;
import jakarta.servlet.http.HttpServletRequest;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

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
}
