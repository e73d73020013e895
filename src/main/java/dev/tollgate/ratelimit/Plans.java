package dev.tollgate.ratelimit;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The plans of a limiter: a default plan and named ones, and which client is on which plan.
 * <ul>
 *   <li>Plans: {@code free: 60/1m; gold: 1000/1m, 100000/1d}, separated by {@code ;} or newlines.</li>
 *   <li>Client plans: {@code alice=gold, bob=free}, separated by commas or whitespace.</li>
 * </ul>
 * Immutable.
 */
final class Plans {

    /** The name of the plan made from the {@code limits} param. */
    public static final String DEFAULT = "default";

    private final Plan defaultPlan;
    private final Map<String, Plan> byName;
    private final Map<String, Plan> byClient;

    private Plans(Plan defaultPlan, Map<String, Plan> byName, Map<String, Plan> byClient) {
        this.defaultPlan = defaultPlan;
        this.byName = Map.copyOf(byName);
        this.byClient = Map.copyOf(byClient);
    }

    /** Only a default plan with {@code limits}. */
    public static Plans of(Limits limits) {
        Plan plan = Plan.of(DEFAULT, limits);
        return new Plans(plan, Map.of(DEFAULT, plan), Map.of());
    }

    /** The default plan, the named {@code plans} and the {@code clientPlans} map (client to plan name). */
    public static Plans of(Limits defaultLimits, Collection<Plan> plans, Map<String, String> clientPlans) {
        Plan defaultPlan = Plan.of(DEFAULT, defaultLimits);
        Map<String, Plan> byName = new LinkedHashMap<>();
        byName.put(DEFAULT, defaultPlan);
        for (Plan plan : plans) {
            if (byName.putIfAbsent(plan.name(), plan) != null) {
                throw new IllegalArgumentException("plan [" + plan.name() + "] is defined twice"
                        + (plan.name().equals(DEFAULT) ? " (the default plan comes from the limits)" : ""));
            }
        }
        Map<String, Plan> byClient = new LinkedHashMap<>();
        clientPlans.forEach((client, planName) -> {
            Plan plan = byName.get(planName);
            if (plan == null) {
                throw new IllegalArgumentException("client [" + client + "] is on plan [" + planName + "], which is not defined; "
                        + "defined plans are " + new TreeSet<>(byName.keySet()));
            }
            byClient.put(client, plan);
        });
        return new Plans(defaultPlan, byName, byClient);
    }

    /** Parses {@code free: 60/1m; gold: 1000/1m, 100000/1d}. */
    public static Map<String, Limits> parsePlans(String text) {
        Map<String, Limits> plans = new LinkedHashMap<>();
        if (text == null) {
            return plans;
        }
        for (String part : text.split("[;\\n]")) {
            String item = part.strip();
            if (item.isEmpty()) {
                continue;
            }
            int colon = item.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("plan [" + item + "] must be <name>: <limits>, like gold: 1000/1m, 100000/1d");
            }
            String name = item.substring(0, colon).strip();
            if (!Plan.NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("plan name [" + name + "] must be 1-64 characters of [A-Za-z0-9_-]");
            }
            Limits limits;
            try {
                limits = Limits.parse(item.substring(colon + 1));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("plan [" + name + "]: " + e.getMessage(), null);
            }
            if (plans.put(name, limits) != null) {
                throw new IllegalArgumentException("plan [" + name + "] is defined twice");
            }
        }
        return plans;
    }

    /** Parses {@code alice=gold, bob=free}. */
    public static Map<String, String> parseClientPlans(String text) {
        Map<String, String> map = new LinkedHashMap<>();
        if (text == null) {
            return map;
        }
        for (String item : text.split("[,\\s]+")) {
            if (item.isEmpty()) {
                continue;
            }
            int eq = item.indexOf('=');
            if (eq <= 0 || eq == item.length() - 1) {
                throw new IllegalArgumentException("entry [" + item + "] must be <client>=<plan>");
            }
            if (map.put(item.substring(0, eq), item.substring(eq + 1)) != null) {
                throw new IllegalArgumentException("client [" + item.substring(0, eq) + "] is given a plan twice");
            }
        }
        return map;
    }

    public Plan defaultPlan() {
        return defaultPlan;
    }

    /** The plan called {@code name}, or {@code null}. */
    public Plan byName(String name) {
        return byName.get(name);
    }

    /** The plan of {@code client} in the client-plans map, or {@code null}. */
    public Plan byClient(String client) {
        return byClient.get(client);
    }

    /** The {@code client-plans} entries: client (or header value) to plan. */
    Map<String, Plan> clientPlans() {
        return byClient;
    }

    public Set<String> names() {
        return byName.keySet();
    }

    /** The longest period of any plan: how long an idle bucket must be kept. */
    java.time.Duration longestPeriod() {
        java.time.Duration longest = java.time.Duration.ZERO;
        for (Plan plan : byName.values()) {
            if (plan.limits().longestPeriod().compareTo(longest) > 0) {
                longest = plan.limits().longestPeriod();
            }
        }
        return longest;
    }

    /** Fails, naming the plans, when one of {@code referenced} is not defined. */
    public void requireDefined(Collection<String> referenced, String referencedBy) {
        for (String name : referenced) {
            if (!byName.containsKey(name)) {
                throw new IllegalArgumentException("plan [" + name + "] used by " + referencedBy + " is not defined; defined plans are "
                        + new TreeSet<>(byName.keySet()));
            }
        }
    }
}
