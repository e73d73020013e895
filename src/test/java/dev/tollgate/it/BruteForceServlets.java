package dev.tollgate.it;

import dev.tollgate.error.ApiException;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A legacy login endpoint and a priced API: each servlet counts its calls per path and client
 * address, so a test sees which attempts reached the application.
 */
public final class BruteForceServlets {

    /** The one right password. */
    static final String PASSWORD = "open-sesame";

    private static final ConcurrentMap<String, AtomicInteger> CALLS = new ConcurrentHashMap<>();

    private BruteForceServlets() {
    }

    /** Forgets the calls so far (each container's cases count their own). */
    static void reset() {
        CALLS.clear();
    }

    /** How often {@code path} was served to {@code address}. */
    static int calls(String path, String address) {
        AtomicInteger calls = CALLS.get(path + " " + address);
        return calls == null ? 0 : calls.get();
    }

    private static void called(HttpServletRequest req) {
        CALLS.computeIfAbsent(req.getRequestURI() + " " + req.getRemoteAddr(), k -> new AtomicInteger()).incrementAndGet();
    }

    /**
     * 200 for the right {@code password} parameter, else 401 the way {@code ?how=} says:
     * {@code sendError(401)} (the default, as legacy code does), {@code status} (setStatus and a
     * body of its own) or {@code throw} (an {@link ApiException}).
     */
    private static void answer(String password, String how, HttpServletResponse resp) throws IOException {
        if (PASSWORD.equals(password)) {
            resp.setContentType("application/json");
            resp.getWriter().write("{\"ok\":true}");
            return;
        }
        switch (how == null ? "send-error" : how) {
            case "status" -> {
                resp.setStatus(401);
                resp.setContentType("application/json");
                resp.getWriter().write("{\"ok\":false}");
            }
            case "throw" -> throw ApiException.unauthorized("Wrong user or password");
            default -> resp.sendError(401);
        }
    }

    /** The login form's target. */
    public static final class Login extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            called(req);
            answer(req.getParameter("password"), req.getParameter("how"), resp);
        }
    }

    /** The same answer, given from another thread after {@code startAsync}. */
    public static final class AsyncLogin extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) {
            called(req);
            String password = req.getParameter("password");
            String how = req.getParameter("how");
            AsyncContext async = req.startAsync(req, resp);
            async.start(() -> {
                try {
                    answer(password, how, (HttpServletResponse) async.getResponse());
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                } finally {
                    async.complete();
                }
            });
        }
    }

    /** 200 for every call. */
    public static final class Priced extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            called(req);
            resp.setContentType("application/json");
            resp.getWriter().write("{\"ok\":true}");
        }
    }
}
