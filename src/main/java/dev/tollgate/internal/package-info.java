/**
 * Internal: what the filters' packages share. Init-param parsing, path patterns, the
 * {@code X-Forwarded-For} walk, the cross-filter plan check, the report-only log gate and the
 * most-rejected clients of a rate limit ({@link dev.tollgate.internal.TopRejections}); what each
 * filter shows the status page ({@link dev.tollgate.internal.StatusRegistry}); and the
 * export of each filter's counters to JMX and Micrometer ({@link dev.tollgate.internal.FilterMetrics},
 * {@link dev.tollgate.internal.Meter}). Public only because Java has no narrower visibility across
 * packages; not API, and may change in any release. It depends on no other package of the jar.
 */
package dev.tollgate.internal;
