package dev.tollgate.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.testing.Fakes;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** The error filter's counters: an instance number for a second filter of the same name, and codes outside the known set. */
class ErrorMetricsTest {

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    @Test
    void shouldGiveASecondInstanceOfTheSameNameAnInstanceNumber() throws Exception {
        ErrorMetrics first = new ErrorMetrics();
        ErrorMetrics second = new ErrorMetrics();
        first.register(Fakes.contextWithMeterRegistry(new SimpleMeterRegistry()), "shouldGiveASecondInstance");
        second.register(Fakes.contextWithMeterRegistry(new SimpleMeterRegistry()), "shouldGiveASecondInstance");
        try {
            assertEquals("shouldGiveASecondInstance", first.objectName().getKeyProperty("name"));
            assertNull(first.objectName().getKeyProperty("instance"));
            assertEquals("2", second.objectName().getKeyProperty("instance"));
            second.rendered(500, "internal_error");
            assertEquals(0L, server.getAttribute(first.objectName(), "Rendered5xx"));
            assertEquals(1L, server.getAttribute(second.objectName(), "Rendered5xx"));
        } finally {
            first.unregister();
            second.unregister();
        }
        assertTrue(server.queryNames(new ObjectName("dev.tollgate:name=shouldGiveASecondInstance,*"), null).isEmpty());
    }

    @Test
    void shouldCountCodesOutsideTheKnownSetAsOther() throws Exception {
        ErrorMetrics metrics = new ErrorMetrics();
        metrics.register(Fakes.contextWithMeterRegistry(new SimpleMeterRegistry()), "shouldCountCodesOutside");
        try {
            metrics.rendered(402, "quota_exceeded");
            metrics.rendered(404, "not_found");
            metrics.clientAbort();
            ObjectName name = metrics.objectName();
            assertEquals(1L, server.getAttribute(name, "RenderedOther"));
            assertEquals(1L, server.getAttribute(name, "RenderedNotFound"));
            assertEquals(2L, server.getAttribute(name, "Rendered4xx"));
            assertEquals(1L, server.getAttribute(name, "ClientAborts"));
        } finally {
            metrics.unregister();
        }
    }
}
