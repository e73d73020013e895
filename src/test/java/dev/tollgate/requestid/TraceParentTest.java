package dev.tollgate.requestid;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class TraceParentTest {

    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

    @Test
    void shouldTakeTheTraceIdOfAValidTraceparent() {
        assertEquals(TRACE, TraceParent.traceId("00-" + TRACE + "-00f067aa0ba902b7-01"));
        assertEquals(TRACE, TraceParent.traceId("00-" + TRACE + "-00f067aa0ba902b7-00"));
        // A later version may add fields after a '-'; its first 55 characters are read as version 00.
        assertEquals(TRACE, TraceParent.traceId("01-" + TRACE + "-00f067aa0ba902b7-01"));
        assertEquals(TRACE, TraceParent.traceId("cc-" + TRACE + "-00f067aa0ba902b7-01-what-the-future-adds"));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "00",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",            // version ff is invalid
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",      // version 00 is exactly 55
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0",
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",           // later version: '-' after 55
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",            // upper case
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",            // all-zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",            // all-zero parent id
        "00-4bf92f3577b34da6a3ce929d0e0e473-600f067aa0ba902b7-01",            // separators misplaced
        "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
        "0g-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba9g2b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e47\u00e9-00f067aa0ba902b7-01",
        " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\nX: y",
    })
    void shouldRejectAnInvalidTraceparent(String header) {
        assertNull(TraceParent.traceId(header), header);
    }

    @Test
    void shouldRejectNoHeader() {
        assertNull(TraceParent.traceId(null));
    }
}
