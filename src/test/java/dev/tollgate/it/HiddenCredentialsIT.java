package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;

/**
 * {@code hide-credentials} on each container ({@code src/test/webapps/apikey-hide}), with the key
 * in a header, a bearer token or the {@code api_key} query parameter. The key is numeric, so a header
 * getter that still saw it would read it as a number.
 */
class HiddenCredentialsIT extends ContainerCases {

    static final String KEY = "8675309";

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        deploy("apikey-hide");
    }

    private static JsonNode accepted(Http.Response r) {
        assertEquals(200, r.status(), r::toString);
        JsonNode body = r.json();
        assertEquals("numeric", body.get("remote_user").asText());
        assertFalse(r.body().contains(KEY), r::body);
        return body;
    }

    private static void assertHeaderHidden(JsonNode body, String name) {
        JsonNode header = body.get(name);
        assertTrue(header.get("header").isNull(), header::toString);
        assertEquals(0, header.get("headers").asInt(), header::toString);
        assertFalse(header.get("in_names").asBoolean(), header::toString);
        assertEquals(-1, header.get("date").asLong(0), header::toString);
        assertEquals(-1, header.get("int").asInt(0), header::toString);
    }

    @Test
    void shouldHideTheKeyHeaderFromEveryHeaderGetter() throws Exception {
        assertHeaderHidden(accepted(Http.get(port, "/echo/items", "X-API-KEY: " + KEY)), "X-API-KEY");
    }

    @Test
    void shouldHideTheBearerTokenFromEveryHeaderGetter() throws Exception {
        assertHeaderHidden(accepted(Http.get(port, "/echo/items", "Authorization: Bearer " + KEY)), "Authorization");
    }

    @Test
    void shouldHideTheQueryParameterAndKeepTheOthersInOrder() throws Exception {
        JsonNode body = accepted(Http.get(port, "/echo/items?b=2&api_key=" + KEY + "&a=1&a=3&c=&d=x%20y"));
        JsonNode param = body.get("api_key");
        assertTrue(param.get("parameter").isNull(), param::toString);
        assertEquals(0, param.get("values").asInt(), param::toString);
        assertFalse(param.get("in_map").asBoolean(), param::toString);
        assertFalse(param.get("in_names").asBoolean(), param::toString);
        assertEquals("b=2&a=1&a=3&c=&d=x%20y", body.get("query").asText());
        assertEquals("1,3", body.get("a_values").asText());
        assertEquals("[\"b\",\"a\",\"c\",\"d\"]", body.get("parameter_map").toString());
        assertEquals("[\"b\",\"a\",\"c\",\"d\"]", body.get("parameter_names").toString());
    }

    @Test
    void shouldLeaveNoQueryWhenTheKeyWasTheOnlyParameter() throws Exception {
        JsonNode body = accepted(Http.get(port, "/echo/items?api_key=" + KEY));
        assertTrue(body.get("query").isNull(), body::toString);
        assertEquals("[]", body.get("parameter_names").toString());
    }
}
