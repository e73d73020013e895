package dev.tollgate.internal;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Micrometer side of a filter's metrics. The only class that names Micrometer: it is loaded
 * only after {@link FilterMetrics} found micrometer-core on the class path, so applications
 * without it never load it. Function counters, gauges and a function timer read the same
 * counters as the MBean.
 */
final class MicrometerMeters implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MicrometerMeters.class);
    private static final double NANOS_PER_SECOND = 1e9;

    private final MeterRegistry registry;
    private final List<io.micrometer.core.instrument.Meter> registered;

    private MicrometerMeters(MeterRegistry registry, List<io.micrometer.core.instrument.Meter> registered) {
        this.registry = registry;
        this.registered = registered;
    }

    /**
     * Registers {@code meters} tagged {@code filter} and {@code context} on {@code attribute} when it
     * is a {@link MeterRegistry}, else on {@link Metrics#globalRegistry}. A meter of the same name
     * and tags already there (the same filter of the same context, deployed again before the old one
     * stopped) is replaced: the newest instance counts.
     */
    static MicrometerMeters register(Object attribute, List<Meter> meters, String filter, String context) {
        MeterRegistry registry;
        if (attribute instanceof MeterRegistry given) {
            registry = given;
        } else {
            if (attribute != null) {
                LOG.warn("Context attribute {} is a {}, not a MeterRegistry; using Metrics.globalRegistry",
                        FilterMetrics.REGISTRY_ATTRIBUTE, attribute.getClass().getName());
            }
            registry = Metrics.globalRegistry;
        }
        Tags common = Tags.of("filter", filter, "context", context);
        List<io.micrometer.core.instrument.Meter> registered = new ArrayList<>();
        for (Meter meter : meters) {
            if (meter.name() == null || meter.type() == Meter.Type.TEXT) {
                continue;
            }
            Tags tags = common.and(meter.tags().toArray(String[]::new));
            for (io.micrometer.core.instrument.Meter old : registry.find(meter.name()).tags(tags).meters()) {
                if (Tags.of(old.getId().getTags()).equals(tags)) {
                    registry.remove(old);
                }
            }
            registered.add(switch (meter.type()) {
                case COUNTER -> FunctionCounter.builder(meter.name(), meter, m -> m.value().getAsLong())
                        .tags(tags).description(meter.description()).register(registry);
                case GAUGE -> Gauge.builder(meter.name(), meter, m -> m.value().getAsLong())
                        .tags(tags).description(meter.description()).strongReference(true).register(registry);
                case GAUGE_NANOS -> Gauge.builder(meter.name(), meter, m -> m.value().getAsLong() / NANOS_PER_SECOND)
                        .tags(tags).description(meter.description()).baseUnit("seconds").strongReference(true)
                        .register(registry);
                case TIMER -> FunctionTimer.builder(meter.name(), meter, m -> m.count().getAsLong(),
                        m -> m.value().getAsLong(), TimeUnit.NANOSECONDS)
                        .tags(tags).description(meter.description()).register(registry);
                default -> throw new IllegalStateException("unexpected meter type " + meter.type());
            });
        }
        return new MicrometerMeters(registry, registered);
    }

    /** Removes this instance's meters; one that a newer instance replaced stays. */
    @Override
    public void close() {
        for (io.micrometer.core.instrument.Meter meter : registered) {
            boolean stillOurs = registry.find(meter.getId().getName()).tags(meter.getId().getTags()).meters().stream()
                    .anyMatch(m -> m == meter);
            if (stillOurs) {
                registry.remove(meter);
            }
        }
        registered.clear();
    }
}
