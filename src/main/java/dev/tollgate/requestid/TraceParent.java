package dev.tollgate.requestid;

/**
 * W3C trace context: the trace id of a {@code traceparent} header
 * ({@code version-traceid-parentid-flags}, lower-case hex), read strictly: version {@code ff} is
 * invalid, version {@code 00} is exactly 55 characters, a later version is its first 55 characters
 * followed by nothing or a {@code -}; trace id and parent id must not be all zeros.
 */
final class TraceParent {

    private static final int LENGTH = 55;

    private TraceParent() {
    }

    /** The trace id of {@code header}, or {@code null} when it is not a valid {@code traceparent}. */
    static String traceId(String header) {
        if (header == null || header.length() < LENGTH) {
            return null;
        }
        if (!hex(header, 0, 2) || header.startsWith("ff")) {
            return null;
        }
        boolean version00 = header.startsWith("00");
        if (version00 ? header.length() != LENGTH : header.length() > LENGTH && header.charAt(LENGTH) != '-') {
            return null;
        }
        if (header.charAt(2) != '-' || header.charAt(35) != '-' || header.charAt(52) != '-') {
            return null;
        }
        if (!hex(header, 3, 35) || !hex(header, 36, 52) || !hex(header, 53, 55)
                || zeros(header, 3, 35) || zeros(header, 36, 52)) {
            return null;
        }
        return header.substring(3, 35);
    }

    private static boolean hex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
                return false;
            }
        }
        return true;
    }

    private static boolean zeros(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }
}
