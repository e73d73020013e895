package dev.tollgate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.internal.FilterMetrics;
import dev.tollgate.testing.Fakes;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.servlet.ServletContext;
import java.lang.management.ManagementFactory;
import java.util.Map;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

/**
 * The rate-limit filter's counters in JMX and Micrometer: registration under the filter's name,
 * which instance owns the meters, the global registry, and JMX alone without Micrometer.
 */
class RateLimitMetricsTest {

    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    @Test
    void shouldRegisterUnderTheFilterNameAndUnregisterAtTheEnd() throws Exception {
        RateLimitMetrics metrics = new RateLimitMetrics();
        metrics.register(Fakes.contextWithMeterRegistry(new SimpleMeterRegistry()), "shouldRegister, quoted");
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
    void shouldLetTheNewestInstanceOfAFilterOwnItsMeters() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        RateLimitMetrics old = new RateLimitMetrics();
        RateLimitMetrics fresh = new RateLimitMetrics();
        old.register(Fakes.contextWithMeterRegistry(registry), "shouldLetTheNewest");
        int meters = registry.getMeters().size();
        fresh.register(Fakes.contextWithMeterRegistry(registry), "shouldLetTheNewest");
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

    private static void call(Class<?> type, Object target, String name, Class<?>[] parameters, Object... args) throws Exception {
        java.lang.reflect.Method method = type.getMethod(name, parameters);
        method.setAccessible(true);
        method.invoke(target, args);
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
            // The class is the package's own: its members are reached by reflection across the loader.
            java.lang.reflect.Constructor<?> constructor = type.getDeclaredConstructor();
            constructor.setAccessible(true);
            Object metrics = constructor.newInstance();
            Class<?> contextType = loader.loadClass(ServletContext.class.getName());
            Object context = java.lang.reflect.Proxy.newProxyInstance(loader, new Class<?>[] {contextType},
                    (proxy, method, args) -> "getContextPath".equals(method.getName()) ? "/without-micrometer" : null);
            call(type, metrics, "register", new Class<?>[] {contextType, String.class}, context, "rate-limit");
            ObjectName name = new ObjectName("dev.tollgate:type=RateLimitFilter,context=/without-micrometer,name=rate-limit");
            try {
                call(type, metrics, "allowed", new Class<?>[0]);
                assertEquals(1L, server.getAttribute(name, "Allowed"));
            } finally {
                call(type, metrics, "unregister", new Class<?>[0]);
            }
            assertFalse(server.isRegistered(name));
            assertTrue(loader.loaded.contains("dev.tollgate.internal.MetricsMBean"), () -> "loaded: " + loader.loaded);
            assertFalse(loader.loaded.contains("dev.tollgate.internal.MicrometerMeters"), () -> "loaded: " + loader.loaded);
        }
    }
}
