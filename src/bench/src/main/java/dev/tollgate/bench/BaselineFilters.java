package dev.tollgate.bench;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import org.slf4j.MDC;

/**
 * Filters that are not Tollgate's, to tell what a filter costs the container from what its code
 * costs: one that only passes the request on, and one per Tollgate filter that asks of the
 * container and of the MDC what that filter asks on an allowed request (headers read, request
 * attributes, response headers, MDC entries, wrappers), with values made once, and nothing else.
 */
public final class BaselineFilters {

    private static final String ID = java.util.UUID.randomUUID().toString();
    private static final String CLIENT = "bench0";

    private BaselineFilters() {
    }

    /** Passes the request on. */
    public static final class PassThrough implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
            chain.doFilter(request, response);
        }
    }

    /** The request id filter's requests to the container and the MDC, with one id made at class load. */
    public static final class ContainerWork implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
            HttpServletRequest http = (HttpServletRequest) request;
            http.getHeader("X-Request-ID");
            http.getHeader("traceparent");
            request.setAttribute("dev.tollgate.request_id", ID);
            ((HttpServletResponse) response).setHeader("X-Request-ID", ID);
            MDC.put("request_id", ID);
            try {
                chain.doFilter(request, response);
            } finally {
                MDC.remove("request_id");
            }
        }
    }

    /** The error filter's: a request and a response wrapper (plain ones) around the rest of the chain. */
    public static final class ErrorsWork implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
            HttpServletRequest http = (HttpServletRequest) request;
            http.getDispatcherType();
            chain.doFilter(new HttpServletRequestWrapper(http), new HttpServletResponseWrapper((HttpServletResponse) response));
        }
    }

    /** The API key filter's: the key header, three request attributes, an MDC entry, a request wrapper. */
    public static final class KeyWork implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
            HttpServletRequest http = (HttpServletRequest) request;
            http.getDispatcherType();
            http.getHeader("X-API-KEY");
            request.setAttribute("dev.tollgate.apikey.accepted", ID);
            request.setAttribute("dev.tollgate.api_key", ID);
            request.setAttribute("dev.tollgate.client_id", CLIENT);
            MDC.put("client_id", CLIENT);
            try {
                chain.doFilter(new HttpServletRequestWrapper(http), response);
            } finally {
                MDC.remove("client_id");
            }
        }
    }

    /** The rate-limit filter's: the method, the client id attribute, three response headers of values made once. */
    public static final class LimitWork implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain) throws IOException, ServletException {
            HttpServletRequest http = (HttpServletRequest) request;
            http.getMethod();
            request.getAttribute("dev.tollgate.client_id");
            HttpServletResponse resp = (HttpServletResponse) response;
            resp.setHeader("X-Throttle-Limit", "1000000000");
            resp.setHeader("X-Throttle-Remaining", "999999999");
            resp.setHeader("X-Throttle-Reset", "1796213000");
            chain.doFilter(request, response);
        }
    }
}
