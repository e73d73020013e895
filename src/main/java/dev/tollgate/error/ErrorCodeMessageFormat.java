package dev.tollgate.error;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * A numeric error code and message ({@code tollgate.error-format} value {@code ozforensics},
 * OzForensics' body): {@code {"error_code": <int>, "error_message": "...", "details": ...}} with the
 * OzForensics' numbers; {@code details} holds the field errors ({@code {"field": ["..."]}}) or {@code null}.
 * Statuses are the neutral ones (OzForensics ties none to its numbers but 405 and 404).
 *
 * <table>
 *   <caption>Neutral code to OzForensics error_code</caption>
 *   <tr><th>neutral</th><th>error_code</th></tr>
 *   <tr><td>method_not_allowed</td><td>1 NOT ALLOWED</td></tr>
 *   <tr><td>bad_request, malformed_json</td><td>3 INVALID STRUCTURE</td></tr>
 *   <tr><td>validation_failed</td><td>3 INVALID STRUCTURE when a field is missing (code required), else 4 INVALID VALUE</td></tr>
 *   <tr><td>conflict</td><td>4 INVALID VALUE</td></tr>
 *   <tr><td>unsupported_media_type</td><td>5 INVALID TYPE</td></tr>
 *   <tr><td>missing_api_key, authentication_required</td><td>6 AUTH NOT PROVIDED</td></tr>
 *   <tr><td>invalid_api_key</td><td>7 AUTH INVALID</td></tr>
 *   <tr><td>expired_api_key</td><td>8 AUTH EXPIRED</td></tr>
 *   <tr><td>access_denied</td><td>9 AUTH FORBIDDEN</td></tr>
 *   <tr><td>not_found</td><td>10 NOT EXIST</td></tr>
 *   <tr><td>limiter_unavailable</td><td>11 EXTERNAL SERVICE</td></tr>
 *   <tr><td>anything else (internal_error, rate_limited, ...)</td><td>0 UNKNOWN</td></tr>
 * </table>
 */
final class ErrorCodeMessageFormat extends JsonErrorFormat {

    static final String NAME = "ozforensics";

    static final Map<String, Integer> NUMBERS = Map.ofEntries(
            Map.entry(ErrorCodes.METHOD_NOT_ALLOWED, 1),
            Map.entry(ErrorCodes.BAD_REQUEST, 3),
            Map.entry(ErrorCodes.MALFORMED_JSON, 3),
            Map.entry(ErrorCodes.VALIDATION_FAILED, 4),
            Map.entry(ErrorCodes.CONFLICT, 4),
            Map.entry(ErrorCodes.UNSUPPORTED_MEDIA_TYPE, 5),
            Map.entry(ErrorCodes.MISSING_API_KEY, 6),
            Map.entry(ErrorCodes.AUTHENTICATION_REQUIRED, 6),
            Map.entry(ErrorCodes.INVALID_API_KEY, 7),
            Map.entry(ErrorCodes.EXPIRED_API_KEY, 8),
            Map.entry(ErrorCodes.ACCESS_DENIED, 9),
            Map.entry(ErrorCodes.NOT_FOUND, 10),
            Map.entry(ErrorCodes.LIMITER_UNAVAILABLE, 11));

    ErrorCodeMessageFormat(JsonFactory json) {
        super(json, Map.of());
    }

    @Override
    void writeFields(JsonGenerator g, ApiError error) throws IOException {
        g.writeNumberField("error_code", number(error));
        g.writeStringField("error_message", error.message());
        if (error.fieldErrors().isEmpty()) {
            g.writeNullField("details");
            return;
        }
        writeMessagesByField(g, "details", error.fieldErrors());
    }

    static int number(ApiError error) {
        if (!error.fieldErrors().isEmpty()) {
            for (List<FieldError> errors : error.fieldErrors().asMap().values()) {
                for (FieldError fe : errors) {
                    if ("required".equals(fe.code())) {
                        return 3;
                    }
                }
            }
        }
        return NUMBERS.getOrDefault(error.code(), 0);
    }
}
