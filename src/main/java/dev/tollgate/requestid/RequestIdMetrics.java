package dev.tollgate.requestid;

import dev.tollgate.internal.FilterMetrics;
import dev.tollgate.internal.Meter;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one {@code RequestIdFilter}. Every request the filter sees has one outcome:
 * {@code accepted} (the client's safe {@code X-Request-ID} taken), {@code generated} (none, unsafe,
 * or {@code accept-incoming=false}: a new one made), {@code reused} (a later dispatch of a request
 * that has its id already) or {@code skipped} (not HTTP).
 */
final class RequestIdMetrics extends FilterMetrics {

    private final LongAdder accepted = new LongAdder();
    private final LongAdder generated = new LongAdder();
    private final LongAdder reused = new LongAdder();
    private final LongAdder skipped = new LongAdder();
    private final List<Meter> meters;

    public RequestIdMetrics() {
        super("RequestIdFilter");
        String requests = "tollgate.requestid.requests";
        meters = List.of(
                Meter.counter(null, "RequestsSeen", "requests the filter saw",
                        () -> accepted.sum() + generated.sum() + reused.sum() + skipped.sum()),
                Meter.counter(requests, "Accepted", "requests whose own X-Request-ID was taken", accepted::sum,
                        "outcome", "accepted"),
                Meter.counter(requests, "Generated", "requests given a new id (none, unsafe, or not accepted)",
                        generated::sum, "outcome", "generated"),
                Meter.counter(requests, "Reused", "later dispatches of a request that has its id", reused::sum,
                        "outcome", "reused"),
                Meter.counter(requests, "Skipped", "requests that are not HTTP", skipped::sum, "outcome", "skipped"));
    }

    @Override
    protected List<Meter> meters() {
        return meters;
    }

    public void accepted() {
        accepted.increment();
    }

    public void generated() {
        generated.increment();
    }

    public void reused() {
        reused.increment();
    }

    public void skipped() {
        skipped.increment();
    }
}
