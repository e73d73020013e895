package dev.tollgate.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.error.ApiException;
import dev.tollgate.error.FieldErrors;
import dev.tollgate.RequestIds;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.GenericServlet;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.MDC;

/** The application under test: servlets that succeed, fail in every way, and go async. */
public final class FoundationServlets {

    /** The secret that a failing servlet puts in its exception message; no body may contain it. */
    public static final String SECRET = "db-password=hunter2";

    private FoundationServlets() {
    }

    /** 200 with what the application sees: the request id attribute and the MDC. */
    public static final class Ok extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("application/json");
            String body = new ObjectMapper().createObjectNode()
                    .put("ok", true)
                    .put("attribute", RequestIds.get(req))
                    .put("mdc", MDC.get(RequestIds.MDC_KEY))
                    .put("remote_user", req.getRemoteUser())
                    .put("principal", req.getUserPrincipal() == null ? null : req.getUserPrincipal().getName())
                    .put("client_mdc", MDC.get("client_id"))
                    .put("client_attribute", (String) req.getAttribute("dev.tollgate.client_id"))
                    .put("key_header_visible", req.getHeader("X-API-KEY") != null)
                    .put("authorization_visible", req.getHeader("Authorization") != null)
                    .toString();
            resp.getWriter().write(body);
        }
    }

    /** Throws an ApiException with field errors (one field has two messages). */
    public static final class Validation extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) {
            throw ApiException.badRequest("Validation failed", FieldErrors.builder()
                    .add("email", "required", "This field is required")
                    .add("password", "too_short", "Password must be at least 8 characters")
                    .add("password", "Password must contain a digit")
                    .build());
        }
    }

    /** Throws what {@code ?kind=} says, with the secret in the message. */
    public static final class Boom extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws ServletException {
            String kind = req.getParameter("kind");
            if (kind == null) {
                throw new IllegalStateException("Lost connection: " + SECRET);
            }
            switch (kind) {
                case "mapped" -> throw new NoSuchElementException("no row " + SECRET);
                case "subclass" -> throw new NumberFormatException("bad number " + SECRET);
                case "wrapped" -> throw new ServletException("wrapper " + SECRET,
                        new RuntimeException("middle " + SECRET, new NoSuchElementException(SECRET)));
                case "servlet" -> throw new ServletException("plain " + SECRET);
                case "error" -> throw new AssertionError("assertion " + SECRET);
                default -> throw new IllegalArgumentException("kind " + SECRET);
            }
        }
    }

    /** Parses the request body with Jackson. */
    public static final class Json extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            new ObjectMapper().readTree(req.getInputStream());
            resp.setStatus(204);
        }
    }

    /** Calls sendError with {@code ?sc=} and, if given, {@code ?msg=}; then tries to write more. */
    public static final class SendError extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            int sc = Integer.parseInt(req.getParameter("sc"));
            String msg = req.getParameter("msg");
            if (msg == null) {
                resp.sendError(sc);
            } else {
                resp.sendError(sc, msg);
            }
            resp.getWriter().write("written after sendError");
        }
    }

    /** Answers GET only; refuses other methods with 405 after naming the allowed ones. */
    public static final class GetOnly extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.getWriter().write("get");
        }

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
            resp.setHeader("Allow", "GET, HEAD, OPTIONS");
            super.doPost(req, resp);
        }
    }

    /**
     * Answers GET only, as most servlets do: {@code HttpServlet}'s own {@code doPut},
     * {@code doPost} and {@code doDelete} refuse the other methods with a bare
     * {@code sendError(405)}, no {@code Allow}.
     */
    public static final class PlainGet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.getWriter().write("get");
        }
    }

    /** Answers GET and POST; {@code HttpServlet} refuses the rest with a bare {@code sendError(405)}. */
    public static final class GetAndPost extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.getWriter().write("get");
        }

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) {
            resp.setStatus(204);
        }
    }

    /** Not an {@code HttpServlet}: refuses every request with {@code sendError(405)}. */
    public static final class GenericRefusal extends GenericServlet {
        private static final long serialVersionUID = 1L;

        @Override
        public void service(ServletRequest req, ServletResponse res) throws IOException {
            ((HttpServletResponse) res).sendError(405);
        }
    }

    /**
     * Mapped before the error filter: refuses a POST itself with a bare {@code sendError(405)}, so
     * that the 405 goes to the container and its error page, as one from outside the error
     * filter does (Jetty shows error pages for GET, POST and HEAD only).
     */
    public static final class PostRefusal implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            if ("POST".equals(((HttpServletRequest) request).getMethod())) {
                ((HttpServletResponse) response).sendError(405);
                return;
            }
            chain.doFilter(request, response);
        }
    }

    /** Commits a response, then throws. */
    public static final class Committed extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("text/plain");
            resp.getWriter().write("partial answer");
            resp.flushBuffer();
            throw new IllegalStateException("after commit " + SECRET);
        }
    }

    /** Sets error headers, writes part of a body through the writer, then throws. */
    public static final class WriterThenThrow extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setHeader("Retry-After", "30");
            resp.setHeader("WWW-Authenticate", "ApiKey header=\"X-API-KEY\"");
            resp.setHeader("X-Throttle-Limit", "60");
            resp.setContentType("text/html");
            PrintWriter writer = resp.getWriter();
            writer.write("<html>half a page");
            throw ApiException.conflict("Conflict", FieldErrors.builder()
                    .add("email", "taken", "User with this email already exists").build());
        }
    }

    /**
     * {@code ?mode=error}: goes async and dispatches back, and the ASYNC dispatch throws;
     * {@code ?mode=timeout}: goes async and never completes; {@code ?mode=ok}: completes from
     * another thread.
     */
    public static final class Async extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
            String mode = req.getParameter("mode");
            if (req.getDispatcherType() == DispatcherType.ASYNC) {
                throw new IllegalStateException("async failure " + SECRET);
            }
            AsyncContext async = req.startAsync();
            switch (mode) {
                case "error" -> async.start(async::dispatch);
                case "timeout" -> async.setTimeout(300);
                default -> async.start(() -> {
                    try {
                        async.getResponse().setContentType("text/plain");
                        async.getResponse().getWriter().write("async ok");
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    } finally {
                        async.complete();
                    }
                });
            }
        }
    }

    /**
     * Mapped first: records any request whose MDC holds a request id or a client id before the
     * chain runs or after it returns, so a test can see that the MDC is always cleared.
     */
    public static final class MdcProbe implements Filter {
        public static final Queue<String> LEAKS = new ConcurrentLinkedQueue<>();
        private static final List<String> KEYS = List.of(RequestIds.MDC_KEY, "client_id");

        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            record("before");
            try {
                chain.doFilter(request, response);
            } finally {
                record("after");
            }
        }

        private static void record(String when) {
            for (String key : KEYS) {
                String value = MDC.get(key);
                if (value != null) {
                    LEAKS.add(when + ": " + key + "=" + value);
                }
            }
        }
    }
}
