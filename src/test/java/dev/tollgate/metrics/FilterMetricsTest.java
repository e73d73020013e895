package dev.tollgate.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.testing.Fakes;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.ServletContext;
import java.lang.management.ManagementFactory;
import java.util.Map;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/** Registration of a filter's metrics in JMX and Micrometer, and the counters behind them. */
class FilterMetricsTest {

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    private static ServletContext contextWith(SimpleMeterRegistry registry) {
        ServletContext context = Fakes.context(Map.of());
        context.setAttribute(FilterMetrics.REGISTRY_ATTRIBUTE, registry);
        return context;
    }

    @Test
    void shouldQuoteValuesThatAPlainObjectNameValueMayNotHold() {
        assertEquals("rate-limit", FilterMetrics.value("rate-limit"));
        assertEquals("/app", FilterMetrics.value("/app"));
        assertEquals("\"a,b=c\"", FilterMetrics.value("a,b=c"));
        assertEquals("\"x:y\"", FilterMetrics.value("x:y"));
        assertEquals("\"\\\"q\\\"\"", FilterMetrics.value("\"q\""));
        assertEquals("\"\"", FilterMetrics.value(""));
        assertEquals("/", FilterMetrics.contextLabel(""));
    }

    @Test
    void shouldRegisterUnderTheFilterNameAndUnregisterAtTheEnd() throws Exception {
        RateLimitMetrics metrics = new RateLimitMetrics();
        metrics.register(contextWith(new SimpleMeterRegistry()), "shouldRegister, quoted");
        ObjectName name = metrics.objectName();
        assertEquals(new ObjectName("dev.tollgate:type=RateLimitFilter,context=/,name=\"shouldRegister, quoted\""), name);
        metrics.allowed();
        metrics.allowed();
        metrics.rejected();
        assertEquals(2L, server.getAttribute(name, "Allowed"));
        assertEquals(3L, server.getAttribute(name, "RequestsSeen"));
        assertEquals("none", server.getAttribute(name, "CircuitState"));
        metrics.unregister();
        assertFalse(server.isRegistered(name));
        assertNull(metrics.objectName());
        metrics.unregister();
    }

    @Test
    void shouldGiveASecondInstanceOfTheSameNameAnInstanceNumber() throws Exception {
        ErrorMetrics first = new ErrorMetrics();
        ErrorMetrics second = new ErrorMetrics();
        first.register(contextWith(new SimpleMeterRegistry()), "shouldGiveASecondInstance");
        second.register(contextWith(new SimpleMeterRegistry()), "shouldGiveASecondInstance");
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
    void shouldExportTheSameCountersToMicrometerAndRemoveThem() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ApiKeyMetrics metrics = new ApiKeyMetrics();
        metrics.keys(() -> 7);
        metrics.register(contextWith(registry), "shouldExport");
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

    @Test
    void shouldLetTheNewestInstanceOfAFilterOwnItsMeters() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RateLimitMetrics old = new RateLimitMetrics();
        RateLimitMetrics fresh = new RateLimitMetrics();
        old.register(contextWith(registry), "shouldLetTheNewest");
        int meters = registry.getMeters().size();
        fresh.register(contextWith(registry), "shouldLetTheNewest");
        assertEquals(meters, registry.getMeters().size());
        fresh.allowed();
        old.unregister();
        assertEquals(meters, registry.getMeters().size(), "the old instance removes nothing the new one owns");
        assertEquals(1.0, registry.get("tollgate.ratelimit.requests").tags("filter", "shouldLetTheNewest", "outcome", "allowed")
                .functionCounter().count());
        fresh.unregister();
        assertTrue(registry.getMeters().isEmpty());
    }

    @Test
    void shouldUseTheGlobalRegistryWithoutAContextAttribute() {
        SimpleMeterRegistry backend = new SimpleMeterRegistry();
        Metrics.addRegistry(backend);
        RateLimitMetrics metrics = new RateLimitMetrics();
        try {
            metrics.register(Fakes.context(Map.of()), "shouldUseTheGlobalRegistry");
            metrics.storeCall(3_000_000);
            metrics.storeCall(1_000_000);
            assertEquals(2, backend.get("tollgate.ratelimit.store.latency")
                    .tags("filter", "shouldUseTheGlobalRegistry").functionTimer().count());
            assertEquals(0.004, backend.get("tollgate.ratelimit.store.latency")
                    .tags("filter", "shouldUseTheGlobalRegistry").functionTimer().totalTime(java.util.concurrent.TimeUnit.SECONDS), 1e-9);
            assertEquals(0.003, backend.get("tollgate.ratelimit.store.latency.max")
                    .tags("filter", "shouldUseTheGlobalRegistry").gauge().value());
        } finally {
            metrics.unregister();
            Metrics.removeRegistry(backend);
        }
        assertTrue(Metrics.globalRegistry.find("tollgate.ratelimit.requests").tags("filter", "shouldUseTheGlobalRegistry")
                .meters().isEmpty());
    }

    @Test
    void shouldCountCodesOutsideTheKnownSetAsOther() throws Exception {
        ErrorMetrics metrics = new ErrorMetrics();
        metrics.register(contextWith(new SimpleMeterRegistry()), "shouldCountCodesOutside");
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

    /** A class loader that tells which classes it loaded itself. */
    private static final class RecordingLoader extends java.net.URLClassLoader {
        final java.util.Set<String> loaded = java.util.concurrent.ConcurrentHashMap.newKeySet();

        RecordingLoader(java.net.URL[] urls) {
            super(urls, ClassLoader.getPlatformClassLoader());
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            Class<?> found = super.findClass(name);
            loaded.add(name);
            return found;
        }
    }

    private static java.net.URL codeSource(Class<?> type) {
        return type.getProtectionDomain().getCodeSource().getLocation();
    }

    @Test
    void shouldExportThroughJmxAloneAndNeverLoadMicrometerCodeWithoutMicrometer() throws Exception {
        java.net.URL[] urls = {codeSource(FilterMetrics.class), codeSource(org.slf4j.LoggerFactory.class), codeSource(ServletContext.class)};
        try (RecordingLoader loader = new RecordingLoader(urls)) {
            org.junit.jupiter.api.Assertions.assertThrows(ClassNotFoundException.class,
                    () -> loader.loadClass("io.micrometer.core.instrument.MeterRegistry"));
            Class<?> type = loader.loadClass(RateLimitMetrics.class.getName());
            Object metrics = type.getConstructor().newInstance();
            Class<?> contextType = loader.loadClass(ServletContext.class.getName());
            Object context = java.lang.reflect.Proxy.newProxyInstance(loader, new Class<?>[] {contextType},
                    (proxy, method, args) -> "getContextPath".equals(method.getName()) ? "/without-micrometer" : null);
            type.getMethod("register", contextType, String.class).invoke(metrics, context, "rate-limit");
            ObjectName name = new ObjectName("dev.tollgate:type=RateLimitFilter,context=/without-micrometer,name=rate-limit");
            try {
                type.getMethod("allowed").invoke(metrics);
                assertEquals(1L, server.getAttribute(name, "Allowed"));
            } finally {
                type.getMethod("unregister").invoke(metrics);
            }
            assertFalse(server.isRegistered(name));
            assertTrue(loader.loaded.contains(MetricsMBean.class.getName()), () -> "loaded: " + loader.loaded);
            assertFalse(loader.loaded.contains(MicrometerMeters.class.getName()), () -> "loaded: " + loader.loaded);
        }
    }
}
