package dev.tollgate.testing;

import jakarta.servlet.DispatcherType;
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
 * A request and a response whose hot-path methods are plain fields and maps, not proxies: cheap
 * enough to drive a filter's {@code doFilter} millions of times in a benchmark (src/bench uses them
 * through this project's test jar) and reusable between calls. Anything else fails loudly.
 */
public final class LightHttp {

    private LightHttp() {
    }

    @SuppressWarnings("unchecked")
    private static <T> T unsupported(Class<T> type) {
        return (T) Proxy.newProxyInstance(LightHttp.class.getClassLoader(), new Class<?>[] {type}, (p, m, a) -> {
            throw new UnsupportedOperationException(type.getSimpleName() + "." + m.getName());
        });
    }

    /** A GET of {@code /api/items} from 203.0.113.9; headers and attributes are plain maps. */
    public static final class Request extends HttpServletRequestWrapper {
        private final Map<String, String> headers = new HashMap<>();
        private final Map<String, Object> attributes = new HashMap<>();

        public Request() {
            super(unsupported(HttpServletRequest.class));
        }

        /** Sets one header (one value per name). */
        public Request header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        /** Clears headers and attributes, for the next request. */
        public void reset() {
            headers.clear();
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
            return "GET";
        }

        @Override
        public String getRequestURI() {
            return "/api/items";
        }

        @Override
        public String getServletPath() {
            return "/api/items";
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
            return "203.0.113.9";
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
    public static final class Response extends HttpServletResponseWrapper {
        private final Map<String, List<String>> headers = new LinkedHashMap<>();
        private int status = 200;
        private long written;
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

        public Response() {
            super(unsupported(HttpServletResponse.class));
        }

        /** The bytes written to the body since the last {@link #reset()}. */
        public long written() {
            return written;
        }

        @Override
        public void reset() {
            headers.clear();
            status = 200;
            written = 0;
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
