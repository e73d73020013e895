package dev.tollgate.apikey;

import dev.tollgate.error.ErrorCodes;
import dev.tollgate.internal.FilterMetrics;
import dev.tollgate.internal.Meter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/**
 * The counters of one {@code ApiKeyFilter}. Every request the filter sees has one outcome:
 * {@code accepted}, {@code rejected} (by code: {@code missing_api_key}, {@code invalid_api_key},
 * {@code expired_api_key}, {@code access_denied}), {@code skipped} (let through without a check:
 * {@code skip-paths}, a CORS preflight with {@code preflight=pass}, a later dispatch of a request
 * it accepted), {@code answered} (a CORS preflight the filter answered itself) or
 * {@code would_reject} (report-only, by code). Beside them: the keys loaded, and the time and
 * outcome of the last load of the keys file. No per-client label: client ids are unbounded.
 */
final class ApiKeyMetrics extends FilterMetrics {

    /** The rejection codes, in the order of the counters. */
    static final List<String> CODES = List.of(ErrorCodes.MISSING_API_KEY, ErrorCodes.INVALID_API_KEY,
            ErrorCodes.EXPIRED_API_KEY, ErrorCodes.ACCESS_DENIED);

    private final LongAdder accepted = new LongAdder();
    private final LongAdder skipped = new LongAdder();
    private final LongAdder answered = new LongAdder();
    private final LongAdder[] rejected = adders();
    private final LongAdder[] wouldReject = adders();
    private final LongAdder reloadsSucceeded = new LongAdder();
    private final LongAdder reloadsFailed = new LongAdder();
    private volatile IntSupplier keys = () -> 0;
    private volatile long lastReloadMillis;
    private volatile String lastReloadOutcome = "none";
    private final List<Meter> meters;

    public ApiKeyMetrics() {
        super("ApiKeyFilter");
        String requests = "tollgate.apikey.requests";
        String rejections = "tollgate.apikey.rejections";
        List<Meter> all = new ArrayList<>();
        all.add(Meter.counter(null, "RequestsSeen", "requests the filter saw", this::requestsSeen));
        all.add(Meter.counter(requests, "Accepted", "requests with an accepted key", accepted::sum, "outcome", "accepted"));
        all.add(Meter.counter(requests, "Skipped", "requests let through without a check (skip-paths, preflight=pass)",
                skipped::sum, "outcome", "skipped"));
        all.add(Meter.counter(requests, "Answered", "CORS preflights answered by the filter itself (preflight=answer)",
                answered::sum, "outcome", "answered"));
        all.add(Meter.counter(requests, "Rejected", "requests rejected", () -> sum(rejected), "outcome", "rejected"));
        all.add(Meter.counter(requests, "WouldReject", "requests let through that would have been rejected (report-only)",
                () -> sum(wouldReject), "outcome", "would_reject"));
        for (int i = 0; i < CODES.size(); i++) {
            String code = CODES.get(i);
            LongAdder enforced = rejected[i];
            LongAdder reported = wouldReject[i];
            all.add(Meter.counter(rejections, "Rejected" + Meter.camel(code), "requests rejected with " + code, enforced::sum,
                    "code", code, "enforced", "true"));
            all.add(Meter.counter(rejections, "WouldReject" + Meter.camel(code), "requests that would have been rejected with "
                    + code + " (report-only)", reported::sum, "code", code, "enforced", "false"));
        }
        all.add(Meter.gauge("tollgate.apikey.keys", "KeysLoaded", "keys in force", () -> keys.getAsInt()));
        all.add(Meter.gauge("tollgate.apikey.reload.time", "LastReloadEpochSeconds",
                "when the keys file was last read (Unix seconds; 0: no keys file)", () -> lastReloadMillis / 1000));
        all.add(Meter.text("LastReloadTime", "when the keys file was last read (ISO-8601; empty: no keys file)",
                () -> lastReloadMillis == 0 ? "" : Instant.ofEpochMilli(lastReloadMillis).toString()));
        all.add(Meter.text("LastReloadOutcome", "success, failure (the previous keys stay), or none (no keys file)",
                () -> lastReloadOutcome));
        all.add(Meter.counter("tollgate.apikey.reloads", "ReloadsSucceeded", "reads of the keys file that took effect",
                reloadsSucceeded::sum, "outcome", "success"));
        all.add(Meter.counter("tollgate.apikey.reloads", "ReloadsFailed", "reads of the keys file refused (previous keys kept)",
                reloadsFailed::sum, "outcome", "failure"));
        meters = List.copyOf(all);
    }

    private static LongAdder[] adders() {
        LongAdder[] adders = new LongAdder[CODES.size()];
        for (int i = 0; i < adders.length; i++) {
            adders[i] = new LongAdder();
        }
        return adders;
    }

    private static long sum(LongAdder[] adders) {
        long total = 0;
        for (LongAdder adder : adders) {
            total += adder.sum();
        }
        return total;
    }

    @Override
    protected List<Meter> meters() {
        return meters;
    }

    /** Where the number of keys in force comes from. */
    public void keys(IntSupplier count) {
        this.keys = count;
    }

    public void accepted() {
        accepted.increment();
    }

    public void skipped() {
        skipped.increment();
    }

    /** A CORS preflight the filter answered itself. */
    public void answered() {
        answered.increment();
    }

    /** A request rejected with {@code code}, one of the key filter's four codes. */
    public void rejected(String code) {
        rejected[index(code)].increment();
    }

    /** A request that would have been rejected with {@code code}, let through because the filter only reports. */
    public void wouldReject(String code) {
        wouldReject[index(code)].increment();
    }

    /** The keys file was read at {@code epochMillis}: its keys took effect, or were refused. */
    public void reloaded(boolean success, long epochMillis) {
        (success ? reloadsSucceeded : reloadsFailed).increment();
        lastReloadMillis = epochMillis;
        lastReloadOutcome = success ? "success" : "failure";
    }

    /** When the keys were last read (Unix millis), 0 if never. */
    long lastReloadMillis() {
        return lastReloadMillis;
    }

    /** success, failure, or none. */
    String lastReloadOutcome() {
        return lastReloadOutcome;
    }

    private static int index(String code) {
        return switch (code) {
            case ErrorCodes.MISSING_API_KEY -> 0;
            case ErrorCodes.INVALID_API_KEY -> 1;
            case ErrorCodes.EXPIRED_API_KEY -> 2;
            case ErrorCodes.ACCESS_DENIED -> 3;
            default -> throw new IllegalArgumentException("not a key filter code: " + code);
        };
    }

    long requestsSeen() {
        return accepted.sum() + skipped.sum() + answered.sum() + sum(rejected) + sum(wouldReject);
    }
}
