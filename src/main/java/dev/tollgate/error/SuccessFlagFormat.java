package dev.tollgate.error;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.util.Map;

/**
 * The default format, a {@code success} flag and an {@code error} message
 * ({@code tollgate.error-format} value {@code igny8}, the shape IGNY8 answers with):
 * {@code {"success": false, "error": "...", "errors": {"field": ["..."]}, "request_id": "..."}};
 * {@code errors} only when there are field errors. Statuses are the neutral ones.
 */
final class SuccessFlagFormat extends JsonErrorFormat {

    static final String NAME = "igny8";

    SuccessFlagFormat(JsonFactory json) {
        super(json, Map.of());
    }

    @Override
    void writeFields(JsonGenerator g, ApiError error) throws IOException {
        g.writeBooleanField("success", false);
        g.writeStringField("error", error.message());
        if (!error.fieldErrors().isEmpty()) {
            writeMessagesByField(g, "errors", error.fieldErrors());
        }
        g.writeStringField("request_id", error.requestId());
    }
}
