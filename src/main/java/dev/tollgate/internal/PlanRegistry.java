package dev.tollgate.internal;

import jakarta.servlet.ServletContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The rate-limit plans of one application, so that the API-key filter and the rate-limit filters
 * can check each other whichever the container starts first (Tomcat starts filters in hash order
 * of their names). The rule: every plan named by an API key must be defined by each rate-limit
 * filter that defines named plans; a rate-limit filter without named plans applies its limits to
 * every client and checks nothing.
 *
 * <p>Each key filter publishes the plans its keys name, each rate-limit filter with named plans
 * the plans it defines; whoever publishes second finds a missing plan and fails. Messages name the
 * client id of the key entry, the plan and the filters, never a key or a hash. Thread-safe.
 */
public final class PlanRegistry {

    private static final String ATTRIBUTE = PlanRegistry.class.getName();

    /** Per key filter: client id to the plan its key names. */
    private final Map<String, Map<String, String>> referenced = new LinkedHashMap<>();
    /** Per rate-limit filter with named plans: the plans it defines. */
    private final Map<String, Set<String>> defined = new LinkedHashMap<>();

    private PlanRegistry() {
    }

    /** The registry of {@code context}, made on first use. */
    public static PlanRegistry forContext(ServletContext context) {
        synchronized (PlanRegistry.class) {
            if (context.getAttribute(ATTRIBUTE) instanceof PlanRegistry registry) {
                return registry;
            }
            PlanRegistry registry = new PlanRegistry();
            context.setAttribute(ATTRIBUTE, registry);
            return registry;
        }
    }

    /**
     * Publishes (or, on a reload, replaces) the plans that the keys of {@code keyFilter} name,
     * client id to plan, after checking them against every rate-limit filter published so far.
     *
     * @param keyFilter the filter, as messages name it: {@code ApiKeyFilter [api-key]}
     * @throws IllegalArgumentException naming the client, the plan and the filter that lacks it;
     *     nothing is published then
     */
    public synchronized void publishReferences(String keyFilter, Map<String, String> planByClient) {
        Map<String, String> sorted = new TreeMap<>(planByClient);
        for (Map.Entry<String, Set<String>> limiter : defined.entrySet()) {
            sorted.forEach((client, plan) -> {
                if (!limiter.getValue().contains(plan)) {
                    throw new IllegalArgumentException("plan [" + plan + "], named by the API key of client [" + client
                            + "], is not defined by " + limiter.getKey() + ", whose plans are " + limiter.getValue());
                }
            });
        }
        referenced.put(keyFilter, Map.copyOf(sorted));
    }

    /**
     * Publishes the plans that {@code limiter} defines (the default plan included), after checking
     * that they cover every plan the keys published so far name. A rate-limit filter without named
     * plans does not publish.
     *
     * @param limiter the filter, as messages name it: {@code RateLimitFilter [rate-limit]}
     * @throws IllegalArgumentException naming the client, the plan and the key filter; nothing is
     *     published then
     */
    public synchronized void publishDefinitions(String limiter, Set<String> plans) {
        Set<String> sorted = new TreeSet<>(plans);
        for (Map.Entry<String, Map<String, String>> keys : referenced.entrySet()) {
            for (Map.Entry<String, String> entry : new TreeMap<>(keys.getValue()).entrySet()) {
                if (!sorted.contains(entry.getValue())) {
                    throw new IllegalArgumentException("plan [" + entry.getValue() + "], named by the API key of client ["
                            + entry.getKey() + "] (" + keys.getKey() + "), is not defined; its plans are " + sorted);
                }
            }
        }
        defined.put(limiter, sorted);
    }
}
