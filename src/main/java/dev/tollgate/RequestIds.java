package dev.tollgate;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Request ids: where they live on a request, which incoming ones are safe, and how new ones are
 * made. New ids are random (version 4) UUIDs drawn from {@link ThreadLocalRandom}: a request id is
 * not a secret, and {@code UUID.randomUUID()} would serialise threads on one {@code SecureRandom}.
 */
public final class RequestIds {

    /** The request and response header. */
    public static final String HEADER = "X-Request-ID";
    /** The request attribute that holds the id of the current request. */
    public static final String ATTRIBUTE = "dev.tollgate.request_id";
    /** The slf4j MDC key. */
    public static final String MDC_KEY = "request_id";
    /** The default longest incoming id accepted. */
    public static final int DEFAULT_MAX_LENGTH = 128;

    private static final boolean[] SAFE = new boolean[128];

    static {
        for (char c = 'a'; c <= 'z'; c++) {
            SAFE[c] = true;
        }
        for (char c = 'A'; c <= 'Z'; c++) {
            SAFE[c] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            SAFE[c] = true;
        }
        SAFE['.'] = true;
        SAFE['_'] = true;
        SAFE[':'] = true;
        SAFE['-'] = true;
    }

    private RequestIds() {
    }

    /** Whether {@code id} is 1 to {@code maxLength} characters of {@code [A-Za-z0-9._:-]}. */
    public static boolean isSafe(String id, int maxLength) {
        if (id == null || id.isEmpty() || id.length() > maxLength) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c >= 128 || !SAFE[c]) {
                return false;
            }
        }
        return true;
    }

    /** A new random id in UUID form, e.g. {@code 550e8400-e29b-41d4-a716-446655440000}. */
    public static String generate() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long msb = (random.nextLong() & ~0xF000L) | 0x4000L;               // version 4
        long lsb = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L; // IETF variant
        // UUID.toString writes the text straight into the string's own bytes: no char[] or byte[] to copy.
        return new UUID(msb, lsb).toString();
    }

    /** The id of the current request, or {@code null} when no filter has set one yet. */
    public static String get(ServletRequest request) {
        Object id = request.getAttribute(ATTRIBUTE);
        return id instanceof String s ? s : null;
    }

    /**
     * The id of the current request; when there is none yet (the request id filter is not
     * installed, or did not run for this dispatch), makes one and puts it on the request and the
     * response header, so an error body and the header always agree.
     */
    public static String ensure(ServletRequest request, HttpServletResponse response) {
        String id = get(request);
        if (id == null) {
            id = generate();
            request.setAttribute(ATTRIBUTE, id);
        }
        if (!response.containsHeader(HEADER)) {
            response.setHeader(HEADER, id);
        }
        return id;
    }
}
