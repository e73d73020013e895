package dev.tollgate.sample;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.error.ApiException;
import dev.tollgate.error.FieldErrors;
import dev.tollgate.RequestIds;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The sample application: a few endpoints that succeed and fail the ways real ones do. */
public final class SampleServlets {

    private static final ObjectMapper JSON = new ObjectMapper();

    private SampleServlets() {
    }

    private static void json(HttpServletResponse resp, int status, Object body) throws IOException {
        resp.setStatus(status);
        resp.setContentType("application/json;charset=UTF-8");
        JSON.writeValue(resp.getOutputStream(), body);
    }

    /** GET /api/hello: 200 with the request id and the calling client. */
    public static final class Hello extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private static final Logger LOG = LoggerFactory.getLogger(Hello.class);

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            LOG.info("hello called");
            json(resp, 200, JSON.createObjectNode()
                    .put("success", true)
                    .put("message", "hello")
                    .put("client", req.getRemoteUser())
                    .put("request_id", RequestIds.get(req)));
        }
    }

    /** POST /api/users: validates a JSON body; 201 or 400 with field errors; malformed JSON is 400. */
    public static final class Users extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            JsonNode body = JSON.readTree(req.getInputStream());
            FieldErrors.Builder errors = FieldErrors.builder();
            String email = body == null ? "" : body.path("email").asText("");
            String password = body == null ? "" : body.path("password").asText("");
            if (email.isEmpty()) {
                errors.add("email", "required", "This field is required");
            } else if (!email.contains("@")) {
                errors.add("email", "invalid", "Invalid email format");
            }
            if (password.length() < 8) {
                errors.add("password", "too_short", "Password must be at least 8 characters");
            }
            FieldErrors found = errors.build();
            if (!found.isEmpty()) {
                throw ApiException.badRequest("Validation failed", found);
            }
            if (email.equals("taken@example.com")) {
                throw ApiException.conflict("Conflict", FieldErrors.builder()
                        .add("email", "taken", "User with this email already exists").build());
            }
            json(resp, 201, JSON.createObjectNode().put("success", true).put("email", email));
        }
    }

    /** GET /api/fail: a bug; its message holds a secret that must never reach the client. */
    public static final class Fail extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
            throw new IllegalStateException("Could not connect to jdbc:postgresql://db/prod?password=s3cret");
        }
    }

    /** GET /api/missing: answers with sendError(404), as much legacy code does. */
    public static final class Missing extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.sendError(404, "No such report");
        }
    }

    /**
     * GET /api/slow: answers asynchronously after 100 ms; {@code ?stall=true} never answers and
     * times out after one second (503).
     */
    public static final class Slow extends HttpServlet {
        private static final long serialVersionUID = 1L;
        private transient ScheduledExecutorService timer;

        @Override
        public void init() {
            timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "sample-slow-timer");
                t.setDaemon(true);
                return t;
            });
        }

        @Override
        public void destroy() {
            timer.shutdownNow();
        }

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
            AsyncContext async = req.startAsync();
            async.setTimeout(1000);
            if ("true".equals(req.getParameter("stall"))) {
                return;
            }
            String requestId = RequestIds.get(req);
            timer.schedule(() -> {
                try {
                    json((HttpServletResponse) async.getResponse(), 200,
                            JSON.createObjectNode().put("success", true).put("request_id", requestId));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                } finally {
                    async.complete();
                }
            }, 100, TimeUnit.MILLISECONDS);
        }
    }

    /** GET /health: for load balancers. */
    public static final class Health extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            json(resp, 200, JSON.createObjectNode().put("status", "up"));
        }
    }
}
