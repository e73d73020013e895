package dev.tollgate.ratelimit;

import dev.tollgate.internal.FilterMetrics;
import dev.tollgate.internal.Meter;
import java.util.List;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * The counters of one {@code RateLimitFilter}. Every request the filter sees has one outcome:
 * {@code allowed}, {@code rejected} (429 {@code rate_limited}), {@code unavailable} (503
 * {@code limiter_unavailable}, the store away and {@code on-store-failure=reject}), {@code skipped}
 * ({@code skip-paths}, {@code skip-methods}) or {@code would_reject} (report-only). Beside them:
 * the outage decisions per {@code on-store-failure} mode, the time of each call to a shared store,
 * the circuit state, the tracked clients and the requests of new clients counted in the shared
 * overflow bucket of a local store full of buckets in use.
 */
final class RateLimitMetrics extends FilterMetrics {

    private final LongAdder allowed = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder unavailable = new LongAdder();
    private final LongAdder skipped = new LongAdder();
    private final LongAdder wouldReject = new LongAdder();
    private final LongAdder outageAllow = new LongAdder();
    private final LongAdder outageReject = new LongAdder();
    private final LongAdder outageLocal = new LongAdder();
    private final LongAdder storeCalls = new LongAdder();
    private final LongAdder storeNanos = new LongAdder();
    private final LongAccumulator storeMaxNanos = new LongAccumulator(Math::max, 0);
    private volatile LongSupplier trackedClients = () -> 0;
    private volatile LongSupplier overflowRequests = () -> 0;
    private volatile BooleanSupplier circuitOpen;
    private final List<Meter> meters;

    public RateLimitMetrics() {
        super("RateLimitFilter");
        String requests = "tollgate.ratelimit.requests";
        String outage = "tollgate.ratelimit.outage.decisions";
        meters = List.of(
                Meter.counter(null, "RequestsSeen", "requests the filter saw", this::requestsSeen),
                Meter.counter(requests, "Allowed", "requests allowed", allowed::sum, "outcome", "allowed"),
                Meter.counter(requests, "Rejected", "requests rejected with 429 rate_limited", rejected::sum, "outcome", "rejected"),
                Meter.counter(requests, "Unavailable", "requests answered 503 limiter_unavailable", unavailable::sum,
                        "outcome", "unavailable"),
                Meter.counter(requests, "Skipped", "requests not limited (skip-paths, skip-methods)", skipped::sum,
                        "outcome", "skipped"),
                Meter.counter(requests, "WouldReject", "requests let through that would have been rejected (report-only)",
                        wouldReject::sum, "outcome", "would_reject"),
                Meter.counter(outage, "OutageAllow", "requests let through uncounted while the store was away",
                        outageAllow::sum, "mode", "allow"),
                Meter.counter(outage, "OutageReject", "requests answered 503 while the store was away",
                        outageReject::sum, "mode", "reject"),
                Meter.counter(outage, "OutageLocal", "requests counted in this JVM while the store was away",
                        outageLocal::sum, "mode", "local"),
                Meter.timer("tollgate.ratelimit.store.latency", "StoreLatency", "calls to the shared store",
                        storeCalls::sum, storeNanos::sum),
                Meter.gaugeNanos("tollgate.ratelimit.store.latency.max", "StoreLatencyMaxNanos",
                        "longest call to the shared store", storeMaxNanos::get),
                Meter.gauge("tollgate.ratelimit.circuit.open", "CircuitOpen", "1 while the shared store's circuit is open",
                        () -> isCircuitOpen() ? 1 : 0),
                Meter.text("CircuitState", "closed, open, or none (local store)", this::circuitState),
                Meter.gauge("tollgate.ratelimit.clients", "TrackedClients",
                        "clients whose buckets this JVM holds (local store, or the local fallback of a shared one)",
                        () -> trackedClients.getAsLong()),
                Meter.counter("tollgate.ratelimit.overflow.requests", "OverflowRequests",
                        "requests of new clients counted in a shared overflow bucket, the local store being full of buckets in use",
                        () -> overflowRequests.getAsLong()));
    }

    @Override
    protected List<Meter> meters() {
        return meters;
    }

    /**
     * Where the tracked clients, the overflow requests and the circuit state come from;
     * {@code circuitOpen} {@code null} for a local store.
     */
    public void store(LongSupplier trackedClients, LongSupplier overflowRequests, BooleanSupplier circuitOpen) {
        this.trackedClients = trackedClients;
        this.overflowRequests = overflowRequests;
        this.circuitOpen = circuitOpen;
    }

    public void allowed() {
        allowed.increment();
    }

    public void rejected() {
        rejected.increment();
    }

    public void unavailable() {
        unavailable.increment();
    }

    public void skipped() {
        skipped.increment();
    }

    /** A request that the limit would have rejected, let through because the filter only reports. */
    public void wouldReject() {
        wouldReject.increment();
    }

    public void outageAllow() {
        outageAllow.increment();
    }

    public void outageReject() {
        outageReject.increment();
    }

    public void outageLocal() {
        outageLocal.increment();
    }

    /** One call to the shared store took {@code nanos}. */
    public void storeCall(long nanos) {
        storeCalls.increment();
        storeNanos.add(nanos);
        storeMaxNanos.accumulate(nanos);
    }

    long requestsSeen() {
        return allowed.sum() + rejected.sum() + unavailable.sum() + skipped.sum() + wouldReject.sum();
    }

    private boolean isCircuitOpen() {
        BooleanSupplier open = circuitOpen;
        return open != null && open.getAsBoolean();
    }

    private String circuitState() {
        BooleanSupplier open = circuitOpen;
        return open == null ? "none" : open.getAsBoolean() ? "open" : "closed";
    }
}
