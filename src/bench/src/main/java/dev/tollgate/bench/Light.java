package dev.tollgate.bench;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Light request, response, config and context objects for microbenchmarks: the methods the filters
 * call on the hot path are plain fields and maps; anything else fails loudly.
 */
final class Light {

    private Light() {
    }

    @SuppressWarnings("unchecked")
    private static <T> T unsupported(Class<T> type) {
        return (T) Proxy.newProxyInstance(Light.class.getClassLoader(), new Class<?>[] {type}, (p, m, a) -> {
            throw new UnsupportedOperationException(type.getSimpleName() + "." + m.getName());
        });
    }

    static ServletContext context(Map<String, String> params) {
        Map<String, Object> attributes = new HashMap<>();
        return (ServletContext) Proxy.newProxyInstance(Light.class.getClassLoader(), new Class<?>[] {ServletContext.class},
                (p, m, a) -> switch (m.getName()) {
                    case "getInitParameter" -> params.get((String) a[0]);
                    case "getInitParameterNames" -> Collections.enumeration(params.keySet());
                    case "getAttribute" -> attributes.get((String) a[0]);
                    case "setAttribute" -> attributes.put((String) a[0], a[1]);
                    case "getClassLoader" -> Light.class.getClassLoader();
                    case "hashCode" -> System.identityHashCode(p);
                    case "equals" -> p == a[0];
                    default -> throw new UnsupportedOperationException("ServletContext." + m.getName());
                });
    }

    static FilterConfig config(ServletContext context, Map<String, String> params) {
        return new FilterConfig() {
            @Override
            public String getFilterName() {
                return "bench";
            }

            @Override
            public ServletContext getServletContext() {
                return context;
            }

            @Override
            public String getInitParameter(String name) {
                return params.get(name);
            }

            @Override
            public Enumeration<String> getInitParameterNames() {
                return Collections.enumeration(params.keySet());
            }
        };
    }

    /** A GET request; headers and attributes are plain maps, cleared by {@link #reset()}. */
    static final class Request extends HttpServletRequestWrapper {
        final Map<String, String> headers = new HashMap<>();
        private final Map<String, Object> attributes = new HashMap<>();
        String method = "GET";
        String path = "/api/items";
        String remoteAddr = "203.0.113.9";

        Request() {
            super(unsupported(HttpServletRequest.class));
        }

        void reset() {
            attributes.clear();
        }

        @Override
        public String getHeader(String name) {
            return headers.get(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            String value = headers.get(name);
            return value == null ? Collections.emptyEnumeration() : Collections.enumeration(List.of(value));
        }

        @Override
        public Object getAttribute(String name) {
            return attributes.get(name);
        }

        @Override
        public void setAttribute(String name, Object value) {
            attributes.put(name, value);
        }

        @Override
        public String getMethod() {
            return method;
        }

        @Override
        public String getRequestURI() {
            return path;
        }

        @Override
        public String getServletPath() {
            return path;
        }

        @Override
        public String getPathInfo() {
            return null;
        }

        @Override
        public String getQueryString() {
            return null;
        }

        @Override
        public String getRemoteAddr() {
            return remoteAddr;
        }

        @Override
        public DispatcherType getDispatcherType() {
            return DispatcherType.REQUEST;
        }

        @Override
        public boolean isAsyncStarted() {
            return false;
        }
    }

    /** A response that keeps headers in a map and counts the bytes written; {@link #reset()} clears it. */
    static final class Response extends HttpServletResponseWrapper {
        private final Map<String, List<String>> headers = new LinkedHashMap<>();
        int status = 200;
        long written;
        private final ServletOutputStream out = new ServletOutputStream() {
            @Override
            public boolean isReady() {
                return true;
            }

            @Override
            public void setWriteListener(WriteListener listener) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void write(int b) {
                written++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                written += len;
            }
        };

        Response() {
            super(unsupported(HttpServletResponse.class));
        }

        @Override
        public void reset() {
            headers.clear();
            status = 200;
        }

        @Override
        public void setHeader(String name, String value) {
            List<String> values = new ArrayList<>(1);
            values.add(value);
            headers.put(name, values);
        }

        @Override
        public void addHeader(String name, String value) {
            headers.computeIfAbsent(name, n -> new ArrayList<>(1)).add(value);
        }

        @Override
        public boolean containsHeader(String name) {
            return headers.containsKey(name);
        }

        @Override
        public String getHeader(String name) {
            List<String> values = headers.get(name);
            return values == null ? null : values.get(0);
        }

        @Override
        public Collection<String> getHeaderNames() {
            return headers.keySet();
        }

        @Override
        public Collection<String> getHeaders(String name) {
            return headers.getOrDefault(name, List.of());
        }

        @Override
        public boolean isCommitted() {
            return false;
        }

        @Override
        public void setStatus(int sc) {
            status = sc;
        }

        @Override
        public int getStatus() {
            return status;
        }

        @Override
        public void setContentType(String type) {
            setHeader("Content-Type", type);
        }

        @Override
        public void setContentLength(int len) {
            setHeader("Content-Length", Integer.toString(len));
        }

        @Override
        public ServletOutputStream getOutputStream() {
            return out;
        }
    }
}
