package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;

/**
 * Two key filters on each container ({@code src/test/webapps/apikey-two}): partner keys on
 * {@code /*}, admin keys on {@code /admin/*}, both hiding the key from the application. The ops key
 * is in both stores, under different client ids.
 */
class TwoKeyFiltersIT extends ContainerCases {

    static final String PARTNER = "partner-key-0123456789";
    static final String OPS = "ops-key-0123456789";
    static final String ADMIN_ONLY = "admin-only-key-0123456789";

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        deploy("apikey-two");
    }

    private static void assertInvalidKey(Http.Response r, String realm) {
        assertEquals(401, r.status(), r::toString);
        assertEquals("Invalid API key", r.json().get("error").asText());
        assertEquals(List.of("ApiKey realm=\"" + realm + "\", header=\"X-API-KEY\""), r.headers("WWW-Authenticate"));
    }

    private static void assertClient(Http.Response r, String client, String dispatcher) {
        assertEquals(200, r.status(), r::toString);
        JsonNode body = r.json();
        assertEquals(dispatcher, body.get("dispatcher").asText());
        assertEquals(client, body.get("remote_user").asText());
        assertEquals(client, body.get("principal").asText());
        assertEquals(client, body.get("client_mdc").asText());
        assertEquals(client, body.get("client_attribute").asText());
        assertFalse(body.get("X-API-KEY").get("header").isTextual(), "the key is hidden");
    }

    @Test
    void shouldRejectAKeyOfTheOuterFilterAtTheInnerFilterAsInvalid() throws Exception {
        assertClient(Http.get(port, "/api/items", "X-API-KEY: " + PARTNER), "partner", "REQUEST");
        assertInvalidKey(Http.get(port, "/admin/users", "X-API-KEY: " + PARTNER), "admin");
        assertInvalidKey(Http.get(port, "/admin/boom", "X-API-KEY: " + PARTNER), "admin");
    }

    @Test
    void shouldRejectAKeyOfTheInnerFilterAtTheOuterFilterAsInvalid() throws Exception {
        assertInvalidKey(Http.get(port, "/admin/users", "X-API-KEY: " + ADMIN_ONLY), "partners");
        assertInvalidKey(Http.get(port, "/api/items", "X-API-KEY: " + ADMIN_ONLY), "partners");
    }

    @Test
    void shouldPassAKeyBothFiltersAcceptAsTheClientOfTheLastFilter() throws Exception {
        assertClient(Http.get(port, "/admin/users", "X-API-KEY: " + OPS), "admin-ops", "REQUEST");
        assertClient(Http.get(port, "/api/items", "X-API-KEY: " + OPS), "ops-partner", "REQUEST");
    }

    @Test
    void shouldNotCheckTheKeyAgainOnTheAsyncDispatchOfAnAcceptedRequest() throws Exception {
        // The ASYNC dispatch carries no key at all: it passes only if each filter reuses its own result.
        assertClient(Http.get(port, "/admin/users?async=strip", "X-API-KEY: " + OPS), "admin-ops", "ASYNC");
        assertClient(Http.get(port, "/api/items?async=strip", "X-API-KEY: " + PARTNER), "partner", "ASYNC");
    }

    @Test
    void shouldRenderTheErrorPageOfAnAcceptedRequest() throws Exception {
        Http.Response r = Http.get(port, "/admin/boom", "X-API-KEY: " + OPS);
        assertEquals(500, r.status(), r::toString);
        assertFalse(r.json().get("success").asBoolean(true));
        assertFalse(r.body().contains(FoundationServlets.SECRET));
    }
}
