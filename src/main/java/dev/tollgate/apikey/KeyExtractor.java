package dev.tollgate.apikey;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;

/**
 * Finds the API key a request presents: in the key headers, in {@code Authorization: Bearer}
 * (with {@code bearer}) and in the query parameter (with {@code query-param}), and tells a CORS
 * preflight (unless {@code preflight=check}) from a request that must present a key. Immutable.
 */
final class KeyExtractor {

    /** What the filter does with a CORS preflight: the values of its init-param {@code preflight}. */
    enum Preflight {
        /** Answers it itself: 204, no body; nothing of the application runs. */
        ANSWER,
        /** Passes it on without a key, to an application that answers CORS itself. */
        PASS,
        /** Checks it like any request. */
        CHECK;

        static final String RULE = "must be one of [answer, check, pass]";

        /** {@code answer}, {@code pass} or {@code check}, in any case. */
        static Preflight parse(String value) {
            if (value != null) {
                switch (value.strip().toLowerCase(Locale.ROOT)) {
                    case "answer" -> {
                        return ANSWER;
                    }
                    case "pass" -> {
                        return PASS;
                    }
                    case "check" -> {
                        return CHECK;
                    }
                    default -> {
                        // Not a mode: refused below.
                    }
                }
            }
            throw new IllegalArgumentException(RULE);
        }

        /** The init-param value. */
        String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** What a request presents. */
    enum Kind {
        /** A CORS preflight that needs no key (with {@code preflight} {@code answer} or {@code pass}). */
        PREFLIGHT,
        /** No key, or only empty ones. */
        MISSING,
        /** More than one key. */
        SEVERAL,
        /** One key. */
        KEY
    }

    /** The verdict on a request: its kind, and the key when there is one. */
    record Presented(Kind kind, String key) {
        static final Presented PREFLIGHT = new Presented(Kind.PREFLIGHT, null);
        static final Presented MISSING = new Presented(Kind.MISSING, null);
        static final Presented SEVERAL = new Presented(Kind.SEVERAL, null);
    }

    /** The characters of an RFC 9110 token ({@code tchar}), by ASCII code. */
    private static final boolean[] TCHAR = new boolean[128];

    static {
        for (char c : "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private final List<String> headers;
    private final boolean bearer;
    private final String queryParam;
    private final Preflight preflight;

    /** {@code queryParam} null: keys in the query string are not read. */
    KeyExtractor(List<String> headers, boolean bearer, String queryParam, Preflight preflight) {
        this.headers = List.copyOf(headers);
        this.bearer = bearer;
        this.queryParam = queryParam;
        this.preflight = preflight;
    }

    /** Whether the filter answers a preflight itself ({@code preflight=answer}) rather than passing it on. */
    boolean answersPreflights() {
        return preflight == Preflight.ANSWER;
    }

    Presented extract(HttpServletRequest request) {
        if (preflight != Preflight.CHECK && isPreflight(request)) {
            return Presented.PREFLIGHT;
        }
        // An earlier key filter's hide-credentials hides the key from the application, not from this filter.
        HttpServletRequest req = AuthenticatedRequest.unwrap(request);
        String found = null;
        int count = 0;
        for (int i = 0; i < headers.size(); i++) {
            Enumeration<String> values = req.getHeaders(headers.get(i));
            while (values != null && values.hasMoreElements()) {
                String value = values.nextElement().strip();
                if (!value.isEmpty()) {
                    found = value;
                    count++;
                }
            }
        }
        if (bearer) {
            Enumeration<String> values = req.getHeaders("Authorization");
            while (values != null && values.hasMoreElements()) {
                String value = values.nextElement().strip();
                if (value.regionMatches(true, 0, "Bearer ", 0, 7) && !value.substring(7).isBlank()) {
                    found = value.substring(7).strip();
                    count++;
                }
            }
        }
        if (queryParam != null) {
            for (String value : queryValues(req.getQueryString(), queryParam)) {
                // As a header's: stripped, and a blank one is none ("?api_key=+" decodes to a space).
                String key = value.strip();
                if (!key.isEmpty()) {
                    found = key;
                    count++;
                }
            }
        }
        return count == 0 ? Presented.MISSING : count > 1 ? Presented.SEVERAL : new Presented(Kind.KEY, found);
    }

    /**
     * An {@code OPTIONS} request with {@code Origin} and an {@code Access-Control-Request-Method}
     * that is a method: any other value makes it an ordinary request, which needs a key.
     */
    static boolean isPreflight(HttpServletRequest req) {
        return "OPTIONS".equals(req.getMethod()) && req.getHeader("Origin") != null
                && isToken(req.getHeader("Access-Control-Request-Method"));
    }

    /** An RFC 9110 token, the form of an HTTP method: one or more {@code tchar}. */
    static boolean isToken(String value) {
        if (value == null || value.isEmpty()) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c >= TCHAR.length || !TCHAR[c]) {
                return false;
            }
        }
        return true;
    }

    /** Values of {@code name} in the query string only (never the body, which getParameter would read). */
    static List<String> queryValues(String query, String name) {
        if (query == null || query.isEmpty()) {
            return List.of();
        }
        List<String> values = new ArrayList<>(1);
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            if (decode(key).equals(name)) {
                values.add(eq < 0 ? "" : decode(pair.substring(eq + 1)));
            }
        }
        return values;
    }

    static String decode(String text) {
        try {
            return URLDecoder.decode(text, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }
}
