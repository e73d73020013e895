package dev.tollgate.error;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.internal.InitParams;
import dev.tollgate.testing.Fakes;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Any request body that an application reads as JSON with Jackson: a failure to parse or map it is
 * the client's, 400 "Malformed JSON", whether the application read the body's stream or its
 * reader, and however it wrapped the failure; the same bytes from anywhere else (a backend's
 * answer) are a 500; reading the body is no read failure. The exceptions: a body beyond Jackson's
 * stream limits, or one it takes for UTF-32 and cannot decode, whose failures name no parser.
 * Inputs: {@code JsonBodyFuzzTestInputs/}.
 */
class JsonBodyFuzzTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ExceptionMapper MAPPER = mapper();

    /** What an application might bind a body to. */
    record Signup(String email, int age, List<String> tags) {
    }

    @FuzzTest
    void shouldAnswerMalformedJsonInTheBodyWith400AndAnywhereElseWith500(byte[] input) throws IOException {
        String why = new String(input, StandardCharsets.UTF_8);
        BodyStreams.Request fromStream = new BodyStreams.Request(withBody(input));
        check(input, fromStream, () -> JSON.readTree(fromStream.getInputStream()), why);
        BodyStreams.Request fromReader = new BodyStreams.Request(withBody(input));
        check(input, fromReader, () -> JSON.readValue(fromReader.getReader(), Signup.class), why);
    }

    private interface Read {
        void run() throws IOException;
    }

    private static void check(byte[] input, BodyStreams.Request body, Read read, String why) throws IOException {
        IOException failure;
        try {
            read.run();
            return;
        } catch (JsonProcessingException | CharConversionException e) {
            failure = e;
        }
        // Two failures name no parser: Jackson's StreamConstraintsException (a body nested deeper
        // than 1000, a number of more than 1000 digits) and the JDK's CharConversionException (a
        // body Jackson takes for UTF-32 that is none). Not known to be the body's, so a 500 unless
        // an exception-mapping says otherwise (ExceptionMapperTest).
        boolean known = failure instanceof JsonProcessingException && !(failure instanceof StreamConstraintsException);
        for (Throwable thrown : List.of(failure, new UncheckedIOException(failure), new ServletException(failure))) {
            ApiError error = MAPPER.map(thrown, body::isBody);
            assertEquals(known ? 400 : 500, error.status(), () -> why + ": " + thrown);
            assertEquals(known ? ErrorCodes.MALFORMED_JSON : ErrorCodes.INTERNAL_ERROR, error.code(), why);
        }
        BodyStreams.Response response = new BodyStreams.Response(Fakes.response(new HashMap<>()));
        assertEquals(ExceptionMapper.ClientFault.NONE, MAPPER.clientFault(failure, body, response), why);

        IOException backend;
        try {
            JSON.readValue(new ByteArrayInputStream(input), Signup.class);
            JSON.readTree(input);
            return;
        } catch (JsonProcessingException | CharConversionException e) {
            backend = e;
        }
        IOException fromBackend = backend;
        assertEquals(500, MAPPER.map(fromBackend, body::isBody).status(), () -> why + ": " + fromBackend);
    }

    private static HttpServletRequest withBody(byte[] bytes) {
        ByteArrayInputStream in = new ByteArrayInputStream(bytes);
        ServletInputStream stream = new ServletInputStream() {
            @Override
            public int read() {
                return in.read();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                return in.read(b, off, len);
            }

            @Override
            public boolean isFinished() {
                return in.available() == 0;
            }

            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setReadListener(ReadListener listener) {
                throw new UnsupportedOperationException("setReadListener");
            }
        };
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        return (HttpServletRequest) Proxy.newProxyInstance(JsonBodyFuzzTest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "getInputStream" -> stream;
                    case "getReader" -> reader;
                    case "toString" -> "FakeRequest with a body";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException("HttpServletRequest." + m.getName());
                });
    }

    private static ExceptionMapper mapper() {
        try {
            InitParams params = InitParams.of(Fakes.filterConfig("errors", Map.of()), "ErrorRenderingFilter", ExceptionMapper.PARAMS);
            return ExceptionMapper.from(params, JsonBodyFuzzTest.class.getClassLoader());
        } catch (ServletException e) {
            throw new IllegalStateException(e);
        }
    }
}
