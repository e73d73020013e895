package dev.tollgate.error;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonFactory;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SuccessFlagFormatTest {

    private final ErrorFormat format = new SuccessFlagFormat(new JsonFactory());

    private String write(ApiError error) {
        return new String(format.write(error), StandardCharsets.UTF_8);
    }

    @Test
    void shouldWriteSeedShapeWithFieldErrors() {
        ApiError error = ApiError.builder(400).message("Validation failed")
                .fieldErrors(FieldErrors.builder()
                        .add("email", "This field is required")
                        .add("password", "Password must be at least 8 characters")
                        .build())
                .requestId("550e8400-e29b-41d4-a716-446655440000").build();
        assertEquals("{\"success\":false,\"error\":\"Validation failed\",\"errors\":{\"email\":[\"This field is required\"],"
                + "\"password\":[\"Password must be at least 8 characters\"]},"
                + "\"request_id\":\"550e8400-e29b-41d4-a716-446655440000\"}", write(error));
    }

    @Test
    void shouldOmitErrorsWhenThereAreNoFieldErrors() {
        assertEquals("{\"success\":false,\"error\":\"Rate limit exceeded\",\"request_id\":\"r-1\"}",
                write(ApiError.of(429).toBuilder().requestId("r-1").build()));
    }

    @Test
    void shouldEscapeMessagesAndDeclareUtf8Json() {
        assertEquals("{\"success\":false,\"error\":\"Quote \\\" and \\\\ and é\",\"request_id\":\"r\"}",
                write(ApiError.builder(409).message("Quote \" and \\ and é").requestId("r").build()));
        assertEquals("application/json;charset=UTF-8", format.contentType());
        assertEquals(409, format.status(ApiError.of(409)));
    }
}
