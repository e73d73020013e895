package dev.tollgate.internal;

import jakarta.servlet.ServletContext;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The counters of one filter instance, made at its {@code init()} and exported as one MBean in the
 * platform MBean server ({@code dev.tollgate:type=<filter class>,context=<context path>,name=<filter name>})
 * and, when micrometer-core is on the class path, as meters on the application's registry (the
 * context attribute {@value #REGISTRY_ATTRIBUTE}, else {@code Metrics.globalRegistry}) tagged
 * {@code filter} and {@code context}. {@link #unregister()} at {@code destroy()} removes both, so a
 * redeployed application leaves nothing behind. Counting is a {@code LongAdder} increment: no
 * lookup, no allocation.
 *
 * <p>Not API: public because the filters' packages share it; it may change in any release.
 */
public abstract class FilterMetrics {

    /** The JMX domain of every Tollgate MBean. */
    public static final String DOMAIN = "dev.tollgate";
    /** The servlet context attribute that may hold the application's {@code io.micrometer.core.instrument.MeterRegistry}. */
    public static final String REGISTRY_ATTRIBUTE = "dev.tollgate.metrics.MeterRegistry";

    private static final Logger LOG = LoggerFactory.getLogger(FilterMetrics.class);
    private static final String MICROMETER = "io.micrometer.core.instrument.MeterRegistry";
    /** Most instance numbers tried when a name is taken (the same context redeployed before the old one stopped). */
    private static final int MAX_INSTANCES = 1000;

    private final String type;
    private ObjectName registered;
    private AutoCloseable micrometer;
    private volatile Supplier<Map<String, Object>> details = Map::of;
    private volatile Function<String, Map<String, Object>> lookup = client -> null;
    private StatusRegistry statusRegistry;
    private StatusSource statusSource;

    protected FilterMetrics(String type) {
        this.type = type;
    }

    /** What this filter exports, described once. */
    protected abstract List<Meter> meters();

    /**
     * What the status page shows of the filter beside its counters, and its answer to a lookup of
     * one client ({@code null}: none); set before {@link #register}.
     */
    public final void status(Supplier<Map<String, Object>> details, Function<String, Map<String, Object>> lookup) {
        this.details = Objects.requireNonNull(details, "details");
        this.lookup = Objects.requireNonNull(lookup, "lookup");
    }

    /**
     * Exports the metrics of the filter {@code filterName} of {@code context}. A failure (a security
     * manager, a broken registry) is logged once at WARN and does not stop the filter.
     */
    public final synchronized void register(ServletContext context, String filterName) {
        String contextPath = contextLabel(context.getContextPath());
        String filter = filterName == null ? "" : filterName;
        List<Meter> meters = meters();
        try {
            registered = registerMBean(ManagementFactory.getPlatformMBeanServer(), new MetricsMBean(type, meters),
                    type, contextPath, filter);
        } catch (JMException | RuntimeException e) {
            LOG.warn("{} [{}]: metrics not registered in JMX ({})", type, filter, e.toString());
        }
        if (micrometerPresent()) {
            try {
                micrometer = MicrometerMeters.register(context.getAttribute(REGISTRY_ATTRIBUTE), meters, filter, contextPath);
            } catch (RuntimeException | LinkageError e) {
                LOG.warn("{} [{}]: metrics not registered in Micrometer ({})", type, filter, e.toString());
            }
        }
        statusSource = new Source(filter, Instant.now(), meters);
        statusRegistry = StatusRegistry.of(context);
        statusRegistry.add(statusSource);
    }

    /** Removes the MBean, the meters and the status page's view; safe to call twice. */
    public final synchronized void unregister() {
        if (statusRegistry != null) {
            statusRegistry.remove(statusSource);
            statusRegistry = null;
        }
        if (registered != null) {
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(registered);
            } catch (JMException | RuntimeException e) {
                LOG.warn("{}: MBean {} not unregistered ({})", type, registered, e.toString());
            }
            registered = null;
        }
        if (micrometer != null) {
            try {
                micrometer.close();
            } catch (Exception e) {
                LOG.warn("{}: Micrometer meters not removed ({})", type, e.toString());
            }
            micrometer = null;
        }
    }

    /** The name the MBean got, or {@code null} when it is not registered. */
    public final synchronized ObjectName objectName() {
        return registered;
    }

    /** An attribute name as a status counter's name: {@code WouldRejectMissingApiKey} as {@code would_reject_missing_api_key}. */
    static String snake(String attribute) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < attribute.length(); i++) {
            char c = attribute.charAt(i);
            if (Character.isUpperCase(c)) {
                if (i > 0) {
                    out.append('_');
                }
                out.append(Character.toLowerCase(c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** The status page's view of this filter: its counters read from the same counters as JMX, and what the filter adds. */
    private final class Source implements StatusSource {
        private final String name;
        private final Instant startedAt;
        private final List<Meter> counters;
        private final List<String> names;

        Source(String name, Instant startedAt, List<Meter> meters) {
            this.name = name;
            this.startedAt = startedAt;
            this.counters = meters.stream().filter(m -> m.type() == Meter.Type.COUNTER && m.attribute() != null).toList();
            this.names = counters.stream().map(m -> snake(m.attribute())).toList();
        }

        @Override
        public String type() {
            return type;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Instant startedAt() {
            return startedAt;
        }

        @Override
        public Map<String, Long> counters() {
            Map<String, Long> values = new LinkedHashMap<>();
            for (int i = 0; i < counters.size(); i++) {
                values.put(names.get(i), counters.get(i).value().getAsLong());
            }
            return values;
        }

        @Override
        public Map<String, Object> details() {
            return details.get();
        }

        @Override
        public Map<String, Object> lookup(String client) {
            return lookup.apply(client);
        }
    }

    /** The context label: the context path, {@code /} for the root context. */
    static String contextLabel(String contextPath) {
        return contextPath == null || contextPath.isEmpty() ? "/" : contextPath;
    }

    /**
     * Registers {@code mbean} as {@code dev.tollgate:type=..,context=..,name=..}; when that is taken
     * (the same context and filter name deployed again before the old one was destroyed), with
     * {@code ,instance=2}, 3, ...
     */
    static ObjectName registerMBean(MBeanServer server, Object mbean, String type, String context, String filter)
            throws JMException {
        String base = DOMAIN + ":type=" + value(type) + ",context=" + value(context) + ",name=" + value(filter);
        for (int instance = 1; instance <= MAX_INSTANCES; instance++) {
            ObjectName name = new ObjectName(instance == 1 ? base : base + ",instance=" + instance);
            try {
                return server.registerMBean(mbean, name).getObjectName();
            } catch (InstanceAlreadyExistsException e) {
                LOG.debug("MBean name {} taken; trying the next instance number", name);
            }
        }
        throw new InstanceAlreadyExistsException(base + " and " + MAX_INSTANCES + " instance numbers");
    }

    /** {@code text} as an ObjectName value: quoted when it holds a character that a plain value may not. */
    static String value(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ',' || c == '=' || c == ':' || c == '"' || c == '*' || c == '?' || c == '\n' || c == '\\') {
                return ObjectName.quote(text);
            }
        }
        return text.isEmpty() ? ObjectName.quote(text) : text;
    }

    private static boolean micrometerPresent() {
        try {
            Class.forName(MICROMETER, false, FilterMetrics.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            LOG.debug("No Micrometer on the class path ({}); metrics through JMX only", e.toString());
            return false;
        }
    }
}
