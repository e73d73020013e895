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
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.NoSuchElementException;

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

    /**
     * A GET of {@code /api/items} from 203.0.113.9. Headers and attributes live in small arrays that
     * {@link #reset()} empties but keeps, so a warmed-up request allocates nothing itself and a
     * benchmark's bytes per operation are the filters' own. {@code getHeaders} hands out one
     * reused enumeration: read it before asking for the next.
     */
    public static final class Request extends HttpServletRequestWrapper {
        private final String[] headerNames = new String[8];
        private final String[] headerValues = new String[8];
        private int headerCount;
        private final String[] attributeNames = new String[16];
        private final Object[] attributeValues = new Object[16];
        private int attributeCount;
        private final OneValue values = new OneValue();

        public Request() {
            super(unsupported(HttpServletRequest.class));
        }

        /** Sets one header (one value per name). */
        public Request header(String name, String value) {
            for (int i = 0; i < headerCount; i++) {
                if (headerNames[i].equalsIgnoreCase(name)) {
                    headerValues[i] = value;
                    return this;
                }
            }
            headerNames[headerCount] = name;
            headerValues[headerCount++] = value;
            return this;
        }

        /** Clears headers and attributes, for the next request. */
        public void reset() {
            Arrays.fill(headerNames, 0, headerCount, null);
            Arrays.fill(headerValues, 0, headerCount, null);
            headerCount = 0;
            Arrays.fill(attributeNames, 0, attributeCount, null);
            Arrays.fill(attributeValues, 0, attributeCount, null);
            attributeCount = 0;
        }

        @Override
        public String getHeader(String name) {
            for (int i = 0; i < headerCount; i++) {
                if (headerNames[i].equalsIgnoreCase(name)) {
                    return headerValues[i];
                }
            }
            return null;
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            String value = getHeader(name);
            return value == null ? Collections.emptyEnumeration() : values.of(value);
        }

        @Override
        public Object getAttribute(String name) {
            for (int i = 0; i < attributeCount; i++) {
                if (attributeNames[i].equals(name)) {
                    return attributeValues[i];
                }
            }
            return null;
        }

        @Override
        public void setAttribute(String name, Object value) {
            for (int i = 0; i < attributeCount; i++) {
                if (attributeNames[i].equals(name)) {
                    if (value == null) {
                        attributeCount--;
                        attributeNames[i] = attributeNames[attributeCount];
                        attributeValues[i] = attributeValues[attributeCount];
                        attributeNames[attributeCount] = null;
                        attributeValues[attributeCount] = null;
                    } else {
                        attributeValues[i] = value;
                    }
                    return;
                }
            }
            if (value != null) {
                attributeNames[attributeCount] = name;
                attributeValues[attributeCount++] = value;
            }
        }

        @Override
        public void removeAttribute(String name) {
            setAttribute(name, null);
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

    /** The enumeration of one header value, reused. */
    private static final class OneValue implements Enumeration<String> {
        private String value;

        Enumeration<String> of(String v) {
            value = v;
            return this;
        }

        @Override
        public boolean hasMoreElements() {
            return value != null;
        }

        @Override
        public String nextElement() {
            if (value == null) {
                throw new NoSuchElementException();
            }
            String v = value;
            value = null;
            return v;
        }
    }

    /**
     * A response that keeps headers in slots of names and value lists and counts the bytes
     * written; {@link #reset()} empties the slots but keeps them, so a warmed-up response
     * allocates nothing itself.
     */
    public static final class Response extends HttpServletResponseWrapper {
        private final List<String> headerNames = new ArrayList<>();
        private final List<List<String>> headerValues = new ArrayList<>();
        private int headerCount;
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
            for (int i = 0; i < headerCount; i++) {
                headerNames.set(i, null);
                headerValues.get(i).clear();
            }
            headerCount = 0;
            status = 200;
            written = 0;
        }

        private int slot(String name) {
            for (int i = 0; i < headerCount; i++) {
                if (headerNames.get(i).equalsIgnoreCase(name)) {
                    return i;
                }
            }
            return -1;
        }

        private List<String> newSlot(String name) {
            if (headerCount == headerNames.size()) {
                headerNames.add(name);
                headerValues.add(new ArrayList<>(2));
            } else {
                headerNames.set(headerCount, name);
            }
            return headerValues.get(headerCount++);
        }

        @Override
        public void setHeader(String name, String value) {
            int i = slot(name);
            List<String> values = i < 0 ? newSlot(name) : headerValues.get(i);
            values.clear();
            values.add(value);
        }

        @Override
        public void addHeader(String name, String value) {
            int i = slot(name);
            (i < 0 ? newSlot(name) : headerValues.get(i)).add(value);
        }

        @Override
        public boolean containsHeader(String name) {
            return slot(name) >= 0;
        }

        @Override
        public String getHeader(String name) {
            int i = slot(name);
            return i < 0 ? null : headerValues.get(i).get(0);
        }

        @Override
        public Collection<String> getHeaderNames() {
            return List.copyOf(headerNames.subList(0, headerCount));
        }

        @Override
        public Collection<String> getHeaders(String name) {
            int i = slot(name);
            return i < 0 ? List.of() : List.copyOf(headerValues.get(i));
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
