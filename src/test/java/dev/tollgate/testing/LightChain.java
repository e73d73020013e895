package dev.tollgate.testing;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import java.io.IOException;

/**
 * A filter chain over a fixed list of filters, reused between calls: it allocates nothing itself,
 * so bytes counted around {@link #run} are the filters' own. Not thread-safe (one per thread).
 */
public final class LightChain implements FilterChain {

    private final Filter[] filters;
    private final FilterChain end;
    private int next;

    public LightChain(Filter[] filters, FilterChain end) {
        this.filters = filters.clone();
        this.end = end;
    }

    /** Runs the filters, then {@code end}, from the first filter. */
    public void run(ServletRequest request, ServletResponse response) throws IOException, ServletException {
        next = 0;
        doFilter(request, response);
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response) throws IOException, ServletException {
        int i = next++;
        if (i < filters.length) {
            filters[i].doFilter(request, response, this);
        } else {
            end.doFilter(request, response);
        }
    }
}
