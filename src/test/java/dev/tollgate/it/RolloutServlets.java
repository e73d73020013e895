package dev.tollgate.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.ClientIdentity;
import dev.tollgate.RequestIds;
import dev.tollgate.apikey.ApiKeyFilter;
import dev.tollgate.error.ApiException;
import dev.tollgate.ratelimit.RateLimitFilter;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** The application of {@code src/test/webapps/rollout}. */
public final class RolloutServlets {

    /** The trace id that {@link AgentMdc} puts in the MDC, as an OpenTelemetry agent would. */
    public static final String AGENT_TRACE_ID = "0af7651916cd43dd8448eb211c80319c";

    private RolloutServlets() {
    }

    /**
     * Logs one line (whose MDC a test reads) and answers with what the application sees: the
     * report-only marks, the client, the ids. {@code /.../boom}: a 500.
     */
    public static final class Echo extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private static final Logger LOG = LoggerFactory.getLogger(Echo.class);

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            LOG.info("application log line for {}", req.getRequestURI());
            if (req.getRequestURI().endsWith("/boom")) {
                throw new IllegalStateException("boom");
            }
            if (req.getRequestURI().endsWith("/teapot")) {
                throw new ApiException(403, "Not for you");
            }
            ClientIdentity identity = ClientIdentity.of(req);
            resp.setContentType("application/json");
            resp.getWriter().write(new ObjectMapper().createObjectNode()
                    .put("key_would_reject", (String) req.getAttribute(ApiKeyFilter.WOULD_REJECT_ATTRIBUTE))
                    .put("limit_would_reject", (String) req.getAttribute(RateLimitFilter.WOULD_REJECT_ATTRIBUTE))
                    .put("remote_user", req.getRemoteUser())
                    .put("client", identity == null ? null : identity.clientId())
                    .put("request_id", RequestIds.get(req))
                    .put("trace_id", MDC.get("trace_id"))
                    .toString());
        }
    }

    /** Sets {@code trace_id} in the MDC around the chain and logs after it, as an agent owning the key would. */
    public static final class AgentMdc implements Filter {
        private static final Logger LOG = LoggerFactory.getLogger(AgentMdc.class);

        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            MDC.put("trace_id", AGENT_TRACE_ID);
            try {
                chain.doFilter(request, response);
                LOG.info("agent after the chain");
            } finally {
                MDC.remove("trace_id");
            }
        }
    }
}
