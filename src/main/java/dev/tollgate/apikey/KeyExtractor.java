package dev.tollgate.apikey;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;

/**
 * Finds the API key a request presents: in the key headers, in {@code Authorization: Bearer}
 * (with {@code bearer}) and in the query parameter (with {@code query-param}), and tells a CORS
 * preflight (with {@code skip-preflight}) from a request that must present a key. Immutable.
 */
final class KeyExtractor {

    /** What a request presents. */
    enum Kind {
        /** A CORS preflight that needs no key. */
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

    private final List<String> headers;
    private final boolean bearer;
    private final String queryParam;
    private final boolean skipPreflight;

    /** {@code queryParam} null: keys in the query string are not read. */
    KeyExtractor(List<String> headers, boolean bearer, String queryParam, boolean skipPreflight) {
        this.headers = List.copyOf(headers);
        this.bearer = bearer;
        this.queryParam = queryParam;
        this.skipPreflight = skipPreflight;
    }

    Presented extract(HttpServletRequest request) {
        if (skipPreflight && isPreflight(request)) {
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

    /** An {@code OPTIONS} request with {@code Origin} and {@code Access-Control-Request-Method}. */
    static boolean isPreflight(HttpServletRequest req) {
        return "OPTIONS".equals(req.getMethod()) && req.getHeader("Origin") != null
                && req.getHeader("Access-Control-Request-Method") != null;
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
