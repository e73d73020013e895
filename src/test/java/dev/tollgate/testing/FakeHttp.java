package dev.tollgate.testing;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A request and a response with state, for unit tests that drive a filter's {@code doFilter}
 * without a container: headers with several values, attributes, a query string, the dispatcher
 * type; a response that records status, headers and body, and can be reset. Only the methods the
 * filters and the renderer call are answered.
 */
public final class FakeHttp {

    private FakeHttp() {
    }

    /** A REQUEST dispatch of {@code method} {@code path} (the servlet path; no path info) from 127.0.0.1. */
    public static Request request(String method, String path) {
        return new Request(method, path);
    }

    /** A response that nothing has been written to. */
    public static Response response() {
        return new Response();
    }

    /** A chain that records the request it was called with. */
    public static final class Chain implements FilterChain {
        private ServletRequest request;
        private int calls;

        @Override
        public void doFilter(ServletRequest request, jakarta.servlet.ServletResponse response) {
            this.request = request;
            calls++;
        }

        /** The request the chain was called with, or {@code null} if it was not called. */
        public ServletRequest request() {
            return request;
        }

        public int calls() {
            return calls;
        }
    }

    /** A request; set it up, then take {@link #get()}. */
    public static final class Request {
        private final String method;
        private final String path;
        private final Map<String, List<String>> headers = new LinkedHashMap<>();
        private final Map<String, Object> attributes = new HashMap<>();
        private String query;
        private String remoteAddr = "127.0.0.1";
        private DispatcherType dispatcherType = DispatcherType.REQUEST;
        private HttpServletRequest proxy;

        private Request(String method, String path) {
            this.method = method;
            this.path = path;
        }

        /** Adds a header value (a name may have several). */
        public Request header(String name, String value) {
            headers.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> new ArrayList<>()).add(value);
            return this;
        }

        public Request query(String query) {
            this.query = query;
            return this;
        }

        public Request remoteAddr(String address) {
            this.remoteAddr = address;
            return this;
        }

        public Request dispatcherType(DispatcherType type) {
            this.dispatcherType = type;
            return this;
        }

        /** The request (one per fake, so attributes persist across dispatches). */
        public HttpServletRequest get() {
            if (proxy == null) {
                proxy = (HttpServletRequest) Proxy.newProxyInstance(FakeHttp.class.getClassLoader(),
                        new Class<?>[] {HttpServletRequest.class}, (p, m, args) -> switch (m.getName()) {
                            case "getMethod" -> method;
                            case "getRequestURI", "getServletPath" -> path;
                            case "getPathInfo", "getHttpServletMapping", "getContextPath" -> m.getName().equals("getContextPath") ? "" : null;
                            case "getQueryString" -> query;
                            case "getRemoteAddr" -> remoteAddr;
                            case "getDispatcherType" -> dispatcherType;
                            case "isAsyncStarted" -> false;
                            case "getHeader" -> {
                                List<String> values = headers.get(((String) args[0]).toLowerCase(Locale.ROOT));
                                yield values == null ? null : values.get(0);
                            }
                            case "getHeaders" -> Collections.enumeration(
                                    headers.getOrDefault(((String) args[0]).toLowerCase(Locale.ROOT), List.of()));
                            case "getHeaderNames" -> Collections.enumeration(headers.keySet());
                            case "getAttribute" -> attributes.get((String) args[0]);
                            case "setAttribute" -> args[1] == null ? attributes.remove((String) args[0])
                                    : attributes.put((String) args[0], args[1]);
                            case "removeAttribute" -> attributes.remove((String) args[0]);
                            case "toString" -> "FakeRequest " + method + " " + path;
                            case "hashCode" -> System.identityHashCode(p);
                            case "equals" -> p == args[0];
                            default -> throw new UnsupportedOperationException("HttpServletRequest." + m.getName());
                        });
            }
            return proxy;
        }
    }

    /** A response; {@link #get()} is what the filter writes to. */
    public static final class Response {
        private final Map<String, List<String>> headers = new LinkedHashMap<>();
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private int status = 200;
        private HttpServletResponse proxy;

        private Response() {
        }

        public int status() {
            return status;
        }

        /** The values of header {@code name} (any case), empty if none. */
        public List<String> headers(String name) {
            for (Map.Entry<String, List<String>> header : headers.entrySet()) {
                if (header.getKey().equalsIgnoreCase(name)) {
                    return List.copyOf(header.getValue());
                }
            }
            return List.of();
        }

        /** The first value of header {@code name}, or {@code null}. */
        public String header(String name) {
            List<String> values = headers(name);
            return values.isEmpty() ? null : values.get(0);
        }

        public String body() {
            return body.toString(StandardCharsets.UTF_8);
        }

        private List<String> values(String name) {
            for (Map.Entry<String, List<String>> header : headers.entrySet()) {
                if (header.getKey().equalsIgnoreCase(name)) {
                    return header.getValue();
                }
            }
            List<String> values = new ArrayList<>();
            headers.put(name, values);
            return values;
        }

        public HttpServletResponse get() {
            if (proxy == null) {
                ServletOutputStream out = new ServletOutputStream() {
                    @Override
                    public boolean isReady() {
                        return true;
                    }

                    @Override
                    public void setWriteListener(WriteListener listener) {
                        throw new UnsupportedOperationException("setWriteListener");
                    }

                    @Override
                    public void write(int b) {
                        body.write(b);
                    }
                };
                proxy = (HttpServletResponse) Proxy.newProxyInstance(FakeHttp.class.getClassLoader(),
                        new Class<?>[] {HttpServletResponse.class}, (p, m, args) -> switch (m.getName()) {
                            case "isCommitted" -> false;
                            case "getStatus" -> status;
                            case "setStatus" -> {
                                status = (Integer) args[0];
                                yield null;
                            }
                            case "reset" -> {
                                headers.clear();
                                body.reset();
                                status = 200;
                                yield null;
                            }
                            case "setHeader" -> {
                                List<String> values = values((String) args[0]);
                                values.clear();
                                values.add((String) args[1]);
                                yield null;
                            }
                            case "addHeader" -> values((String) args[0]).add((String) args[1]);
                            case "containsHeader" -> !headers((String) args[0]).isEmpty();
                            case "getHeader" -> header((String) args[0]);
                            case "getHeaders" -> headers((String) args[0]);
                            case "getHeaderNames" -> List.copyOf(headers.keySet());
                            case "setContentType" -> {
                                List<String> values = values("Content-Type");
                                values.clear();
                                values.add((String) args[0]);
                                yield null;
                            }
                            case "setContentLength" -> {
                                List<String> values = values("Content-Length");
                                values.clear();
                                values.add(String.valueOf(args[0]));
                                yield null;
                            }
                            case "getOutputStream" -> out;
                            case "toString" -> "FakeResponse " + status;
                            case "hashCode" -> System.identityHashCode(p);
                            case "equals" -> p == args[0];
                            default -> throw new UnsupportedOperationException("HttpServletResponse." + m.getName());
                        });
            }
            return proxy;
        }
    }
}
