package dev.tollgate.error;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * A numeric {@code code}, a {@code message} and {@code data} ({@code tollgate.error-format} value
 * {@code netpulse}, NetPulse's body): {@code {"code": -1, "message": "...", "data": ...}}. Field errors go in
 * {@code data} as a list of {@code {"type", "loc", "msg"}} like NetPulse's validation example
 * ({@code loc} is {@code ["body", field]}); other errors carry {@code data: null}.
 *
 * <table>
 *   <caption>Neutral code to NetPulse status and field-error type</caption>
 *   <tr><th>neutral</th><th>status</th></tr>
 *   <tr><td>missing_api_key, invalid_api_key, expired_api_key, authentication_required</td><td>403 (NetPulse answers a bad or missing X-API-KEY with 403)</td></tr>
 *   <tr><td>validation_failed</td><td>400 (also when raised as 422)</td></tr>
 *   <tr><td>everything else</td><td>the neutral status</td></tr>
 * </table>
 * Field-error codes become the entry's {@code type}: {@code required} is {@code missing}
 * (NetPulse's type), no code is {@code value_error}, any other code is kept.
 */
final class CodeMessageDataFormat extends JsonErrorFormat {

    static final String NAME = "netpulse";

    static final Map<String, Integer> STATUSES = Map.of(
            ErrorCodes.MISSING_API_KEY, 403,
            ErrorCodes.INVALID_API_KEY, 403,
            ErrorCodes.EXPIRED_API_KEY, 403,
            ErrorCodes.AUTHENTICATION_REQUIRED, 403,
            ErrorCodes.VALIDATION_FAILED, 400);

    CodeMessageDataFormat(JsonFactory json) {
        super(json, STATUSES);
    }

    @Override
    void writeFields(JsonGenerator g, ApiError error) throws IOException {
        g.writeNumberField("code", -1);
        g.writeStringField("message", error.message());
        if (error.fieldErrors().isEmpty()) {
            g.writeNullField("data");
            return;
        }
        g.writeArrayFieldStart("data");
        for (Map.Entry<String, List<FieldError>> field : error.fieldErrors().asMap().entrySet()) {
            for (FieldError fe : field.getValue()) {
                g.writeStartObject();
                g.writeStringField("type", type(fe.code()));
                g.writeArrayFieldStart("loc");
                g.writeString("body");
                g.writeString(field.getKey());
                g.writeEndArray();
                g.writeStringField("msg", fe.message());
                g.writeEndObject();
            }
        }
        g.writeEndArray();
    }

    static String type(String code) {
        if (code == null) {
            return "value_error";
        }
        return code.equals("required") ? "missing" : code;
    }
}
