package dev.tollgate.error;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * The default format, IGNY8's:
 * {@code {"success": false, "error": "...", "errors": {"field": ["..."]}, "request_id": "..."}};
 * {@code errors} only when there are field errors.
 */
final class Igny8Format implements ErrorFormat {

    static final String NAME = "igny8";

    private final JsonFactory json;

    Igny8Format(JsonFactory json) {
        this.json = json;
    }

    @Override
    public String contentType() {
        return "application/json;charset=UTF-8";
    }

    @Override
    public byte[] write(ApiError error) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(128);
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartObject();
            g.writeBooleanField("success", false);
            g.writeStringField("error", error.message());
            if (!error.fieldErrors().isEmpty()) {
                g.writeObjectFieldStart("errors");
                for (Map.Entry<String, List<FieldError>> field : error.fieldErrors().asMap().entrySet()) {
                    g.writeArrayFieldStart(field.getKey());
                    for (FieldError fe : field.getValue()) {
                        g.writeString(fe.message());
                    }
                    g.writeEndArray();
                }
                g.writeEndObject();
            }
            g.writeStringField("request_id", error.requestId());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
