package dev.tollgate.requestid;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tollgate.testing.FuzzInput;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code traceparent} as a client may send it: the trace id of a valid header (W3C trace context,
 * read strictly), else nothing; never an exception. Inputs: {@code TraceParentFuzzTestInputs/}.
 */
class TraceParentFuzzTest {

    /** The W3C rule once more, as a regex: version, trace id, parent id, flags, and what a later version adds. */
    private static final Pattern TRACEPARENT =
            Pattern.compile("([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}(-.*)?", Pattern.DOTALL);
    private static final HexFormat HEX = HexFormat.of();

    @FuzzTest
    void shouldTakeTheTraceIdOfAValidHeaderOnly(byte[] input) {
        String header = FuzzInput.latin1(input);
        assertEquals(expected(header), TraceParent.traceId(header), () -> "[" + header + "]");
    }

    /** Any trace id, parent id, version and flags written as a valid header: its trace id comes back. */
    @FuzzTest
    void shouldReadBackEveryValidTraceId(byte[] input) {
        byte[] fields = Arrays.copyOf(input, 26);
        String trace = HEX.formatHex(fields, 0, 16);
        String parent = HEX.formatHex(fields, 16, 24);
        int version = fields[24] & 0xFF;
        String header = HEX.toHexDigits((byte) (version == 0xFF ? 0 : version)) + "-" + trace + "-" + parent + "-"
                + HEX.toHexDigits(fields[25]) + (version == 0 || version == 0xFF || input.length <= 26 ? ""
                : "-" + FuzzInput.latin1(Arrays.copyOfRange(input, 26, input.length)));
        boolean zeros = trace.equals("0".repeat(32)) || parent.equals("0".repeat(16));
        assertEquals(zeros ? null : trace, TraceParent.traceId(header), () -> "[" + header + "]");
    }

    private static String expected(String header) {
        Matcher m = TRACEPARENT.matcher(header);
        if (!m.matches() || m.group(1).equals("ff") || (m.group(1).equals("00") && m.group(4) != null)
                || m.group(2).equals("0".repeat(32)) || m.group(3).equals("0".repeat(16))) {
            return null;
        }
        return m.group(2);
    }
}
