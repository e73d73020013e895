package dev.tollgate.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Each built-in format renders one fixed set of errors; the status and body must equal, as JSON
 * trees, the files under {@code src/test/resources/golden/<format>/<case>.json} (written from the
 * seeds' own examples where the seed has one). {@code -Dgolden.write=true} rewrites the files from
 * the current output, for review in the diff.
 */
class FormatGoldenTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path GOLDEN = Path.of("src/test/resources/golden");

    static Map<String, ApiError> cases() {
        Map<String, ApiError> cases = new LinkedHashMap<>();
        cases.put("validation", ApiError.builder(400).code(ErrorCodes.VALIDATION_FAILED).message("Validation failed")
                .fieldErrors(FieldErrors.builder()
                        .add("email", "required", "This field is required")
                        .add("password", "too_short", "Password must be at least 8 characters")
                        .add("password", "Password must contain a digit")
                        .build())
                .build());
        cases.put("missing_key", ApiError.of(401, ErrorCodes.MISSING_API_KEY, "Authentication required"));
        cases.put("invalid_key", ApiError.of(401, ErrorCodes.INVALID_API_KEY, "Invalid API key"));
        cases.put("expired_key", ApiError.of(401, ErrorCodes.EXPIRED_API_KEY, "API key expired"));
        cases.put("forbidden", ApiError.of(403, ErrorCodes.ACCESS_DENIED, "Permission denied"));
        cases.put("not_found", ApiError.of(404));
        cases.put("method_not_allowed", ApiError.of(405));
        cases.put("rate_limited", ApiError.of(429));
        cases.put("limiter_unavailable", ApiError.of(503, ErrorCodes.LIMITER_UNAVAILABLE, "Service unavailable"));
        cases.put("internal_error", ApiError.of(500));
        Map<String, ApiError> full = new LinkedHashMap<>();
        cases.forEach((name, error) -> full.put(name, error.toBuilder()
                .requestId("550e8400-e29b-41d4-a716-446655440000")
                .method("POST")
                .path("/api/v1/users")
                .timestamp(Instant.parse("2020-05-29T10:13:22Z"))
                .build()));
        return full;
    }

    @ParameterizedTest
    @ValueSource(strings = {"igny8", "problem", "netpulse", "netilion", "ozforensics"})
    void shouldRenderEachCaseLikeTheGoldenFile(String formatName) throws IOException {
        ErrorFormat format = ErrorRenderer.builtInFormat(formatName);
        boolean write = Boolean.getBoolean("golden.write");
        for (Map.Entry<String, ApiError> c : cases().entrySet()) {
            ErrorRenderer.Body body = ErrorRenderer.body(format, c.getValue());
            ObjectNode actual = JSON.createObjectNode();
            actual.put("status", body.status());
            actual.set("body", JSON.readTree(body.bytes()));
            Path file = GOLDEN.resolve(formatName).resolve(c.getKey() + ".json");
            if (write) {
                Files.createDirectories(file.getParent());
                Files.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(actual) + "\n");
            }
            assertTrue(Files.isRegularFile(file), "missing golden file " + file);
            JsonNode expected = JSON.readTree(file.toFile());
            assertEquals(expected, actual, formatName + "/" + c.getKey());
            JsonNode statusInBody = actual.get("body").get("status");
            if (statusInBody != null) {
                assertEquals(body.status(), statusInBody.asInt(), "the body's status equals the HTTP status");
            }
        }
    }
}
