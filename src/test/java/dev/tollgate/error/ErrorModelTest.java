package dev.tollgate.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ErrorModelTest {

    @Test
    void shouldKeepFieldsInFirstAddedOrderWithTheirMessages() {
        FieldErrors errors = FieldErrors.builder()
                .add("password", "too_short", "Password must be at least 8 characters")
                .add("email", "This field is required")
                .add("password", "Password must contain a digit")
                .build();
        assertEquals(List.of("password", "email"), List.copyOf(errors.asMap().keySet()));
        assertEquals(List.of(new FieldError("too_short", "Password must be at least 8 characters"),
                new FieldError(null, "Password must contain a digit")), errors.asMap().get("password"));
        assertThrows(UnsupportedOperationException.class, () -> errors.asMap().put("x", List.of()));
    }

    @Test
    void shouldTreatBlankFieldCodeAsNone() {
        assertNull(new FieldError(" ", "m").code());
    }

    @Test
    void shouldDefaultCodeAndMessageFromStatus() {
        ApiError error = ApiError.of(429);
        assertEquals(ErrorCodes.RATE_LIMITED, error.code());
        assertEquals("Rate limit exceeded", error.message());
        assertTrue(error.fieldErrors().isEmpty());
        assertEquals("http_418", ApiError.of(418).code());
    }

    @Test
    void shouldCarryItsHeadersInOrderThroughToBuilder() {
        ApiError error = ApiError.builder(401).header("WWW-Authenticate", "ApiKey realm=\"api\"")
                .header("Retry-After", "5").header("WWW-Authenticate", "Bearer realm=\"api\"").build();
        assertEquals(List.of("WWW-Authenticate", "Retry-After"), List.copyOf(error.headers().keySet()));
        assertEquals(List.of("ApiKey realm=\"api\"", "Bearer realm=\"api\""), error.headers().get("WWW-Authenticate"));
        ApiError copy = error.toBuilder().requestId("r1").build();
        assertSame(error.headers(), copy.headers(), "an unchanged error shares its headers");
        ApiError more = error.toBuilder().header("Retry-After", "6").build();
        assertEquals(List.of("5", "6"), more.headers().get("Retry-After"));
        assertEquals(List.of("5"), error.headers().get("Retry-After"), "the original is unchanged");
        assertEquals(Map.of(), ApiError.of(404).headers());
        assertThrows(UnsupportedOperationException.class, () -> error.headers().put("X", List.of()));
    }

    @Test
    void shouldRefuseHeaderNamesAndValuesThatCouldSplitAResponse() {
        assertEquals("header name [Bad Name] must be an HTTP token",
                assertThrows(IllegalArgumentException.class, () -> ApiError.builder(400).header("Bad Name", "x")).getMessage());
        assertEquals("value of header [X-A] must have no control characters",
                assertThrows(IllegalArgumentException.class, () -> ApiError.builder(400).header("X-A", "a\r\nSet-Cookie: x")).getMessage());
    }

    @Test
    void shouldRejectNonErrorStatus() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ApiError.of(200));
        assertEquals("Error status [200] must be between 400 and 599", e.getMessage());
    }

    @Test
    void shouldBuildExceptionsForEachFactory() {
        FieldErrors fields = FieldErrors.builder().add("email", "required", "This field is required").build();
        assertStatusAndCode(ApiException.badRequest("Validation failed", fields), 400, ErrorCodes.VALIDATION_FAILED);
        assertStatusAndCode(ApiException.badRequest("Bad query"), 400, ErrorCodes.BAD_REQUEST);
        assertStatusAndCode(ApiException.unauthorized("Authentication required"), 401, ErrorCodes.AUTHENTICATION_REQUIRED);
        assertStatusAndCode(ApiException.forbidden("Permission denied"), 403, ErrorCodes.ACCESS_DENIED);
        assertStatusAndCode(ApiException.notFound("Resource not found"), 404, ErrorCodes.NOT_FOUND);
        assertStatusAndCode(ApiException.conflict("Conflict", fields), 409, ErrorCodes.CONFLICT);
        assertStatusAndCode(ApiException.unprocessable("Validation failed", fields), 422, ErrorCodes.VALIDATION_FAILED);
        assertStatusAndCode(ApiException.tooManyRequests("Slow down"), 429, ErrorCodes.RATE_LIMITED);
        ApiException e = ApiException.unprocessable("Validation failed", fields);
        assertEquals("Validation failed", e.getMessage());
        assertEquals(fields, e.fieldErrors());
        assertEquals(0, e.getStackTrace().length, "ApiException is control flow and carries no stack");
    }

    private static void assertStatusAndCode(ApiException e, int status, String code) {
        assertEquals(status, e.status());
        assertEquals(code, e.error().code());
    }
}
