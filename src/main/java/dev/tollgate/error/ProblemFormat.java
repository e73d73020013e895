package dev.tollgate.error;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Problem details (RFC 9457, which replaced RFC 7807; OpenAtlas answers this way), as
 * {@code application/problem+json}: {@code type} ({@code about:blank}, or the configured base URI
 * plus the neutral code), {@code title} (the status's reason phrase), {@code status} (always the
 * HTTP status), {@code detail} (the public message), {@code instance} (the path the client asked for, also on the error page),
 * {@code timestamp} (an HTTP-date, as OpenAtlas writes it), {@code help} (only when a help URL is
 * configured), and the extension members {@code code}, {@code request_id} and, for field errors,
 * {@code errors}: {@code [{"pointer": "#/email", "detail": "...", "code": "required"}]} as in RFC
 * 9457's own example. Statuses are the neutral ones.
 */
final class ProblemFormat extends JsonErrorFormat {

    static final String NAME = "problem";
    static final String TYPE_BASE_PARAM = "tollgate.problem.type-base";
    static final String HELP_PARAM = "tollgate.problem.help-url";

    /** IMF-fixdate, as HTTP dates are written: {@code Fri, 29 May 2020 10:13:22 GMT}. */
    static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
            .withZone(ZoneOffset.UTC);

    private final String typeBase;
    private final String helpUrl;

    ProblemFormat(JsonFactory json, String typeBase, String helpUrl) {
        super(json, Map.of());
        this.typeBase = typeBase == null ? null : absoluteUri(typeBase, TYPE_BASE_PARAM);
        this.helpUrl = helpUrl == null ? null : absoluteUri(helpUrl, HELP_PARAM);
    }

    private static String absoluteUri(String text, String param) {
        try {
            URI uri = new URI(text);
            if (!uri.isAbsolute()) {
                throw new IllegalArgumentException(param + " [" + text + "] must be an absolute URI like https://errors.example.com/");
            }
            return text;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(param + " [" + text + "] must be an absolute URI like https://errors.example.com/");
        }
    }

    @Override
    public String contentType() {
        return "application/problem+json;charset=UTF-8";
    }

    @Override
    void writeFields(JsonGenerator g, ApiError error) throws IOException {
        g.writeStringField("type", typeBase == null ? "about:blank" : typeBase + error.code());
        g.writeStringField("title", title(error.status()));
        g.writeNumberField("status", error.status());
        g.writeStringField("detail", error.message());
        writeNullableString(g, "instance", error.path());
        if (error.timestamp() != null) {
            g.writeStringField("timestamp", HTTP_DATE.format(error.timestamp()));
        }
        if (helpUrl != null) {
            g.writeStringField("help", helpUrl);
        }
        g.writeStringField("code", error.code());
        g.writeStringField("request_id", error.requestId());
        if (!error.fieldErrors().isEmpty()) {
            g.writeArrayFieldStart("errors");
            for (Map.Entry<String, List<FieldError>> field : error.fieldErrors().asMap().entrySet()) {
                for (FieldError fe : field.getValue()) {
                    g.writeStartObject();
                    g.writeStringField("pointer", "#/" + field.getKey().replace("~", "~0").replace("/", "~1"));
                    g.writeStringField("detail", fe.message());
                    if (fe.code() != null) {
                        g.writeStringField("code", fe.code());
                    }
                    g.writeEndObject();
                }
            }
            g.writeEndArray();
        }
    }

    /** The reason phrase of {@code status} (RFC 9110). */
    static String title(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 402 -> "Payment Required";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 406 -> "Not Acceptable";
            case 408 -> "Request Timeout";
            case 409 -> "Conflict";
            case 410 -> "Gone";
            case 413 -> "Content Too Large";
            case 415 -> "Unsupported Media Type";
            case 422 -> "Unprocessable Content";
            case 429 -> "Too Many Requests";
            case 500 -> "Internal Server Error";
            case 501 -> "Not Implemented";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> status >= 500 ? "Server Error" : "Client Error";
        };
    }
}
