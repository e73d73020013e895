package dev.tollgate.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.config.InitParams;
import dev.tollgate.testing.Fakes;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketException;
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
    void shouldMapJacksonErrorsToMalformedJsonByDefault() throws ServletException {
        JsonParseException parse = assertThrows(JsonParseException.class, () -> new ObjectMapper().readTree("{x"));
        ApiError error = mapper(Map.of()).map(new UncheckedIOException(parse));
        assertEquals(400, error.status());
        assertEquals(ErrorCodes.MALFORMED_JSON, error.code());
        assertEquals("Malformed JSON", error.message());
        assertEquals(500, mapper(Map.of()).map(new IOException("disk")).status());
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
