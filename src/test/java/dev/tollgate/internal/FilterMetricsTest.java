package dev.tollgate.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The MBean names of a filter's metrics; registration is tested with each filter's own counters. */
class FilterMetricsTest {

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
}
