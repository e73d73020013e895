package dev.tollgate.it;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** An application that goes async and then fails in the ways an async application can. */
public final class AsyncErrorServlets {

    /** Far longer than any test waits: an answer that needs it is an answer that hangs. */
    static final long LONG_TIMEOUT_MILLIS = 60_000;
    /** Counted down by the container's {@code onComplete}, by request id. */
    static final ConcurrentMap<String, CountDownLatch> COMPLETED = new ConcurrentHashMap<>();
    /** What the application's own thread got from {@code sendError}/{@code complete()}, by request id, if it failed. */
    static final ConcurrentMap<String, String> COMPLETE_FAILURES = new ConcurrentHashMap<>();
    private static final String RETURNED = "test.dispatch-returned";

    private AsyncErrorServlets() {
    }

    static CountDownLatch completed(String requestId) {
        return COMPLETED.computeIfAbsent(requestId, id -> new CountDownLatch(1));
    }

    /** Mapped first: tells the application's own thread that the dispatch (every filter) returned. */
    public static final class DispatchReturned implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            try {
                chain.doFilter(request, response);
            } finally {
                if (request.getAttribute(RETURNED) instanceof CountDownLatch returned) {
                    returned.countDown();
                }
            }
        }
    }

    /**
     * {@code ?start=plain} calls {@code startAsync()} (the container's response), {@code ?start=wrapped}
     * {@code startAsync(req, resp)} (the response the filters passed down). Then {@code ?then=}:
     * {@code send-error}: once the dispatch returned, another thread calls {@code sendError(404)},
     * tries to write (with the wrapped response) and calls {@code complete()};
     * {@code early-send-error}: another thread calls {@code sendError(404)} before the dispatch
     * returns and {@code complete()} after; {@code throw}: this thread throws;
     * {@code timeout}: nothing, with a 300 ms timeout.
     */
    public static final class AsyncFailure extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
            AsyncContext async = "wrapped".equals(req.getParameter("start")) ? req.startAsync(req, resp) : req.startAsync();
            async.setTimeout(LONG_TIMEOUT_MILLIS);
            async.addListener(new CompletionRecorder(completed(req.getHeader("X-Request-ID"))));
            switch (req.getParameter("then")) {
                case "send-error" -> {
                    CountDownLatch returned = new CountDownLatch(1);
                    req.setAttribute(RETURNED, returned);
                    boolean writeAfter = "wrapped".equals(req.getParameter("start"));
                    new Thread(() -> sendErrorAndComplete(async, null, returned, writeAfter), "app-worker").start();
                }
                case "early-send-error" -> {
                    CountDownLatch returned = new CountDownLatch(1);
                    CountDownLatch sent = new CountDownLatch(1);
                    req.setAttribute(RETURNED, returned);
                    new Thread(() -> sendErrorAndComplete(async, sent, returned, false), "app-worker").start();
                    await(sent);
                }
                case "throw" -> throw new IllegalStateException("async start failed " + FoundationServlets.SECRET);
                case "timeout" -> async.setTimeout(300);
                default -> throw new IllegalArgumentException("then");
            }
        }

        /**
         * Calls {@code sendError(404)} before ({@code sent} not null: and says so) or after the
         * dispatch returned, then {@code complete()} once it returned; records a failing complete.
         */
        private static void sendErrorAndComplete(AsyncContext async, CountDownLatch sent, CountDownLatch returned,
                boolean writeAfter) {
            String id = ((HttpServletRequest) async.getRequest()).getHeader("X-Request-ID");
            try {
                if (sent == null) {
                    await(returned);
                }
                ((HttpServletResponse) async.getResponse()).sendError(404);
                if (writeAfter) {
                    // Through Tollgate's wrapper only: on the container's own response a write after
                    // sendError races with the container's error dispatch from this thread.
                    async.getResponse().getWriter().write("written after sendError");
                }
                if (sent != null) {
                    sent.countDown();
                    await(returned);
                }
                async.complete();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (RuntimeException e) {
                COMPLETE_FAILURES.put(id, e.toString());
                throw e;
            }
        }

        private static void await(CountDownLatch latch) {
            try {
                if (!latch.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("waited 10 s in vain");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private record CompletionRecorder(CountDownLatch completed) implements AsyncListener {
        @Override
        public void onComplete(AsyncEvent event) {
            completed.countDown();
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            // The filter's listener answers.
        }

        @Override
        public void onError(AsyncEvent event) {
            // The filter's listener answers.
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            // One async cycle only.
        }
    }
}
