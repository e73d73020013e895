package dev.tollgate.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ErrorCapturingResponseTest {

    private final List<String> rendered = new ArrayList<>();
    private final ErrorCapturingResponse response = new ErrorCapturingResponse(uncommitted());

    private static HttpServletResponse uncommitted() {
        return (HttpServletResponse) Proxy.newProxyInstance(ErrorCapturingResponseTest.class.getClassLoader(),
                new Class<?>[] {HttpServletResponse.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "isCommitted" -> false;
                    default -> throw new UnsupportedOperationException("HttpServletResponse." + method.getName());
                });
    }

    private void sink(int status, String message) {
        rendered.add(status + " " + message);
    }

    @Test
    void shouldOnlyRecordSendErrorWhileTheDispatchRuns() throws Exception {
        response.sendError(404, "gone");
        assertTrue(response.hasError());
        assertTrue(response.isCommitted());
        assertEquals(404, response.errorStatus());
        assertEquals("gone", response.errorMessage());
        assertTrue(rendered.isEmpty());
    }

    @Test
    void shouldHandASendErrorAfterTheDispatchToTheSinkAtOnce() throws Exception {
        assertTrue(response.renderLaterErrors(this::sink));
        response.sendError(409);
        assertEquals(List.of("409 null"), rendered);
        assertTrue(response.isCommitted());
    }

    @Test
    void shouldRefuseTheSinkWhenAnErrorIsAlreadyRecorded() throws Exception {
        response.sendError(404);
        assertFalse(response.renderLaterErrors(this::sink));
        assertTrue(rendered.isEmpty());
    }

    @Test
    void shouldStopHandingErrorsToTheSinkOnceTheCycleCompleted() throws Exception {
        assertTrue(response.renderLaterErrors(this::sink));
        response.cycleCompleted();
        response.sendError(500);
        assertTrue(rendered.isEmpty());
    }

    @Test
    void shouldReportTheStatusOfTheRecordedSendErrorAsAContainerWould() throws Exception {
        HttpServletResponse container = (HttpServletResponse) Proxy.newProxyInstance(ErrorCapturingResponseTest.class.getClassLoader(),
                new Class<?>[] {HttpServletResponse.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "isCommitted" -> false;
                    case "getStatus" -> 200;
                    default -> throw new UnsupportedOperationException("HttpServletResponse." + method.getName());
                });
        ErrorCapturingResponse wrapped = new ErrorCapturingResponse(container);
        assertEquals(200, wrapped.getStatus());
        wrapped.sendError(401);
        assertEquals(401, wrapped.getStatus(), "a filter between the error filter and the application reads the status it will get");
    }

    @Test
    void shouldTellWhetherThisThreadSentTheError() throws Exception {
        response.sendError(404);
        assertTrue(response.errorSentByThisThread());
        AtomicBoolean elsewhere = new AtomicBoolean(true);
        Thread other = new Thread(() -> elsewhere.set(response.errorSentByThisThread()));
        other.start();
        other.join();
        assertFalse(elsewhere.get());
    }
}
