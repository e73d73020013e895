package dev.tollgate.testing;

import dev.tollgate.internal.FilterMetrics;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Proxy;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hand-written fakes of the servlet API for unit tests, configured the way {@code web.xml} would
 * configure the real thing. Only the methods the code under test calls are answered.
 */
public final class Fakes {

    private Fakes() {
    }

    /** A context whose {@link FilterMetrics#REGISTRY_ATTRIBUTE} attribute is {@code registry} (a Micrometer {@code MeterRegistry}). */
    public static ServletContext contextWithMeterRegistry(Object registry) {
        ServletContext context = context(Map.of());
        context.setAttribute(FilterMetrics.REGISTRY_ATTRIBUTE, registry);
        return context;
    }

    /** A context with {@code contextParams} and working attributes. */
    public static ServletContext context(Map<String, String> contextParams) {
        Map<String, Object> attributes = new HashMap<>();
        return (ServletContext) Proxy.newProxyInstance(Fakes.class.getClassLoader(), new Class<?>[] {ServletContext.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getInitParameter" -> contextParams.get((String) args[0]);
                    case "getInitParameterNames" -> Collections.enumeration(contextParams.keySet());
                    case "getAttribute" -> attributes.get((String) args[0]);
                    case "setAttribute" -> attributes.put((String) args[0], args[1]);
                    case "removeAttribute" -> attributes.remove((String) args[0]);
                    case "getClassLoader" -> Fakes.class.getClassLoader();
                    case "getContextPath" -> "";
                    case "toString" -> "FakeServletContext";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException("ServletContext." + method.getName());
                });
    }

    /** A filter config named {@code name} with {@code initParams}, in a context without params. */
    public static FilterConfig filterConfig(String name, Map<String, String> initParams) {
        return filterConfig(name, initParams, context(Map.of()));
    }

    public static FilterConfig filterConfig(String name, Map<String, String> initParams, ServletContext context) {
        return new Config(name, initParams, context);
    }

    /** A servlet config named {@code name} with {@code initParams}, in a context without params. */
    public static ServletConfig servletConfig(String name, Map<String, String> initParams) {
        return new Config(name, initParams, context(Map.of()));
    }

    /** A filter's or a servlet's config: a name, init-params in their order, a context. */
    private static final class Config implements FilterConfig, ServletConfig {
        private final String name;
        private final Map<String, String> params;
        private final ServletContext context;

        Config(String name, Map<String, String> initParams, ServletContext context) {
            this.name = name;
            this.params = new LinkedHashMap<>(initParams);
            this.context = context;
        }

        @Override
        public String getFilterName() {
            return name;
        }

        @Override
        public String getServletName() {
            return name;
        }

        @Override
        public ServletContext getServletContext() {
            return context;
        }

        @Override
        public String getInitParameter(String key) {
            return params.get(key);
        }

        @Override
        public java.util.Enumeration<String> getInitParameterNames() {
            return Collections.enumeration(params.keySet());
        }
    }

    /** A GET request for {@code uri} with {@code headers} and working attributes. */
    public static HttpServletRequest request(String method, String uri, Map<String, String> headers) {
        Map<String, Object> attributes = new HashMap<>();
        return (HttpServletRequest) Proxy.newProxyInstance(Fakes.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class},
                (proxy, m, args) -> switch (m.getName()) {
                    case "getMethod" -> method;
                    case "getRequestURI" -> uri;
                    case "getHeader" -> headers.get((String) args[0]);
                    case "getAttribute" -> attributes.get((String) args[0]);
                    case "setAttribute" -> attributes.put((String) args[0], args[1]);
                    case "toString" -> "FakeRequest " + method + " " + uri;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException("HttpServletRequest." + m.getName());
                });
    }

    /** A response that records headers only (one entry per name; an added second value joins the first). */
    public static HttpServletResponse response(Map<String, String> headersOut) {
        return (HttpServletResponse) Proxy.newProxyInstance(Fakes.class.getClassLoader(),
                new Class<?>[] {HttpServletResponse.class},
                (proxy, m, args) -> switch (m.getName()) {
                    case "setHeader" -> headersOut.put((String) args[0], (String) args[1]);
                    // A second value shows as "first, second", so a test sees a header written twice.
                    case "addHeader" -> headersOut.merge((String) args[0], (String) args[1], (a, b) -> a + ", " + b);
                    case "containsHeader" -> headersOut.containsKey((String) args[0]);
                    case "toString" -> "FakeResponse";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> throw new UnsupportedOperationException("HttpServletResponse." + m.getName());
                });
    }
}
