package dev.tollgate.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Collections;
import java.util.Enumeration;
import org.slf4j.MDC;

/**
 * Echoes what the application sees of the client and of its credentials, through every getter
 * of headers and parameters. {@code ?async=strip}: goes async with a request that no longer
 * carries any key header or parameter and dispatches back, so the echo comes from the ASYNC
 * dispatch, which only passes if no key filter checks the key again.
 */
public final class KeyEchoServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;

    /** The credential headers and the query parameter echoed. */
    static final String[] HEADERS = {"X-API-KEY", "Authorization"};
    static final String PARAM = "api_key";

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        if ("strip".equals(req.getParameter("async")) && req.getDispatcherType() == DispatcherType.REQUEST) {
            AsyncContext async = req.startAsync(new WithoutCredentials(req), resp);
            async.start(async::dispatch);
            return;
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode body = json.createObjectNode()
                .put("dispatcher", req.getDispatcherType().name())
                .put("remote_user", req.getRemoteUser())
                .put("principal", req.getUserPrincipal() == null ? null : req.getUserPrincipal().getName())
                .put("client_mdc", MDC.get("client_id"))
                .put("client_attribute", (String) req.getAttribute("dev.tollgate.client_id"));
        for (String name : HEADERS) {
            ObjectNode header = body.putObject(name);
            header.put("header", req.getHeader(name));
            header.put("headers", Collections.list(req.getHeaders(name)).size());
            header.put("in_names", Collections.list(req.getHeaderNames()).stream().anyMatch(name::equalsIgnoreCase));
            try {
                header.put("date", req.getDateHeader(name));
            } catch (IllegalArgumentException e) {
                header.put("date", "threw");
            }
            try {
                header.put("int", req.getIntHeader(name));
            } catch (NumberFormatException e) {
                header.put("int", "threw");
            }
        }
        ObjectNode param = body.putObject(PARAM);
        param.put("parameter", req.getParameter(PARAM));
        param.put("values", req.getParameterValues(PARAM) == null ? 0 : req.getParameterValues(PARAM).length);
        param.put("in_map", req.getParameterMap().containsKey(PARAM));
        param.put("in_names", Collections.list(req.getParameterNames()).contains(PARAM));
        ArrayNode names = body.putArray("parameter_names");
        Collections.list(req.getParameterNames()).forEach(names::add);
        ArrayNode mapKeys = body.putArray("parameter_map");
        req.getParameterMap().keySet().forEach(mapKeys::add);
        body.put("a_values", String.join(",", req.getParameterValues("a") == null ? new String[0] : req.getParameterValues("a")));
        body.put("query", req.getQueryString());
        resp.setContentType("application/json");
        resp.getWriter().write(body.toString());
    }

    /** The request without the credential headers and the query (so without the key parameter). */
    private static final class WithoutCredentials extends HttpServletRequestWrapper {
        WithoutCredentials(HttpServletRequest request) {
            super(request);
        }

        private static boolean credential(String name) {
            for (String h : HEADERS) {
                if (h.equalsIgnoreCase(name)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public String getHeader(String name) {
            return credential(name) ? null : super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            return credential(name) ? Collections.emptyEnumeration() : super.getHeaders(name);
        }

        @Override
        public String getQueryString() {
            return null;
        }
    }
}
