package dev.tollgate.internal;

import jakarta.servlet.ServletContext;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The filters of one web application that the status page reads: each filter adds itself at
 * {@code init()} and removes itself at {@code destroy()}, whether or not a status page is mapped;
 * the page finds them in a context attribute when asked, so the order in which the container
 * starts filters and servlets does not matter. Nothing on the request path touches it.
 *
 * <p>Not API: public because the filters' packages share it; it may change in any release.
 */
public final class StatusRegistry {

    /** The servlet context attribute that holds the registry. */
    public static final String ATTRIBUTE = "dev.tollgate.internal.StatusRegistry";

    private final List<StatusSource> sources = new CopyOnWriteArrayList<>();

    private StatusRegistry() {
    }

    /** The registry of {@code context}, made on first use. */
    public static StatusRegistry of(ServletContext context) {
        synchronized (StatusRegistry.class) {
            if (context.getAttribute(ATTRIBUTE) instanceof StatusRegistry registry) {
                return registry;
            }
            StatusRegistry registry = new StatusRegistry();
            context.setAttribute(ATTRIBUTE, registry);
            return registry;
        }
    }

    public void add(StatusSource source) {
        sources.add(source);
    }

    public void remove(StatusSource source) {
        sources.remove(source);
    }

    /** The filters now, in the order they started. */
    public List<StatusSource> sources() {
        return List.copyOf(sources);
    }
}
