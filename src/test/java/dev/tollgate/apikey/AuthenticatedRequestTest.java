package dev.tollgate.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class AuthenticatedRequestTest {

    @Test
    void shouldDropEveryPairOfTheKeyParameterAndKeepTheRestAsSent() {
        assertEquals("b=2&a=1&a=3&c=&d=x%20y",
                AuthenticatedRequest.withoutParameter("b=2&api_key=k1&a=1&a=3&c=&api_key=k2&d=x%20y", "api_key"));
        assertEquals("x=1&&y", AuthenticatedRequest.withoutParameter("api%5Fkey=k&x=1&&y&api_key", "api_key"));
        assertEquals("api_keys=1&key=2", AuthenticatedRequest.withoutParameter("api_keys=1&key=2", "api_key"));
        assertNull(AuthenticatedRequest.withoutParameter("api_key=k", "api_key"));
        assertNull(AuthenticatedRequest.withoutParameter(null, "api_key"));
    }
}
