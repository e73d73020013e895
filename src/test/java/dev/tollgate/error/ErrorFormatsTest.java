package dev.tollgate.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.testing.Fakes;
import jakarta.servlet.ServletException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ErrorFormatsTest {

    /** A format an application might plug in. */
    public static final class PlainTextFormat implements ErrorFormat {
        @Override
        public String contentType() {
            return "text/plain;charset=UTF-8";
        }

        @Override
        public byte[] write(ApiError error) {
            return (error.status() + " " + error.code() + " " + error.requestId()).getBytes(StandardCharsets.UTF_8);
        }
    }

    private static ErrorRenderer renderer(Map<String, String> contextParams) throws ServletException {
        return ErrorRenderer.forContext(Fakes.context(contextParams));
    }

    private static String failure(Map<String, String> contextParams) {
        return assertThrows(ServletException.class, () -> renderer(contextParams)).getMessage();
    }

    @Test
    void shouldLoadBuiltInsByNameAndCustomFormatsByClass() throws ServletException {
        assertTrue(renderer(Map.of()).format() instanceof SuccessFlagFormat);
        assertTrue(renderer(Map.of("tollgate.error-format", "netilion")).format() instanceof ErrorListFormat);
        assertTrue(renderer(Map.of("tollgate.error-format", "problem")).format() instanceof ProblemFormat);
        ErrorFormat custom = renderer(Map.of("tollgate.error-format", PlainTextFormat.class.getName())).format();
        assertTrue(custom instanceof PlainTextFormat);
    }

    @Test
    void shouldFailStartupOnUnknownNameOrWrongClassNamingTheAcceptedNames() {
        String accepted = "must be one of [igny8, problem, netpulse, netilion, ozforensics] or the name of a class implementing "
                + "dev.tollgate.error.ErrorFormat";
        assertEquals("Tollgate: context-param [tollgate.error-format] has invalid value [xml]: " + accepted,
                failure(Map.of("tollgate.error-format", "xml")));
        assertEquals("Tollgate: context-param [tollgate.error-format] has invalid value [com.acme.Missing]: class not found; " + accepted,
                failure(Map.of("tollgate.error-format", "com.acme.Missing")));
        assertEquals("Tollgate: context-param [tollgate.error-format] has invalid value [java.lang.String]: class does not implement "
                + "dev.tollgate.error.ErrorFormat; " + accepted, failure(Map.of("tollgate.error-format", "java.lang.String")));
        assertTrue(failure(Map.of("tollgate.error-fromat", "igny8")).startsWith(
                "Tollgate: unknown context-param [tollgate.error-fromat]; known names are [tollgate.error-format"));
    }

    @Test
    void shouldApplyStatusOverridesToAnyFormat() throws ServletException {
        ErrorFormat format = renderer(Map.of("tollgate.error-format", "netpulse",
                "tollgate.status-overrides", "invalid_api_key=401, rate_limited=503")).format();
        assertEquals(401, format.status(ApiError.of(401, ErrorCodes.INVALID_API_KEY, "Invalid API key")));
        assertEquals(403, format.status(ApiError.of(401, ErrorCodes.MISSING_API_KEY, "Authentication required")));
        assertEquals(503, format.status(ApiError.of(429)));
        assertEquals("application/json;charset=UTF-8", format.contentType());
    }

    @Test
    void shouldRefuseBadOverridesNamingEntryAndRule() {
        assertEquals("Tollgate: context-param [tollgate.status-overrides] has invalid value [invalid_api_key]: entry "
                + "[invalid_api_key] must be <code>=<status>, like invalid_api_key=403",
                failure(Map.of("tollgate.status-overrides", "invalid_api_key")));
        assertEquals("Tollgate: context-param [tollgate.status-overrides] has invalid value [rate_limited=200]: status of "
                + "[rate_limited] must be 400-599", failure(Map.of("tollgate.status-overrides", "rate_limited=200")));
        assertEquals("Tollgate: context-param [tollgate.status-overrides] has invalid value [a=401,a=403]: code [a] is given twice",
                failure(Map.of("tollgate.status-overrides", "a=401,a=403")));
    }

    @Test
    void shouldUseProblemTypeBaseAndHelpUrl() throws ServletException {
        ErrorFormat format = renderer(Map.of("tollgate.error-format", "problem",
                "tollgate.problem.type-base", "https://errors.example.com/",
                "tollgate.problem.help-url", "https://docs.example.com/errors")).format();
        String body = new String(format.write(ApiError.of(429).toBuilder().requestId("r").path("/x").build()), StandardCharsets.UTF_8);
        assertEquals("{\"type\":\"https://errors.example.com/rate_limited\",\"title\":\"Too Many Requests\",\"status\":429,"
                + "\"detail\":\"Rate limit exceeded\",\"instance\":\"/x\",\"help\":\"https://docs.example.com/errors\","
                + "\"code\":\"rate_limited\",\"request_id\":\"r\"}", body);
        assertEquals("application/problem+json;charset=UTF-8", format.contentType());
        assertTrue(failure(Map.of("tollgate.error-format", "problem", "tollgate.problem.type-base", "errors/"))
                .endsWith("tollgate.problem.type-base [errors/] must be an absolute URI like https://errors.example.com/"));
    }
}
