package dev.tollgate.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tollgate.RequestIds;
import dev.tollgate.testing.FakeHttp;
import dev.tollgate.testing.Fakes;
import dev.tollgate.testing.FuzzInput;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Any {@code X-API-KEY} headers (any bytes a header may carry, any length, repeated) sent to the
 * key filter set up as {@code src/test/webapps/fuzz} sets it up: the right key alone passes,
 * everything else is 401 with a challenge and one of the bodies that a request without input of
 * its own gets, so no body repeats what was sent. Each line of the input is one header value.
 * What the containers do with such bytes is {@code HttpFuzzIT}'s part. Inputs:
 * {@code ApiKeyHeaderFuzzTestInputs/}.
 */
class ApiKeyHeaderFuzzTest {

    static final String KEY = "tg_fuzz-key-0123456789";
    private static final Map<String, String> PARAMS = Map.of("keys", "alice:" + ApiKeys.sha256Hex(KEY), "bearer", "true",
            "query-param", "api_key", "hide-credentials", "true", "skip-paths", "/health, *.css");
    /** The 401 bodies: no key, a wrong key, two keys. */
    private static final Set<String> REFUSALS = Set.copyOf(List.of(refusal(List.of()), refusal(List.of("wrong")),
            refusal(List.of("a", "b"))));

    @FuzzTest
    void shouldPassOnlyTheRightKeyAloneAndAnswer401ToAnythingElse(byte[] input) throws Exception {
        List<String> values = input.length == 0 ? List.of() : FuzzInput.lines(FuzzInput.latin1(input));
        FakeHttp.Response response = FakeHttp.response();
        FakeHttp.Chain chain = new FakeHttp.Chain();
        send(values, response, chain);

        List<String> presented = values.stream().map(String::strip).filter(v -> !v.isEmpty()).toList();
        String why = values + " => " + response.status() + " " + response.body();
        if (presented.equals(List.of(KEY))) {
            assertEquals(1, chain.calls(), why);
            assertEquals(200, response.status(), why);
            return;
        }
        assertEquals(0, chain.calls(), why);
        assertEquals(401, response.status(), why);
        assertNotNull(response.header("WWW-Authenticate"), why);
        assertTrue(REFUSALS.contains(response.body()), () -> "a body of its own: " + why);
    }

    private static String refusal(List<String> values) {
        try {
            FakeHttp.Response response = FakeHttp.response();
            send(values, response, new FakeHttp.Chain());
            return response.body();
        } catch (IOException | ServletException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void send(List<String> values, FakeHttp.Response response, FakeHttp.Chain chain) throws IOException, ServletException {
        ApiKeyFilter filter = new ApiKeyFilter();
        filter.init(Fakes.filterConfig("api-key", PARAMS));
        try {
            FakeHttp.Request request = FakeHttp.request("GET", "/api/items");
            new ArrayList<>(values).forEach(v -> request.header("X-API-KEY", v));
            // A fixed request id: the body may show it, and it must not vary from one request to the next.
            request.get().setAttribute(RequestIds.ATTRIBUTE, "fuzz-request");
            filter.doFilter(request.get(), response.get(), chain);
        } finally {
            filter.destroy();
        }
    }
}
