package dev.tollgate.internal;

import java.time.Instant;
import java.util.Map;

/**
 * What one filter instance shows on the status page: its counters (the page works out the last
 * minute from them), what else it knows (its store, its keys, its most-rejected clients) and, for
 * a rate-limit filter, one client's buckets. Every method is called by the status page's threads,
 * never on the request path, and may cost what it likes within reason.
 *
 * <p>Values are what JSON holds: maps with string keys, lists, strings, numbers, booleans,
 * {@code null}. Nothing in them may be a secret: no key, no hash, no password.
 *
 * <p>Not API: public because the filters' packages share it; it may change in any release.
 */
public interface StatusSource {

    /** The filter's class, {@code RateLimitFilter}, say. */
    String type();

    /** The filter's name in {@code web.xml} (or the name it was added under). */
    String name();

    /** When the filter started. */
    Instant startedAt();

    /** The counters since start, by snake_case name, in a stable order; each only grows. */
    Map<String, Long> counters();

    /** The rest of what the page shows of the filter; empty if nothing. */
    Map<String, Object> details();

    /**
     * What the filter knows of one client ({@code client} as the page shows it, or a bare client
     * id), or {@code null} when the filter keeps nothing per client.
     */
    default Map<String, Object> lookup(String client) {
        return null;
    }
}
