package dev.tollgate.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.testing.Fakes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** The key filter's counters, exported to Micrometer as to JMX and removed at the end. */
class ApiKeyMetricsTest {

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    @Test
    void shouldExportTheSameCountersToMicrometerAndRemoveThem() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ApiKeyMetrics metrics = new ApiKeyMetrics();
        metrics.keys(() -> 7);
        metrics.register(Fakes.contextWithMeterRegistry(registry), "shouldExport");
        metrics.accepted();
        metrics.rejected("expired_api_key");
        metrics.wouldReject("access_denied");
        metrics.reloaded(false, 1_700_000_000_000L);
        String[] ours = {"filter", "shouldExport", "context", "/"};
        assertEquals(1.0, registry.get("tollgate.apikey.requests").tags(ours).tags("outcome", "accepted").functionCounter().count());
        assertEquals(1.0, registry.get("tollgate.apikey.requests").tags(ours).tags("outcome", "rejected").functionCounter().count());
        assertEquals(1.0, registry.get("tollgate.apikey.rejections").tags(ours)
                .tags("code", "expired_api_key", "enforced", "true").functionCounter().count());
        assertEquals(1.0, registry.get("tollgate.apikey.rejections").tags(ours)
                .tags("code", "access_denied", "enforced", "false").functionCounter().count());
        assertEquals(7.0, registry.get("tollgate.apikey.keys").tags(ours).gauge().value());
        assertEquals(1_700_000_000.0, registry.get("tollgate.apikey.reload.time").tags(ours).gauge().value());
        assertEquals(1.0, registry.get("tollgate.apikey.reloads").tags(ours).tags("outcome", "failure").functionCounter().count());
        metrics.unregister();
        assertTrue(registry.getMeters().isEmpty(), () -> "left: " + registry.getMeters());
    }
}
