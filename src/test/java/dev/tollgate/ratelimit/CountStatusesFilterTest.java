package dev.tollgate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.error.ApiException;
import dev.tollgate.testing.FakeHttp;
import dev.tollgate.testing.Fakes;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The rate-limit filter with {@code count-statuses} and {@code costs}, configured as web.xml would
 * and driven with fakes: an application that answers the status a test gives it.
 */
class CountStatusesFilterTest {

    /** The application: answers {@link #status} (or throws {@link #thrown}), and counts its calls. */
    private static final class App implements FilterChain {
        int status = 200;
        RuntimeException thrown;
        int calls;

        @Override
        public void doFilter(jakarta.servlet.ServletRequest request, jakarta.servlet.ServletResponse response) {
            calls++;
            if (thrown != null) {
                throw thrown;
            }
            ((HttpServletResponse) response).setStatus(status);
        }
    }

    private static RateLimitFilter filter(Map<String, String> params) throws ServletException {
        RateLimitFilter filter = new RateLimitFilter();
        filter.init(Fakes.filterConfig("rate-limit", params, Fakes.context(Map.of())));
        return filter;
    }

    private static FakeHttp.Response send(RateLimitFilter filter, HttpServletRequest request, App app) throws Exception {
        FakeHttp.Response response = FakeHttp.response();
        filter.doFilter(request, response.get(), app);
        return response;
    }

    private static FakeHttp.Response send(RateLimitFilter filter, App app) throws Exception {
        return send(filter, FakeHttp.request("POST", "/login").get(), app);
    }

    @Test
    void shouldCountOnlyTheNamedStatusesAndRejectWithoutCallingTheApplication() throws Exception {
        RateLimitFilter filter = filter(Map.of("limits", "2/1m", "count-statuses", "401, 403"));
        App app = new App();
        for (int i = 0; i < 5; i++) {
            FakeHttp.Response ok = send(filter, app);
            assertEquals(200, ok.status());
            assertEquals("1", ok.header("X-Throttle-Remaining"), "what is left if this answer counts");
        }
        app.status = 404;
        assertEquals("1", send(filter, app).header("X-Throttle-Remaining"), "404 is not counted");
        app.status = 401;
        assertEquals("1", send(filter, app).header("X-Throttle-Remaining"));
        app.status = 403;
        assertEquals("0", send(filter, app).header("X-Throttle-Remaining"));
        assertEquals(8, app.calls);
        app.status = 200;
        FakeHttp.Response limited = send(filter, app);
        assertEquals(8, app.calls, "a blocked client never reaches the application");
        assertEquals(429, limited.status());
        assertEquals("2", limited.header("X-Throttle-Limit"));
        assertEquals("0", limited.header("X-Throttle-Remaining"));
        long retryAfter = Long.parseLong(limited.header("Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= 30, "Retry-After " + retryAfter);
        assertTrue(limited.body().contains("\"error\":\"Rate limit exceeded\""), limited.body());
        app.status = 401;
        FakeHttp.Response other = send(filter, FakeHttp.request("POST", "/login").remoteAddr("127.0.0.2").get(), app);
        assertEquals("1", other.header("X-Throttle-Remaining"), "another client has its own bucket");
    }

    @Test
    void shouldCountAnExceptionByTheStatusItCarries() throws Exception {
        RateLimitFilter filter = filter(Map.of("limits", "2/1m", "count-statuses", "401"));
        App app = new App();
        app.thrown = new IllegalStateException("a bug: 500, not counted");
        for (int i = 0; i < 3; i++) {
            assertSame(app.thrown, assertThrows(IllegalStateException.class, () -> send(filter, app)));
        }
        app.thrown = ApiException.unauthorized("Wrong password");
        for (int i = 0; i < 2; i++) {
            assertSame(app.thrown, assertThrows(ApiException.class, () -> send(filter, app)));
        }
        app.thrown = null;
        assertEquals(429, send(filter, app).status());
        assertEquals(5, app.calls);
    }

    @Test
    void shouldCountStatusClasses() throws Exception {
        RateLimitFilter filter = filter(Map.of("limits", "2/1m", "count-statuses", "5xx"));
        App app = new App();
        app.status = 499;
        send(filter, app);
        app.status = 500;
        send(filter, app);
        app.status = 503;
        send(filter, app);
        assertEquals(429, send(filter, app).status());
        assertEquals(3, app.calls);
    }

    @Test
    void shouldNotCountInReportOnlyModeWhatAnEnforcingFilterWouldNotHaveLetThrough() throws Exception {
        RateLimitFilter filter = filter(Map.of("limits", "1/1m", "count-statuses", "401", "enforce", "false"));
        App app = new App();
        app.status = 401;
        HttpServletRequest first = FakeHttp.request("POST", "/login").get();
        assertEquals("0", send(filter, first, app).header("X-Throttle-Remaining"));
        assertNull(first.getAttribute(RateLimitFilter.WOULD_REJECT_ATTRIBUTE));
        String reset = null;
        for (int i = 0; i < 3; i++) {
            HttpServletRequest over = FakeHttp.request("POST", "/login").get();
            FakeHttp.Response passed = send(filter, over, app);
            assertEquals(401, passed.status(), "report-only never answers 429");
            assertEquals("0", passed.header("X-Throttle-Remaining"));
            assertNull(passed.header("Retry-After"));
            assertEquals("rate_limited", over.getAttribute(RateLimitFilter.WOULD_REJECT_ATTRIBUTE));
            if (reset != null) {
                assertEquals(reset, passed.header("X-Throttle-Reset"), "not counted: the next token comes no later");
            }
            reset = passed.header("X-Throttle-Reset");
        }
        assertEquals(4, app.calls);
    }

    @Test
    void shouldChargeThePathsCost() throws Exception {
        RateLimitFilter filter = filter(Map.of("limits", "20/1m", "costs", "/api/export=10, /api/reports/*=5"));
        App app = new App();
        assertEquals("10", send(filter, FakeHttp.request("GET", "/api/export").get(), app).header("X-Throttle-Remaining"));
        assertEquals("5", send(filter, FakeHttp.request("GET", "/api/reports/weekly").get(), app).header("X-Throttle-Remaining"));
        assertEquals("4", send(filter, FakeHttp.request("GET", "/api/items").get(), app).header("X-Throttle-Remaining"));
        FakeHttp.Response limited = send(filter, FakeHttp.request("GET", "/api/reports").get(), app);
        assertEquals(429, limited.status(), "five tokens asked, four left");
        assertEquals(3, app.calls);
        assertEquals("3", send(filter, FakeHttp.request("GET", "/api/items").get(), app).header("X-Throttle-Remaining"),
                "the rejected request took nothing");
    }

    @Test
    void shouldChargeTheCostOfACountedAnswer() throws Exception {
        RateLimitFilter filter = filter(Map.of("limits", "5/1m", "count-statuses", "401", "costs", "/admin/login=3"));
        App app = new App();
        app.status = 401;
        assertEquals("2", send(filter, FakeHttp.request("POST", "/admin/login").get(), app).header("X-Throttle-Remaining"));
        assertEquals("1", send(filter, FakeHttp.request("POST", "/login").get(), app).header("X-Throttle-Remaining"));
        assertEquals(429, send(filter, FakeHttp.request("POST", "/admin/login").get(), app).status(), "three asked, one left");
        assertEquals("0", send(filter, FakeHttp.request("POST", "/login").get(), app).header("X-Throttle-Remaining"));
        assertEquals(3, app.calls);
    }
}
