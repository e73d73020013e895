package dev.tollgate.ratelimit;

import dev.tollgate.internal.TopRejections;
import dev.tollgate.ratelimit.spi.BucketStore;
import dev.tollgate.ratelimit.spi.StoreHealth;
import dev.tollgate.ratelimit.spi.StoreUnavailableException;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.EstimationProbe;
import io.github.bucket4j.VerboseResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What the status page shows of one rate-limit filter: its mode, its store's health, its plans, the
 * clients it rejected most over the last minute and hour, and on a lookup one client's buckets.
 * The request path touches it only on a rejection ({@link #rejected}); the rest runs on the page's
 * threads.
 */
final class RateLimitStatus {

    /** How many clients each most-rejected list shows. */
    static final int TOP = 20;

    private final RateLimiter limiter;
    private final Plans plans;
    private final boolean enforce;
    private final String onStoreFailure;
    private final int maxClients;
    private final TopRejections top = new TopRejections();

    RateLimitStatus(RateLimiter limiter, Plans plans, boolean enforce, String onStoreFailure, int maxClients) {
        this.limiter = limiter;
        this.plans = plans;
        this.enforce = enforce;
        this.onStoreFailure = onStoreFailure;
        this.maxClients = maxClients;
    }

    /**
     * A request of {@code key} that {@code decision} (a counted one) rejects, or would reject in
     * report-only mode. The limit is the one the decision named; a plan of one limit names it
     * without a look; a local bucket of several is looked at (in this JVM, under its lock); a
     * shared one is not asked again (a round trip per rejection), so its plan is named.
     */
    void rejected(String key, RateLimitDecision decision) {
        Plan plan = decision.plan();
        String limit = decision.policyItem();
        if (limit == null) {
            if (plan.limits().limits().size() == 1) {
                limit = plan.firstPolicyItem();
            } else if (!limiter.store().isShared()) {
                limit = limiter.store().peek(key, plan.bucketPlan())
                        .map(result -> plan.policyItem(RateLimiter.decidingLimit(result.getState(),
                                result.getConfiguration().getBandwidths())))
                        .orElse(plan.name());
            } else {
                limit = plan.name();
            }
        }
        top.record(key, limit, decision.resetEpochSeconds() * 1000);
    }

    Map<String, Object> details() {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("mode", enforce ? "enforce" : "report-only");
        details.put("store", store(limiter.store()));
        details.put("tracked_clients", limiter.trackedClients());
        details.put("max_clients", maxClients);
        List<Map<String, Object>> planList = new ArrayList<>();
        for (Plan plan : allPlans()) {
            planList.add(Map.of("name", plan.name(), "limits", plan.limits().toString()));
        }
        details.put("plans", planList);
        Map<String, Object> lists = new LinkedHashMap<>();
        lists.put("last_minute", clients(top.top(TopRejections.Window.MINUTE, TOP)));
        lists.put("last_hour", clients(top.top(TopRejections.Window.HOUR, TOP)));
        details.put("top_clients", lists);
        return details;
    }

    private Map<String, Object> store(BucketStore store) {
        StoreHealth health = store.health();
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("store", health.store());
        view.put("shared", health.shared());
        view.put("sync", health.sync());
        view.put("circuit", health.shared() ? (health.circuitOpen() ? "open" : "closed") : "none");
        view.put("on_store_failure", health.shared() ? onStoreFailure : null);
        view.put("probe_interval_ms", health.shared() ? store.probeInterval().toMillis() : null);
        view.put("last_failure_at", text(health.lastFailureAt()));
        view.put("last_failure", health.lastFailure());
        view.put("last_recovery_at", text(health.lastRecoveryAt()));
        return view;
    }

    private static List<Map<String, Object>> clients(List<TopRejections.Client> clients) {
        List<Map<String, Object>> list = new ArrayList<>(clients.size());
        for (TopRejections.Client client : clients) {
            Map<String, Object> view = new LinkedHashMap<>();
            view.put("client", client.id());
            view.put("rejections", client.rejections());
            view.put("overestimate", client.overestimate());
            view.put("limit", client.limit());
            view.put("last_rejected_at", Instant.ofEpochMilli(client.lastRejectedMillis()).toString());
            view.put("next_token_at", Instant.ofEpochMilli(client.nextTokenMillis()).toString());
            list.add(view);
        }
        return list;
    }

    /**
     * The buckets of {@code client} under every plan: {@code client} as the page shows it
     * ({@code client:acme}, {@code ip:10.0.0.7}, {@code header:#..}), or a bare id or address,
     * tried as {@code client:} and {@code ip:}. Nothing is taken and nothing is created.
     */
    Map<String, Object> lookup(String client) {
        Set<String> keys = new LinkedHashSet<>();
        keys.add(client);
        if (!client.startsWith("client:") && !client.startsWith("ip:") && !client.startsWith("header:")) {
            keys.add("client:" + client);
            keys.add("ip:" + client);
        }
        List<Map<String, Object>> buckets = new ArrayList<>();
        try {
            for (String key : keys) {
                for (Plan plan : allPlans()) {
                    Optional<VerboseResult<EstimationProbe>> bucket = limiter.store().peek(key, plan.bucketPlan());
                    bucket.ifPresent(result -> buckets.add(bucket(key, plan, result)));
                }
            }
        } catch (StoreUnavailableException e) {
            return Map.of("error", "store unavailable: " + e.getMessage());
        }
        return Map.of("buckets", buckets);
    }

    private static Map<String, Object> bucket(String key, Plan plan, VerboseResult<EstimationProbe> result) {
        Bandwidth[] limits = result.getConfiguration().getBandwidths();
        List<Map<String, Object>> each = new ArrayList<>(limits.length);
        for (int i = 0; i < limits.length; i++) {
            Map<String, Object> limit = new LinkedHashMap<>();
            limit.put("limit", plan.policyItem(limits[i]));
            limit.put("capacity", limits[i].getCapacity());
            long current = result.getState().getCurrentSize(i);
            limit.put("remaining", Math.max(0, current));
            limit.put("full_seconds", fullSeconds(limits[i], current, result.getState().getRoundingError(i)));
            each.add(limit);
        }
        EstimationProbe probe = result.getValue();
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("key", key);
        view.put("plan", plan.name());
        view.put("limits", each);
        view.put("next_token_seconds", probe.canBeConsumed() ? 0 : RateLimiter.ceilSeconds(probe.getNanosToWaitForRefill()));
        view.put("full_seconds", RateLimiter.ceilSeconds(result.getState().calculateFullRefillingTime(result.getOperationTimeNanos())));
        return view;
    }

    /**
     * When one limit is full again: for a limit that refills token by token, its missing tokens at
     * its refill rate (less what it has already refilled of the next token); {@code null} for one
     * that refills all at once at the end of its interval, whose moment the state does not tell.
     */
    static Long fullSeconds(Bandwidth limit, long current, long roundingError) {
        if (limit.isRefillIntervally()) {
            return null;
        }
        long missing = limit.getCapacity() - current;
        if (missing <= 0) {
            return 0L;
        }
        double nanos = ((double) missing * limit.getRefillPeriodNanos() - roundingError) / limit.getRefillTokens();
        return RateLimiter.ceilSeconds((long) Math.ceil(nanos));
    }

    /** The default plan and the named ones, each once. */
    private List<Plan> allPlans() {
        Set<Plan> all = new LinkedHashSet<>();
        all.add(plans.defaultPlan());
        for (String name : plans.names()) {
            all.add(plans.byName(name));
        }
        return List.copyOf(all);
    }

    private static String text(Instant at) {
        return at == null ? null : at.toString();
    }
}
