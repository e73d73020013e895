package dev.tollgate.error;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/** A format that writes one JSON object with Jackson's streaming generator (no reflection). */
abstract class JsonErrorFormat implements ErrorFormat {

    private final JsonFactory json;
    private final Map<String, Integer> statuses;

    /** {@code statuses}: neutral code to this format's HTTP status, where it differs from the error's. */
    JsonErrorFormat(JsonFactory json, Map<String, Integer> statuses) {
        this.json = json;
        this.statuses = Map.copyOf(statuses);
    }

    @Override
    public String contentType() {
        return "application/json;charset=UTF-8";
    }

    @Override
    public int status(ApiError error) {
        return statuses.getOrDefault(error.code(), error.status());
    }

    @Override
    public final byte[] write(ApiError error) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(160);
        try (JsonGenerator g = json.createGenerator(out)) {
            g.writeStartObject();
            writeFields(g, error);
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Writes the members of the body object. */
    abstract void writeFields(JsonGenerator g, ApiError error) throws IOException;

    /** Writes {@code name: {field: [message, ...], ...}}, the fields in their stable order. */
    static void writeMessagesByField(JsonGenerator g, String name, FieldErrors fieldErrors) throws IOException {
        g.writeObjectFieldStart(name);
        for (Map.Entry<String, List<FieldError>> field : fieldErrors.asMap().entrySet()) {
            g.writeArrayFieldStart(field.getKey());
            for (FieldError fe : field.getValue()) {
                g.writeString(fe.message());
            }
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    static void writeNullableString(JsonGenerator g, String name, String value) throws IOException {
        if (value == null) {
            g.writeNullField(name);
        } else {
            g.writeStringField(name, value);
        }
    }
}
