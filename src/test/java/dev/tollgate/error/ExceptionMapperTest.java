package dev.tollgate.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import dev.tollgate.internal.InitParams;
import dev.tollgate.testing.Fakes;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayInputStream;
import java.io.CharConversionException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class ExceptionMapperTest {

    private static ExceptionMapper mapper(Map<String, String> params) throws ServletException {
        InitParams p = InitParams.of(Fakes.filterConfig("errors", params), "ErrorRenderingFilter", ExceptionMapper.PARAMS);
        return ExceptionMapper.from(p, ExceptionMapperTest.class.getClassLoader());
    }

    @Test
    void shouldMapNearestSuperclassWithConfiguredOrGenericMessage() throws ServletException {
        ExceptionMapper m = mapper(Map.of("exception-mappings",
                "java.lang.RuntimeException=503, java.lang.IllegalArgumentException=422:Invalid argument"));
        ApiError nfe = m.map(new NumberFormatException("secret"));
        assertEquals(422, nfe.status());
        assertEquals("Invalid argument", nfe.message());
        ApiError ise = m.map(new IllegalStateException("secret"));
        assertEquals(503, ise.status());
        assertEquals("Service unavailable", ise.message());
    }

    @Test
    void shouldFollowRootCausesAndCauseChains() throws ServletException {
        ExceptionMapper m = mapper(Map.of("exception-mappings", "java.util.NoSuchElementException=404"));
        Throwable nested = new ServletException("outer", new IllegalStateException("mid", new NoSuchElementException("x")));
        assertEquals(404, m.map(nested).status());
        ApiException api = ApiException.conflict("Conflict");
        assertEquals(409, m.map(new ServletException(new RuntimeException(api))).status());
    }

    @Test
    void shouldStopAtDepthLimit() throws ServletException {
        ExceptionMapper m = mapper(Map.of("exception-mappings", "java.util.NoSuchElementException=404", "max-cause-depth", "2"));
        Throwable deep = new RuntimeException(new RuntimeException(new NoSuchElementException()));
        assertEquals(500, m.map(deep).status());
        assertEquals(404, m.map(new RuntimeException(new NoSuchElementException())).status());
    }

    @Test
    void shouldMapJacksonErrorsToMalformedJsonOnlyWhenTheyReadTheRequestBody() throws ServletException {
        InputStream body = new ByteArrayInputStream("{x".getBytes(StandardCharsets.UTF_8));
        JsonParseException parse = assertThrows(JsonParseException.class, () -> new ObjectMapper().readTree(body));
        ApiError error = mapper(Map.of()).map(new UncheckedIOException(parse), source -> source == body);
        assertEquals(400, error.status());
        assertEquals(ErrorCodes.MALFORMED_JSON, error.code());
        assertEquals("Malformed JSON", error.message());
        assertEquals(500, mapper(Map.of()).map(parse, source -> false).status(), "another stream than the body");
        assertEquals(500, mapper(Map.of()).map(parse).status(), "no request body known");
        assertEquals(500, mapper(Map.of()).map(new IOException("disk")).status());
    }

    @Test
    void shouldMapJacksonErrorsOutsideTheRequestBodyTo500() throws ServletException {
        InputStream body = new ByteArrayInputStream("{}".getBytes(StandardCharsets.UTF_8));
        JsonParseException backend = assertThrows(JsonParseException.class, () -> new ObjectMapper().readTree("{x"));
        assertEquals(500, mapper(Map.of()).map(backend, source -> source == body).status());
        InvalidDefinitionException bean = assertThrows(InvalidDefinitionException.class,
                () -> new ObjectMapper().writeValueAsString(new Object()));
        assertEquals(500, mapper(Map.of()).map(bean, source -> true).status());
        InvalidDefinitionException creator = assertThrows(InvalidDefinitionException.class,
                () -> new ObjectMapper().readValue(body, Abstract.class));
        assertEquals(500, mapper(Map.of()).map(creator, source -> source == body).status(),
                "a type Jackson cannot build is a server bug, even when it reads the body");
    }

    /**
     * Found by fuzzing: a body beyond Jackson's stream limits (here nested 1001 deep) fails with a
     * StreamConstraintsException that names no parser, so nothing tells it from a backend's JSON:
     * a 500 unless the application maps it; the mapping applies to every source.
     */
    @Test
    void shouldAnswer500ForABodyBeyondJacksonsLimitsUnlessTheApplicationMapsIt() throws ServletException {
        InputStream body = new ByteArrayInputStream("[".repeat(1001).getBytes(StandardCharsets.UTF_8));
        StreamConstraintsException deep = assertThrows(StreamConstraintsException.class, () -> new ObjectMapper().readTree(body));
        assertEquals(500, mapper(Map.of()).map(deep, source -> source == body).status());
        ApiError mapped = mapper(Map.of("exception-mappings", "com.fasterxml.jackson.core.exc.StreamConstraintsException=400"))
                .map(deep, source -> false);
        assertEquals(400, mapped.status());
        assertEquals("Bad request", mapped.message());
    }

    /**
     * Found by fuzzing too: a body that Jackson takes for UTF-32 (it starts with three zero bytes)
     * and that holds no UTF-32 character fails with the JDK's CharConversionException, no Jackson
     * exception at all: a 500 unless the application maps it.
     */
    @Test
    void shouldAnswer500ForABodyJacksonCannotDecodeUnlessTheApplicationMapsIt() throws ServletException {
        InputStream body = new ByteArrayInputStream(new byte[] {0, 0, 0, '[', (byte) 0x90, (byte) 0x92, (byte) 0x9b, (byte) 0xff});
        CharConversionException undecodable = assertThrows(CharConversionException.class, () -> new ObjectMapper().readTree(body));
        assertEquals(500, mapper(Map.of()).map(undecodable, source -> source == body).status());
        assertEquals(400, mapper(Map.of("exception-mappings", "java.io.CharConversionException=400")).map(undecodable).status());
    }

    /** Jackson cannot create it: an abstract type with no concrete type mapped. */
    interface Abstract {
    }

    @Test
    void shouldLetAnExplicitJacksonMappingApplyEverywhere() throws ServletException {
        JsonParseException backend = assertThrows(JsonParseException.class, () -> new ObjectMapper().readTree("{x"));
        ExceptionMapper m = mapper(Map.of("exception-mappings", "com.fasterxml.jackson.core.JsonProcessingException=422"));
        assertEquals(422, m.map(backend).status());
        ExceptionMapper above = mapper(Map.of("exception-mappings", "java.io.IOException=503"));
        assertEquals(503, above.map(backend).status(), "not the body's JSON: the mapping above Jackson's type applies");
    }

    @Test
    void shouldTellBadRequestsFromDepartedClientsByTheContainersTypes() throws ServletException {
        ExceptionMapper m = mapper(Map.of());
        BodyStreams.Request request = new BodyStreams.Request(Fakes.request("POST", "/upload", Map.of()));
        BodyStreams.Response response = new BodyStreams.Response(Fakes.response(new java.util.HashMap<>()));
        assertEquals(ExceptionMapper.ClientFault.BAD_REQUEST,
                m.clientFault(new ServletException(new org.apache.coyote.BadRequestException()), request, response));
        assertEquals(ExceptionMapper.ClientFault.BAD_REQUEST, m.clientFault(new BadMessageEof(), request, response));
        assertEquals(ExceptionMapper.ClientFault.BAD_REQUEST,
                m.clientFault(new org.eclipse.jetty.http.HttpException.RuntimeException(400), request, response));
        assertEquals(ExceptionMapper.ClientFault.GONE,
                m.clientFault(new org.apache.catalina.connector.ClientAbortException(), request, response));
        assertEquals(ExceptionMapper.ClientFault.GONE, m.clientFault(new org.eclipse.jetty.io.EofException(), request, response));
        assertEquals(ExceptionMapper.ClientFault.NONE, m.clientFault(new SocketException("Connection reset"), request, response));
        assertEquals(ExceptionMapper.ClientFault.NONE, m.clientFault(new EOFException("backend closed"), request, response));
    }

    @Test
    void shouldTakeTheContainersClientStatusForAnUnmappedExceptionOnAnErrorPage() throws ServletException {
        ExceptionMapper m = mapper(Map.of("exception-mappings", "java.util.NoSuchElementException=404"));
        HttpServletRequest page = Fakes.request("GET", "/upload", Map.of());
        page.setAttribute(RequestDispatcher.ERROR_EXCEPTION, new EOFException("cut short"));
        page.setAttribute(RequestDispatcher.ERROR_STATUS_CODE, 400);
        assertEquals(400, m.fromErrorAttributes(page).status());
        page.setAttribute(RequestDispatcher.ERROR_STATUS_CODE, 500);
        assertEquals(500, m.fromErrorAttributes(page).status());
        page.setAttribute(RequestDispatcher.ERROR_STATUS_CODE, 400);
        page.setAttribute(RequestDispatcher.ERROR_EXCEPTION, new NoSuchElementException());
        assertEquals(404, m.fromErrorAttributes(page).status(), "a mapping still wins");
    }

    @Test
    void shouldRejectBadMappingsNamingEntryAndRule() {
        assertBad("java.lang.Nope=404", "exception class [java.lang.Nope] not found");
        assertBad("java.lang.String=404", "class [java.lang.String] is not a Throwable");
        assertBad("java.lang.RuntimeException=302", "status [302] of [java.lang.RuntimeException] must be 400-599");
        assertBad("java.lang.RuntimeException=abc", "status [abc] of [java.lang.RuntimeException] must be 400-599");
        assertBad("java.lang.RuntimeException", "entry [java.lang.RuntimeException] must be <exception class>=<status>[:<message>]");
        assertBad("java.lang.RuntimeException=400,java.lang.RuntimeException=404",
                "exception class [java.lang.RuntimeException] is mapped twice");
    }

    private static void assertBad(String value, String rule) {
        ServletException e = assertThrows(ServletException.class, () -> mapper(Map.of("exception-mappings", value)));
        assertEquals("ErrorRenderingFilter: init-param [exception-mappings] has invalid value [" + value + "]: " + rule,
                e.getMessage());
    }

    @Test
    void shouldRecogniseClientAbortsByTheContainersTypesOnly() {
        assertTrue(ExceptionMapper.isClientAbort(new ServletException(new org.apache.catalina.connector.ClientAbortException())));
        assertTrue(ExceptionMapper.isClientAbort(new org.eclipse.jetty.io.EofException()));
        assertFalse(ExceptionMapper.isClientAbort(new ClientAbortException()), "named like Tomcat's, but not Tomcat's");
        assertFalse(ExceptionMapper.isClientAbort(new SocketException("Connection reset")));
        assertFalse(ExceptionMapper.isClientAbort(new ServletException(new IOException("Broken pipe"))));
        assertFalse(ExceptionMapper.isClientAbort(new IOException("disk full")));
        assertFalse(ExceptionMapper.isClientAbort(new BadMessageEof()), "Jetty's bad request, though an EofException");
    }

    /** Like Jetty 12's early EOF while parsing a request: an EofException that is a 400 HttpException. */
    private static final class BadMessageEof extends org.eclipse.jetty.io.EofException
            implements org.eclipse.jetty.http.HttpException {
        private static final long serialVersionUID = 1L;

        @Override
        public int getCode() {
            return 400;
        }

        @Override
        public String getReason() {
            return "Early EOF";
        }
    }

    /** Named like Tomcat's, from some other library. */
    private static final class ClientAbortException extends IOException {
        private static final long serialVersionUID = 1L;
    }

    @Test
    void shouldFailFilterStartupOnUnknownParam() {
        ServletException e = assertThrows(ServletException.class,
                () -> new ErrorRenderingFilter().init(Fakes.filterConfig("errors", Map.of("mappings", "x"))));
        assertEquals("ErrorRenderingFilter: unknown init-param [mappings]; known names are "
                + "[exception-mappings, max-cause-depth, send-error-message]", e.getMessage());
    }

    @Test
    void shouldFailStartupOnUnknownFormat() {
        ServletException e = assertThrows(ServletException.class, () -> new ErrorRenderingFilter().init(
                Fakes.filterConfig("errors", Map.of(), Fakes.context(Map.of(ErrorRenderer.FORMAT_PARAM, "xml")))));
        assertTrue(e.getMessage().startsWith("Tollgate: context-param [tollgate.error-format] has invalid value [xml]: must be one of [igny8"),
                e.getMessage());
    }

    @Test
    void shouldShareOneRendererPerContext() throws ServletException {
        jakarta.servlet.ServletContext context = Fakes.context(Map.of());
        assertTrue(ErrorRenderer.forContext(context) == ErrorRenderer.forContext(context));
    }
}
