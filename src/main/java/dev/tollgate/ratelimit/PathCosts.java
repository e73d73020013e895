package dev.tollgate.ratelimit;

import dev.tollgate.internal.PathPatterns;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * How many tokens a request takes, by its path ({@code costs}): {@code <url-pattern>=<cost>}
 * entries separated by commas or whitespace, such as {@code /api/export=10, /api/reports/*=5};
 * url-patterns as {@code skip-paths} takes them, costs from 1 to 1000000000; a path that no
 * pattern matches costs 1.
 *
 * <p>The most specific pattern decides, whatever the order they are written in, as the servlet
 * spec picks the servlet for a request: an exact path, else the longest prefix ({@code /*} being
 * the shortest), else the longest extension. An extension pattern matches the path whatever
 * serves it (unlike in {@code skip-paths}, where it only lets static files through: a cost only
 * ever makes a request dearer). Parsed once; a lookup allocates nothing. Immutable.
 */
final class PathCosts {

    /** Every path costs 1. */
    static final PathCosts NONE = new PathCosts(Map.of(), new String[0], new int[0], new String[0], new int[0], List.of());

    private static final long MAX_COST = 1_000_000_000L;

    private final Map<String, Integer> exact;
    /** Longest first; {@code /*} is the empty prefix. */
    private final String[] prefixes;
    private final int[] prefixCosts;
    /** Longest first, with their dot ({@code .csv}). */
    private final String[] extensions;
    private final int[] extensionCosts;
    /** The entries in the order written (pattern and cost), for the check against the plans. */
    private final List<Map.Entry<String, Integer>> written;

    private PathCosts(Map<String, Integer> exact, String[] prefixes, int[] prefixCosts, String[] extensions,
            int[] extensionCosts, List<Map.Entry<String, Integer>> written) {
        this.exact = exact;
        this.prefixes = prefixes;
        this.prefixCosts = prefixCosts;
        this.extensions = extensions;
        this.extensionCosts = extensionCosts;
        this.written = written;
    }

    /** Parses {@code /api/export=10, /api/reports/*=5}; a bad entry is named with its rule. */
    static PathCosts parse(String text) {
        Map<String, Integer> entries = new LinkedHashMap<>();
        for (String entry : text.strip().replaceAll("\\s*=\\s*", "=").split("[,\\s]+")) {
            if (entry.isEmpty()) {
                continue;
            }
            int eq = entry.indexOf('=');
            if (eq <= 0 || eq != entry.lastIndexOf('=')) {
                throw new IllegalArgumentException("entry [" + entry + "] must be <url-pattern>=<cost>, like /api/export=10");
            }
            String pattern = entry.substring(0, eq);
            String cost = entry.substring(eq + 1);
            // The rule of skip-paths, with its message.
            PathPatterns.parse(pattern);
            if (!cost.matches("[0-9]{1,10}") || Long.parseLong(cost) < 1 || Long.parseLong(cost) > MAX_COST) {
                throw new IllegalArgumentException("cost [" + cost + "] of [" + pattern + "] must be a whole number from 1 to " + MAX_COST);
            }
            if (entries.put(pattern, Integer.parseInt(cost)) != null) {
                throw new IllegalArgumentException("url-pattern [" + pattern + "] is given a cost twice");
            }
        }
        if (entries.isEmpty()) {
            return NONE;
        }
        Map<String, Integer> exact = new HashMap<>();
        List<Map.Entry<String, Integer>> prefixes = new ArrayList<>();
        List<Map.Entry<String, Integer>> extensions = new ArrayList<>();
        entries.forEach((pattern, cost) -> {
            if (pattern.equals("/*")) {
                prefixes.add(Map.entry("", cost));
            } else if (pattern.endsWith("/*")) {
                prefixes.add(Map.entry(pattern.substring(0, pattern.length() - 2), cost));
            } else if (pattern.startsWith("*.")) {
                extensions.add(Map.entry(pattern.substring(1), cost));
            } else {
                exact.put(pattern, cost);
            }
        });
        Comparator<Map.Entry<String, Integer>> longestFirst = Comparator.comparingInt(e -> -e.getKey().length());
        prefixes.sort(longestFirst);
        extensions.sort(longestFirst);
        return new PathCosts(Map.copyOf(exact), prefixes.stream().map(Map.Entry::getKey).toArray(String[]::new),
                prefixes.stream().mapToInt(Map.Entry::getValue).toArray(),
                extensions.stream().map(Map.Entry::getKey).toArray(String[]::new),
                extensions.stream().mapToInt(Map.Entry::getValue).toArray(),
                entries.entrySet().stream().map(e -> Map.entry(e.getKey(), e.getValue())).toList());
    }

    /**
     * Fails, naming the pattern, its cost, the limit and the plan, when a cost is more than a
     * limit of some plan holds: such a request could never pass.
     */
    void requireWithin(Plans plans) {
        List<Plan> all = new ArrayList<>();
        all.add(plans.defaultPlan());
        for (String name : new TreeSet<>(plans.names())) {
            if (!name.equals(Plans.DEFAULT)) {
                all.add(plans.byName(name));
            }
        }
        // In the order written, so the message names the first entry that is too dear.
        for (Map.Entry<String, Integer> entry : written) {
            String pattern = entry.getKey();
            int cost = entry.getValue();
            for (Plan plan : all) {
                for (Limits.Limit limit : plan.limits().limits()) {
                    if (cost > limit.capacity()) {
                        throw new IllegalArgumentException("cost [" + cost + "] of [" + pattern + "] is more than limit [" + limit
                                + "] of plan [" + plan.name() + "] holds, so such a request could never pass");
                    }
                }
            }
        }
    }

    /** The cost of a request whose path within the application is {@code path}. */
    int costOf(String path) {
        Integer cost = exact.get(path);
        if (cost != null) {
            return cost;
        }
        for (int i = 0; i < prefixes.length; i++) {
            String prefix = prefixes[i];
            boolean under = path.startsWith(prefix) && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/');
            if (prefix.isEmpty() || under) {
                return prefixCosts[i];
            }
        }
        for (int i = 0; i < extensions.length; i++) {
            if (path.endsWith(extensions[i])) {
                return extensionCosts[i];
            }
        }
        return 1;
    }

    boolean isEmpty() {
        return this == NONE;
    }
}
