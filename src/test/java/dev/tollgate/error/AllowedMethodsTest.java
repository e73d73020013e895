package dev.tollgate.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.tollgate.testing.Fakes;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.GenericServlet;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link AllowedMethods} over real servlet classes, as the container's {@code HttpServlet.doOptions}
 * answers for them: the methods a class declares, then the part the container adds to every
 * servlet (on this test class path the Servlet API's {@code HttpServlet}: TRACE, OPTIONS).
 */
class AllowedMethodsTest {

    private final AllowedMethods allowed = new AllowedMethods();
    /** What the container's {@code doOptions} says for a servlet that declares no {@code doXxx}. */
    private final String container = allow(DeclaresNothing.class);

    @Test
    void shouldAddOptionsAndTraceAsTheServletApiHas() {
        assertEquals("TRACE, OPTIONS", container);
    }

    @Test
    void shouldNameTheDoMethodsDeclaredWithHeadForGet() {
        assertEquals("GET, HEAD, " + container, allow(GetOnly.class));
        assertEquals("GET, HEAD, POST, PUT, DELETE, " + container, allow(Crud.class));
    }

    @Test
    void shouldNameTheDoMethodsOfSuperclassesBelowHttpServlet() {
        assertEquals("GET, HEAD, POST, " + container, allow(PostOnTopOfGet.class));
    }

    /** A servlet that overrides service() but still declares doXxx dispatches to them (as Spring's does). */
    @Test
    void shouldTrustTheDoMethodsOfAServletWithItsOwnService() {
        assertEquals("GET, HEAD, " + container, allow(ServiceAndGet.class));
    }

    @Test
    void shouldKnowNothingOfAServletThatServesFromItsServiceOnlyOrIsNoHttpServlet() {
        assertNull(allow(ServiceOnly.class));
        assertNull(allow(Generic.class));
    }

    @Test
    void shouldKnowNothingOfAClassThatCannotBeLoadedOrAServletWithoutClass() {
        assertNull(allowed.of(request(DispatcherType.REQUEST, "missing", Map.of("missing", "com.example.NoSuchServlet")),
                Fakes.response(new HashMap<>())));
        assertNull(allowed.of(request(DispatcherType.REQUEST, "unregistered", Map.of()), Fakes.response(new HashMap<>())));
    }

    /** On an ERROR dispatch the mapping is the error page's own: the container names the servlet. */
    @Test
    void shouldTakeTheServletOfAnErrorDispatchFromTheErrorAttributes() {
        Map<String, String> classes = Map.of("error-page", ServiceOnly.class.getName(), "app", GetOnly.class.getName());
        HttpServletRequest error = request(DispatcherType.ERROR, "error-page", classes);
        assertNull(allowed.of(error, Fakes.response(new HashMap<>())), "no servlet named: nothing known");
        error.setAttribute(RequestDispatcher.ERROR_SERVLET_NAME, "app");
        assertEquals("GET, HEAD, " + container, allowed.of(error, Fakes.response(new HashMap<>())));
    }

    @Test
    void shouldAnswerTheSameForAClassItRemembers() {
        String first = allow(Crud.class);
        assertEquals(first, allow(Crud.class));
    }

    private String allow(Class<?> servlet) {
        HttpServletRequest request = request(DispatcherType.REQUEST, "s", Map.of("s", servlet.getName()));
        Map<String, String> headers = new HashMap<>();
        String allow = allowed.of(request, Fakes.response(headers));
        assertEquals(Map.of(), headers, "the container's doOptions writes nothing to the response");
        return allow;
    }

    /** A request mapped to servlet {@code servletName}, in a context whose servlets have the {@code classes}. */
    private static HttpServletRequest request(DispatcherType type, String servletName, Map<String, String> classes) {
        ServletContext context = (ServletContext) Proxy.newProxyInstance(AllowedMethodsTest.class.getClassLoader(),
                new Class<?>[] {ServletContext.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "getServletRegistration" -> classes.containsKey((String) args[0])
                            ? registration(classes.get((String) args[0])) : null;
                    case "getClassLoader" -> AllowedMethodsTest.class.getClassLoader();
                    default -> throw new UnsupportedOperationException("ServletContext." + m.getName());
                });
        HttpServletMapping mapping = (HttpServletMapping) Proxy.newProxyInstance(AllowedMethodsTest.class.getClassLoader(),
                new Class<?>[] {HttpServletMapping.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "getServletName" -> servletName;
                    default -> throw new UnsupportedOperationException("HttpServletMapping." + m.getName());
                });
        HttpServletRequest base = Fakes.request("PUT", "/x", Map.of());
        return (HttpServletRequest) Proxy.newProxyInstance(AllowedMethodsTest.class.getClassLoader(),
                new Class<?>[] {HttpServletRequest.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "getDispatcherType" -> type;
                    case "getHttpServletMapping" -> mapping;
                    case "getServletContext" -> context;
                    default -> m.invoke(base, args);
                });
    }

    private static ServletRegistration registration(String className) {
        return (ServletRegistration) Proxy.newProxyInstance(AllowedMethodsTest.class.getClassLoader(),
                new Class<?>[] {ServletRegistration.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "getClassName" -> className;
                    default -> throw new UnsupportedOperationException("ServletRegistration." + m.getName());
                });
    }

    static class DeclaresNothing extends HttpServlet {
        private static final long serialVersionUID = 1L;
    }

    static class GetOnly extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
        }
    }

    static class Crud extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doDelete(HttpServletRequest req, HttpServletResponse resp) {
        }

        @Override
        protected void doPut(HttpServletRequest req, HttpServletResponse resp) {
        }

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) {
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
        }
    }

    static class PostOnTopOfGet extends GetOnly {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) {
        }
    }

    static class ServiceAndGet extends GetOnly {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) {
        }
    }

    static class ServiceOnly extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) {
        }
    }

    static class Generic extends GenericServlet {
        private static final long serialVersionUID = 1L;

        @Override
        public void service(ServletRequest req, ServletResponse res) {
        }
    }
}
