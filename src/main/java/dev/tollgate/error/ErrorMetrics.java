package dev.tollgate.error;

import dev.tollgate.internal.FilterMetrics;
import dev.tollgate.internal.Meter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The counters of one {@code ErrorRenderingFilter}: the requests it saw, the error bodies it
 * rendered by status class ({@code 4xx}, {@code 5xx}) and by neutral code (the codes of
 * {@code ErrorCodes}; any other code an application gives its {@code ApiException} counts as
 * {@code other}, so the labels stay bounded), and the clients that went away mid-response.
 * Only what this filter renders counts: the 401/403 of the key filter and the 429/503 of the
 * rate-limit filter are counted there.
 */
final class ErrorMetrics extends FilterMetrics {

    /** The codes counted one by one, in the order of the counters; the last is {@code other}. */
    static final List<String> CODES = List.of(ErrorCodes.BAD_REQUEST, ErrorCodes.VALIDATION_FAILED,
            ErrorCodes.MALFORMED_JSON, ErrorCodes.AUTHENTICATION_REQUIRED, ErrorCodes.MISSING_API_KEY,
            ErrorCodes.INVALID_API_KEY, ErrorCodes.EXPIRED_API_KEY, ErrorCodes.ACCESS_DENIED, ErrorCodes.NOT_FOUND,
            ErrorCodes.METHOD_NOT_ALLOWED, ErrorCodes.NOT_ACCEPTABLE, ErrorCodes.CONFLICT, ErrorCodes.PAYLOAD_TOO_LARGE,
            ErrorCodes.UNSUPPORTED_MEDIA_TYPE, ErrorCodes.RATE_LIMITED, ErrorCodes.INTERNAL_ERROR,
            ErrorCodes.SERVICE_UNAVAILABLE, ErrorCodes.REQUEST_TIMEOUT, ErrorCodes.LIMITER_UNAVAILABLE, "other");
    private static final Map<String, Integer> INDEX = indexOf(CODES);

    private final LongAdder requests = new LongAdder();
    private final LongAdder clientAborts = new LongAdder();
    private final LongAdder rendered4xx = new LongAdder();
    private final LongAdder rendered5xx = new LongAdder();
    private final LongAdder[] byCode = new LongAdder[CODES.size()];
    private final List<Meter> meters;

    public ErrorMetrics() {
        super("ErrorRenderingFilter");
        List<Meter> all = new ArrayList<>();
        all.add(Meter.counter("tollgate.errors.requests", "RequestsSeen", "requests the filter saw", requests::sum));
        all.add(Meter.counter(null, "Rendered", "error bodies rendered", () -> rendered4xx.sum() + rendered5xx.sum()));
        all.add(Meter.counter("tollgate.errors.rendered", "Rendered4xx", "4xx error bodies rendered", rendered4xx::sum,
                "status_class", "4xx"));
        all.add(Meter.counter("tollgate.errors.rendered", "Rendered5xx", "5xx error bodies rendered", rendered5xx::sum,
                "status_class", "5xx"));
        for (int i = 0; i < CODES.size(); i++) {
            LongAdder adder = new LongAdder();
            byCode[i] = adder;
            String code = CODES.get(i);
            all.add(Meter.counter("tollgate.errors.codes", "Rendered" + Meter.camel(code),
                    "error bodies rendered with code " + code, adder::sum, "code", code));
        }
        all.add(Meter.counter("tollgate.errors.client.aborts", "ClientAborts",
                "responses not written because the client went away", clientAborts::sum));
        meters = List.copyOf(all);
    }

    private static Map<String, Integer> indexOf(List<String> codes) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < codes.size(); i++) {
            index.put(codes.get(i), i);
        }
        return Map.copyOf(index);
    }

    @Override
    protected List<Meter> meters() {
        return meters;
    }

    public void request() {
        requests.increment();
    }

    public void clientAbort() {
        clientAborts.increment();
    }

    /** An error body with HTTP status {@code status} and neutral code {@code code} was written. */
    public void rendered(int status, String code) {
        if (status >= 500) {
            rendered5xx.increment();
        } else {
            rendered4xx.increment();
        }
        Integer i = code == null ? null : INDEX.get(code);
        byCode[i == null ? CODES.size() - 1 : i].increment();
    }
}
