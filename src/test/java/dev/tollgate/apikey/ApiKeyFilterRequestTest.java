package dev.tollgate.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.ClientIdentity;
import dev.tollgate.testing.FakeHttp;
import dev.tollgate.testing.Fakes;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The key filter's request handling, set up in code and driven with fakes, no container. */
class ApiKeyFilterRequestTest {

    private static final ApiKeyEntry ALICE = ApiKeyEntry.builder("alice", ApiKeys.sha256("alice-key")).plan("gold").build();

    private static ApiKeyFilter filter(ApiKeyFilter.Builder builder) throws ServletException {
        ApiKeyFilter filter = builder.build();
        filter.init(Fakes.filterConfig("api-key", Map.of(), Fakes.context(Map.of())));
        return filter;
    }

    private static ApiKeyFilter.Builder builder() {
        return ApiKeyFilter.builder(ApiKeyStore.of(List.of(ALICE)));
    }

    @Test
    void shouldRejectAMissingKeyWith401ChallengeAndBody() throws Exception {
        FakeHttp.Response response = FakeHttp.response();
        FakeHttp.Chain chain = new FakeHttp.Chain();
        filter(builder()).doFilter(FakeHttp.request("GET", "/api/x").get(), response.get(), chain);
        assertEquals(0, chain.calls());
        assertEquals(401, response.status());
        assertEquals(List.of("ApiKey realm=\"api\", header=\"X-API-KEY\""), response.headers("WWW-Authenticate"));
        assertTrue(response.body().contains("\"error\":\"Authentication required\""), response.body());
    }

    @Test
    void shouldPassAnAcceptedKeyWithTheClientIdentity() throws Exception {
        FakeHttp.Chain chain = new FakeHttp.Chain();
        HttpServletRequest request = FakeHttp.request("GET", "/api/x").header("X-API-KEY", "alice-key").get();
        filter(builder().hideCredentials(true)).doFilter(request, FakeHttp.response().get(), chain);
        assertEquals(1, chain.calls());
        HttpServletRequest seen = (HttpServletRequest) chain.request();
        assertEquals("alice", seen.getRemoteUser());
        assertNull(seen.getHeader("X-API-KEY"), "hide-credentials");
        assertEquals(ClientIdentity.of("alice", "gold", "api-key"), ClientIdentity.of(request));
        assertEquals("alice", request.getAttribute(ApiKeyFilter.CLIENT_ID_ATTRIBUTE));
    }

    @Test
    void shouldPassSkippedPathsAndRedispatchesOfAnAcceptedRequest() throws Exception {
        ApiKeyFilter filter = filter(builder().skipPaths("/health"));
        FakeHttp.Chain chain = new FakeHttp.Chain();
        filter.doFilter(FakeHttp.request("GET", "/health").get(), FakeHttp.response().get(), chain);
        assertEquals(1, chain.calls());
        FakeHttp.Request request = FakeHttp.request("GET", "/api/x").header("X-API-KEY", "alice-key");
        filter.doFilter(request.get(), FakeHttp.response().get(), chain);
        request.dispatcherType(DispatcherType.ERROR);
        FakeHttp.Response error = FakeHttp.response();
        filter.doFilter(request.get(), error.get(), chain);
        assertEquals(3, chain.calls());
        FakeHttp.Response otherError = FakeHttp.response();
        filter(builder()).doFilter(request.get(), otherError.get(), chain);
        assertEquals(200, otherError.status(), "another filter checks the key again, and it is valid");
    }

    @Test
    void shouldCheckBuilderValuesByTheRulesOfTheInitParams() {
        assertEquals("header name [X_KEY] must be letters, digits and -",
                assertThrows(IllegalArgumentException.class, () -> builder().headers("X-API-KEY", "X_KEY")).getMessage());
        assertEquals("at least one key header is needed", assertThrows(IllegalArgumentException.class, () -> builder().headers()).getMessage());
        assertEquals("must be letters, digits, space, '.', '_' or '-'",
                assertThrows(IllegalArgumentException.class, () -> builder().realm("a\"b")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> builder().skipPaths("health")).getMessage()
                .startsWith("url-pattern [health] must be"));
        assertEquals("ApiKeyFilter: init-param [realm] has invalid value [a\"b]: must be letters, digits, space, '.', '_' or '-'",
                assertThrows(ServletException.class, () -> new ApiKeyFilter().init(Fakes.filterConfig("api-key",
                        Map.of("keys", "alice:" + ApiKeys.sha256Hex("k"), "realm", "a\"b")))).getMessage());
    }

    @Test
    void shouldAnswerOnlyHttpRequests() throws ServletException, IOException {
        FakeHttp.Chain chain = new FakeHttp.Chain();
        jakarta.servlet.ServletRequest plain = Fakes.request("GET", "/x", Map.of());
        filter(builder()).doFilter(new jakarta.servlet.ServletRequestWrapper(plain), FakeHttp.response().get(), chain);
        assertEquals(1, chain.calls());
    }
}
