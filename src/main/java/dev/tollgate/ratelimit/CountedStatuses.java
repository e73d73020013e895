package dev.tollgate.ratelimit;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The response statuses that a failure-counting limiter counts ({@code count-statuses}): codes
 * from 100 to 599 and classes {@code 1xx} to {@code 5xx}, separated by commas or whitespace, such
 * as {@code 401, 403} or {@code 4xx}. Parsed once; {@link #counts(int)} is a table lookup.
 * Immutable.
 */
final class CountedStatuses {

    private static final Pattern CODE = Pattern.compile("[1-5][0-9][0-9]");
    private static final Pattern CLASS = Pattern.compile("[1-5][xX][xX]");
    private static final String RULE = "must be an HTTP status code from 100 to 599 or a class from 1xx to 5xx";

    /** By status code; never written after construction. */
    private final boolean[] counted;

    private CountedStatuses(boolean[] counted) {
        this.counted = counted;
    }

    /** Parses {@code 401, 403} or {@code 4xx}; a bad or repeated entry is named with its rule. */
    static CountedStatuses parse(String text) {
        boolean[] counted = new boolean[600];
        Set<String> seen = new HashSet<>();
        for (String entry : text.split("[,\\s]+")) {
            if (entry.isEmpty()) {
                continue;
            }
            if (CODE.matcher(entry).matches()) {
                counted[Integer.parseInt(entry)] = true;
            } else if (CLASS.matcher(entry).matches()) {
                int first = (entry.charAt(0) - '0') * 100;
                for (int status = first; status < first + 100; status++) {
                    counted[status] = true;
                }
            } else {
                throw new IllegalArgumentException("status [" + entry + "] " + RULE);
            }
            if (!seen.add(entry.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("status [" + entry + "] is listed twice");
            }
        }
        if (seen.isEmpty()) {
            throw new IllegalArgumentException("at least one status code or class is needed, like 401 or 4xx");
        }
        return new CountedStatuses(counted);
    }

    /** Whether a response with {@code status} counts. */
    boolean counts(int status) {
        return status >= 0 && status < counted.length && counted[status];
    }
}
