package dev.tollgate.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.testing.FakeHttp;
import dev.tollgate.testing.Fakes;
import jakarta.servlet.FilterChain;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The error filter's request handling, driven with fakes, no container. */
class ErrorRenderingFilterRequestTest {

    private static FakeHttp.Response run(FilterChain chain) throws Exception {
        ErrorRenderingFilter filter = new ErrorRenderingFilter();
        filter.init(Fakes.filterConfig("errors", Map.of(), Fakes.context(Map.of())));
        FakeHttp.Response response = FakeHttp.response();
        filter.doFilter(FakeHttp.request("POST", "/api/users").get(), response.get(), chain);
        return response;
    }

    @Test
    void shouldRenderAnApiExceptionWithItsFieldErrors() throws Exception {
        FakeHttp.Response r = run((req, res) -> {
            throw ApiException.badRequest("Validation failed", FieldErrors.builder().add("email", "This field is required").build());
        });
        assertEquals(400, r.status());
        assertTrue(r.body().contains("\"errors\":{\"email\":[\"This field is required\"]}"), r.body());
        assertTrue(r.body().contains("\"request_id\":\"" + r.header("X-Request-ID") + "\""), r.body());
        assertTrue(r.header("Content-Type").startsWith("application/json"));
    }

    @Test
    void shouldRenderASendErrorWithItsStatus() throws Exception {
        FakeHttp.Response r = run((req, res) -> ((HttpServletResponse) res).sendError(404));
        assertEquals(404, r.status());
        assertTrue(r.body().contains("\"success\":false"), r.body());
    }

    @Test
    void shouldAnswer500WithoutTheExceptionMessage() throws Exception {
        FakeHttp.Response r = run((req, res) -> {
            throw new IllegalStateException("db-password=hunter2");
        });
        assertEquals(500, r.status());
        assertFalse(r.body().contains("hunter2"), r.body());
        assertFalse(r.body().contains("IllegalStateException"), r.body());
    }

    @Test
    void shouldCountRenderedErrorsAndClientAbortsInItsMBean() throws Exception {
        ErrorRenderingFilter filter = new ErrorRenderingFilter();
        filter.init(Fakes.filterConfig("shouldCountRenderedErrors", Map.of(), Fakes.context(Map.of())));
        javax.management.MBeanServer server = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        javax.management.ObjectName name = new javax.management.ObjectName(
                "dev.tollgate:type=ErrorRenderingFilter,context=/,name=shouldCountRenderedErrors");
        try {
            filter.doFilter(FakeHttp.request("GET", "/a").get(), FakeHttp.response().get(), (req, res) -> {
                throw new org.apache.catalina.connector.ClientAbortException("gone");
            });
            filter.doFilter(FakeHttp.request("GET", "/b").get(), FakeHttp.response().get(),
                    (req, res) -> ((HttpServletResponse) res).sendError(404));
            filter.doFilter(FakeHttp.request("GET", "/c").get(), FakeHttp.response().get(), (req, res) -> { });
            assertEquals(3L, server.getAttribute(name, "RequestsSeen"));
            assertEquals(1L, server.getAttribute(name, "ClientAborts"));
            assertEquals(1L, server.getAttribute(name, "Rendered4xx"));
            assertEquals(1L, server.getAttribute(name, "RenderedNotFound"));
            assertEquals(0L, server.getAttribute(name, "Rendered5xx"));
        } finally {
            filter.destroy();
        }
        assertFalse(server.isRegistered(name));
    }
}
