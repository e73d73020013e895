package dev.tollgate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tollgate.apikey.ApiKeyFilter;
import dev.tollgate.testing.Fakes;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClientIdentityTest {

    @Test
    void shouldLiveInOneRequestAttribute() {
        HttpServletRequest request = Fakes.request("GET", "/x", Map.of());
        assertNull(ClientIdentity.of(request));
        ClientIdentity carol = ClientIdentity.of("carol", "gold", "jwt");
        ClientIdentity.set(request, carol);
        assertSame(carol, ClientIdentity.of(request));
        assertSame(carol, request.getAttribute(ClientIdentity.ATTRIBUTE));
        ClientIdentity.set(request, null);
        assertNull(ClientIdentity.of(request));
    }

    /** The error filter names the client under the key the key filter uses, without importing it. */
    @Test
    void shouldShareTheMdcKeyWithTheKeyFilter() {
        assertEquals("client_id", ClientIdentity.MDC_KEY);
        assertEquals(ApiKeyFilter.MDC_KEY, ClientIdentity.MDC_KEY);
    }

    @Test
    void shouldIgnoreAnotherValueInTheAttribute() {
        HttpServletRequest request = Fakes.request("GET", "/x", Map.of());
        request.setAttribute(ClientIdentity.ATTRIBUTE, "carol");
        assertNull(ClientIdentity.of(request));
    }

    @Test
    void shouldRefuseBlankValues() {
        assertEquals("client id must not be blank",
                assertThrows(IllegalArgumentException.class, () -> ClientIdentity.of(" ", null, "jwt")).getMessage());
        assertEquals("method must not be blank",
                assertThrows(IllegalArgumentException.class, () -> ClientIdentity.of("carol", null, "")).getMessage());
        assertEquals("plan must be null or not blank",
                assertThrows(IllegalArgumentException.class, () -> ClientIdentity.of("carol", "", "jwt")).getMessage());
        assertNull(ClientIdentity.of("carol", null, "jwt").plan());
    }
}
