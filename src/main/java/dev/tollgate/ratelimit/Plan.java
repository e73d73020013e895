package dev.tollgate.ratelimit;

import dev.tollgate.ratelimit.spi.BucketPlan;
import io.github.bucket4j.Bandwidth;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A named set of limits ({@code gold: 1000/1m, 100000/1d}). The header values that depend only on
 * the plan are made once here.
 */
final class Plan {

    static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final String name;
    private final Limits limits;
    private final String limitHeader;
    private final BucketPlan bucketPlan;
    private final String policyHeader;
    /** Policy item names by bucket4j limit id (the period, e.g. {@code 1m}), made once. */
    private final Map<String, String> policyItems;
    /** The period of each limit by its policy item name, made once. */
    private final Map<String, Duration> periods;
    private final String firstPolicyItem;

    private Plan(String name, Limits limits) {
        this.name = name;
        this.limits = limits;
        this.limitHeader = Long.toString(limits.first().capacity());
        this.bucketPlan = new BucketPlan(name, limits.configuration(), limits.toString());
        StringBuilder policy = new StringBuilder();
        Map<String, String> items = new HashMap<>();
        Map<String, Duration> periodsByItem = new HashMap<>();
        for (Limits.Limit limit : limits.limits()) {
            if (policy.length() > 0) {
                policy.append(", ");
            }
            items.put(Limits.format(limit.period()), name + '-' + Limits.format(limit.period()));
            periodsByItem.put(name + '-' + Limits.format(limit.period()), limit.period());
            policy.append('"').append(name).append('-').append(Limits.format(limit.period())).append("\";q=")
                    .append(limit.capacity()).append(";w=").append(Math.max(1, limit.period().toSeconds()));
        }
        this.policyHeader = policy.toString();
        this.policyItems = Map.copyOf(items);
        this.periods = Map.copyOf(periodsByItem);
        this.firstPolicyItem = name + '-' + Limits.format(limits.first().period());
    }

    /** A plan called {@code name} ({@code [A-Za-z0-9_-]}, at most 64) with {@code limits}. */
    public static Plan of(String name, Limits limits) {
        Objects.requireNonNull(limits, "limits");
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("plan name [" + name + "] must be 1-64 characters of [A-Za-z0-9_-]");
        }
        return new Plan(name, limits);
    }

    public String name() {
        return name;
    }

    public Limits limits() {
        return limits;
    }

    /** {@code X-Throttle-Limit}: the capacity of the first limit. */
    String limitHeader() {
        return limitHeader;
    }

    /** The plan as the stores see it, made once. */
    BucketPlan bucketPlan() {
        return bucketPlan;
    }

    /** {@code RateLimit-Policy}: one item per limit. */
    String policyHeader() {
        return policyHeader;
    }

    /**
     * The {@code RateLimit-Policy} item name of {@code limit}, e.g. {@code gold-1m}. A limit that is
     * not this plan's (a node with other limits wrote the bucket in Redis) is named the same way.
     */
    String policyItem(Bandwidth limit) {
        String id = limit.getId();
        String item = id == null ? null : policyItems.get(id);
        if (item != null) {
            return item;
        }
        return name + '-' + (id != null ? id : Limits.format(Duration.ofNanos(limit.getRefillPeriodNanos())));
    }

    /** The {@code RateLimit-Policy} item name of the first limit, e.g. {@code gold-1m}. */
    String firstPolicyItem() {
        return firstPolicyItem;
    }

    /**
     * The period of the limit whose policy item is {@code item}; for an item not of this plan (or
     * none), the period of the plan's first limit.
     */
    Duration periodOf(String item) {
        Duration period = item == null ? null : periods.get(item);
        return period != null ? period : limits.first().period();
    }

    @Override
    public String toString() {
        return name + ": " + limits;
    }
}
