package dev.tollgate.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.AttributeNotFoundException;
import javax.management.DynamicMBean;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.MBeanNotificationInfo;
import javax.management.MBeanOperationInfo;
import javax.management.ReflectionException;

/**
 * The read-only MBean of one filter instance: an attribute per {@link Meter} (a timer gives two,
 * {@code <name>Count} and {@code <name>TotalNanos}), each read from the same counter as the
 * Micrometer meter. Numbers are {@code long}, texts {@code String}; standard types only, so
 * JConsole, VisualVM and the Prometheus JMX exporter read it without Tollgate's classes.
 */
final class MetricsMBean implements DynamicMBean {

    private final MBeanInfo info;
    private final Map<String, Supplier<Object>> attributes = new LinkedHashMap<>();

    MetricsMBean(String type, List<Meter> meters) {
        List<MBeanAttributeInfo> infos = new ArrayList<>();
        for (Meter meter : meters) {
            if (meter.attribute() == null) {
                continue;
            }
            switch (meter.type()) {
                case TEXT -> add(infos, meter.attribute(), String.class, meter.description(), () -> meter.text().get());
                case TIMER -> {
                    add(infos, meter.attribute() + "Count", Long.class, meter.description() + ": calls",
                            () -> meter.count().getAsLong());
                    add(infos, meter.attribute() + "TotalNanos", Long.class, meter.description() + ": total nanoseconds",
                            () -> meter.value().getAsLong());
                }
                default -> add(infos, meter.attribute(), Long.class, meter.description(), () -> meter.value().getAsLong());
            }
        }
        this.info = new MBeanInfo(MetricsMBean.class.getName(), "Tollgate " + type + " metrics",
                infos.toArray(MBeanAttributeInfo[]::new), null, new MBeanOperationInfo[0], new MBeanNotificationInfo[0]);
    }

    private void add(List<MBeanAttributeInfo> infos, String name, Class<?> type, String description, Supplier<Object> value) {
        infos.add(new MBeanAttributeInfo(name, type.getName(), description, true, false, false));
        attributes.put(name, value);
    }

    @Override
    public Object getAttribute(String attribute) throws AttributeNotFoundException {
        Supplier<Object> value = attributes.get(attribute);
        if (value == null) {
            throw new AttributeNotFoundException(attribute);
        }
        return value.get();
    }

    @Override
    public AttributeList getAttributes(String[] names) {
        AttributeList list = new AttributeList();
        for (String name : names) {
            Supplier<Object> value = attributes.get(name);
            if (value != null) {
                list.add(new Attribute(name, value.get()));
            }
        }
        return list;
    }

    @Override
    public void setAttribute(Attribute attribute) throws AttributeNotFoundException {
        throw new AttributeNotFoundException(attribute.getName() + " is read-only");
    }

    @Override
    public AttributeList setAttributes(AttributeList list) {
        return new AttributeList();
    }

    @Override
    public Object invoke(String action, Object[] params, String[] signature) throws ReflectionException {
        throw new ReflectionException(new NoSuchMethodException(action), "no operations");
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        return info;
    }
}
