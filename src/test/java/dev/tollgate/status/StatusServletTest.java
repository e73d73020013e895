package dev.tollgate.status;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.internal.StatusSource;
import dev.tollgate.testing.Fakes;
import jakarta.servlet.ServletException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatusServletTest {

    private static StatusServlet started(Map<String, String> params) throws ServletException {
        StatusServlet servlet = new StatusServlet();
        servlet.init(Fakes.servletConfig("status", params));
        return servlet;
    }

    @Test
    void refusesToStartWithoutAProtection() {
        for (Map<String, String> params : List.of(Map.<String, String>of(), Map.of("allow-remote", "true"),
                Map.of("require-api-key", "false"), Map.of("role", "  "))) {
            ServletException e = assertThrows(ServletException.class, () -> started(params), params.toString());
            assertTrue(e.getMessage().contains("no protection configured"), e.getMessage());
            assertTrue(e.getMessage().contains("[role]") && e.getMessage().contains("[require-api-key]=true")
                    && e.getMessage().contains("[allow-remote]=false"), e.getMessage());
        }
    }

    @Test
    void startsWithAnyOneProtectionAndStopsItsThread() throws Exception {
        for (Map<String, String> params : List.of(Map.of("role", "tollgate-admin"), Map.of("require-api-key", "true"),
                Map.of("allow-remote", "false"))) {
            StatusServlet servlet = started(params);
            assertTrue(threadRuns("tollgate-status"), "the sampling thread runs");
            servlet.destroy();
            assertFalse(threadRuns("tollgate-status"), "the sampling thread stopped at destroy");
        }
    }

    private static boolean threadRuns(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }

    @Test
    void badParamsNameTheParamTheValueAndTheRule() {
        ServletException bool = assertThrows(ServletException.class, () -> started(Map.of("allow-remote", "no")));
        assertTrue(bool.getMessage().contains("[allow-remote]") && bool.getMessage().contains("[no]"), bool.getMessage());
        ServletException refresh = assertThrows(ServletException.class,
                () -> started(Map.of("allow-remote", "false", "refresh", "0")));
        assertTrue(refresh.getMessage().contains("[refresh]") && refresh.getMessage().contains("[0]"), refresh.getMessage());
        ServletException unknown = assertThrows(ServletException.class,
                () -> started(Map.of("allow-remote", "false", "allow-remotes", "false")));
        assertTrue(unknown.getMessage().contains("allow-remotes"), unknown.getMessage());
    }

    @Test
    void thePolicyAllowsExactlyTheInlineScriptAndStyle() throws Exception {
        StatusServlet.StatusPage page = StatusServlet.StatusPage.load(7);
        String html = new String(page.html(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(html.contains("data-refresh=\"7\""));
        String policy = page.contentSecurityPolicy();
        assertTrue(policy.startsWith("default-src 'none'; script-src 'sha256-"), policy);
        assertEquals(StatusServlet.StatusPage.hashOf(html, "script"), policy.split("script-src ")[1].split(";")[0]);
        ServletException two = assertThrows(ServletException.class,
                () -> StatusServlet.StatusPage.hashOf("<script>a</script><script>b</script>", "script"));
        assertTrue(two.getMessage().contains("exactly one <script>"), two.getMessage());
    }

    @Test
    void theLastMinuteIsTheGrowthSinceTheSnapshotAMinuteAgo() {
        long start = 1_000_000_000L;
        Map<String, Long> counters = new LinkedHashMap<>(Map.of("allowed", 0L));
        StatusSource source = new StatusSource() {
            @Override
            public String type() {
                return "RateLimitFilter";
            }

            @Override
            public String name() {
                return "limit";
            }

            @Override
            public Instant startedAt() {
                return Instant.ofEpochMilli(start);
            }

            @Override
            public Map<String, Long> counters() {
                return Map.copyOf(counters);
            }

            @Override
            public Map<String, Object> details() {
                return Map.of();
            }
        };
        CounterHistory history = new CounterHistory();
        // Within the first minute: everything since start.
        counters.put("allowed", 40L);
        assertEquals(40, history.lastMinute(source, counters, start + 30_000).delta("allowed", 40));
        // 10 a second for 3 minutes, sampled every 5 s.
        for (long t = 0; t <= 180_000; t += 5_000) {
            counters.put("allowed", t / 100);
            history.sample(List.of(source), start + t);
        }
        CounterHistory.Window window = history.lastMinute(source, counters, start + 180_000);
        assertEquals(60, window.seconds());
        assertEquals(600, window.delta("allowed", 1800));
        // A filter gone is forgotten: its history starts again.
        history.sample(List.of(), start + 185_000);
        CounterHistory.Window fresh = history.lastMinute(source, counters, start + 185_000);
        assertEquals(185, fresh.seconds());
    }
}
