package dev.tollgate.error;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * A list of errors ({@code tollgate.error-format} value {@code netilion}, Netilion's body):
 * {@code {"errors": [{"type", "message", "attribute"}]}}, one entry per field error
 * ({@code attribute} is the field), or one entry for the error itself ({@code attribute: null}).
 * Types come from Netilion's list of stable error types.
 *
 * <table>
 *   <caption>Neutral code to Netilion type and status</caption>
 *   <tr><th>neutral</th><th>type</th><th>status</th></tr>
 *   <tr><td>missing_api_key, authentication_required</td><td>unauthorized</td><td>401</td></tr>
 *   <tr><td>invalid_api_key</td><td>invalid_api_key</td><td>401</td></tr>
 *   <tr><td>expired_api_key</td><td>expired_api_key</td><td>402</td></tr>
 *   <tr><td>access_denied</td><td>access_denied</td><td>403</td></tr>
 *   <tr><td>not_found</td><td>not_found_no_permission</td><td>404</td></tr>
 *   <tr><td>rate_limited</td><td>too_many_requests</td><td>429</td></tr>
 *   <tr><td>internal_error</td><td>internal_server_error</td><td>500</td></tr>
 *   <tr><td>service_unavailable, limiter_unavailable, request_timeout</td><td>service_unavailable</td><td>500</td></tr>
 *   <tr><td>validation_failed</td><td>per field (below)</td><td>400</td></tr>
 *   <tr><td>anything else</td><td>invalid_input</td><td>the neutral status</td></tr>
 * </table>
 * Field-error codes: {@code required} is {@code blank}; {@code taken}, {@code too_long},
 * {@code too_short}, {@code invalid} and Netilion's other types are kept; no code is {@code invalid}.
 */
final class ErrorListFormat extends JsonErrorFormat {

    static final String NAME = "netilion";

    static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry(ErrorCodes.MISSING_API_KEY, "unauthorized"),
            Map.entry(ErrorCodes.AUTHENTICATION_REQUIRED, "unauthorized"),
            Map.entry(ErrorCodes.INVALID_API_KEY, "invalid_api_key"),
            Map.entry(ErrorCodes.EXPIRED_API_KEY, "expired_api_key"),
            Map.entry(ErrorCodes.ACCESS_DENIED, "access_denied"),
            Map.entry(ErrorCodes.NOT_FOUND, "not_found_no_permission"),
            Map.entry(ErrorCodes.RATE_LIMITED, "too_many_requests"),
            Map.entry(ErrorCodes.INTERNAL_ERROR, "internal_server_error"),
            Map.entry(ErrorCodes.SERVICE_UNAVAILABLE, "service_unavailable"),
            Map.entry(ErrorCodes.LIMITER_UNAVAILABLE, "service_unavailable"),
            Map.entry(ErrorCodes.REQUEST_TIMEOUT, "service_unavailable"));

    static final Map<String, Integer> STATUSES = Map.of(
            ErrorCodes.EXPIRED_API_KEY, 402,
            ErrorCodes.VALIDATION_FAILED, 400,
            ErrorCodes.SERVICE_UNAVAILABLE, 500,
            ErrorCodes.LIMITER_UNAVAILABLE, 500,
            ErrorCodes.REQUEST_TIMEOUT, 500);

    ErrorListFormat(JsonFactory json) {
        super(json, STATUSES);
    }

    @Override
    void writeFields(JsonGenerator g, ApiError error) throws IOException {
        g.writeArrayFieldStart("errors");
        if (error.fieldErrors().isEmpty()) {
            entry(g, TYPES.getOrDefault(error.code(), "invalid_input"), error.message(), null);
        } else {
            for (Map.Entry<String, List<FieldError>> field : error.fieldErrors().asMap().entrySet()) {
                for (FieldError fe : field.getValue()) {
                    entry(g, fieldType(fe.code()), fe.message(), field.getKey());
                }
            }
        }
        g.writeEndArray();
    }

    private static void entry(JsonGenerator g, String type, String message, String attribute) throws IOException {
        g.writeStartObject();
        g.writeStringField("type", type);
        g.writeStringField("message", message);
        writeNullableString(g, "attribute", attribute);
        g.writeEndObject();
    }

    static String fieldType(String code) {
        if (code == null) {
            return "invalid";
        }
        return code.equals("required") ? "blank" : code;
    }
}
