package dev.tollgate.it;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.SocketException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/** The application of {@code src/test/webapps/client-faults}: failures that are the client's, and look-alikes that are not. */
public final class ClientFaultServlets {

    private ClientFaultServlets() {
    }

    /** Outermost filter: records each request's path once every filter below it is done with it. */
    public static final class Finished implements Filter {
        public static final BlockingQueue<String> PATHS = new LinkedBlockingQueue<>();

        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            try {
                chain.doFilter(request, response);
            } finally {
                PATHS.add(((HttpServletRequest) request).getRequestURI());
            }
        }
    }

    /** Fails as a JDBC driver or an HTTP client does when its backend drops the connection. */
    public static final class BackendReset extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException, ServletException {
            String message = req.getParameter("msg") == null ? "Connection reset" : req.getParameter("msg");
            SocketException reset = new SocketException(message);
            if (req.getParameter("wrap") != null) {
                throw new ServletException("query failed", reset);
            }
            throw reset;
        }
    }

    /** Streams a body far larger than any socket buffer; says in {@link #OUTCOMES} how it ended. */
    public static final class Stream extends HttpServlet {
        private static final long serialVersionUID = 1L;
        public static final BlockingQueue<String> OUTCOMES = new LinkedBlockingQueue<>();

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("application/octet-stream");
            byte[] chunk = new byte[64 * 1024];
            ServletOutputStream out = resp.getOutputStream();
            try {
                for (int i = 0; i < 4096; i++) {
                    out.write(chunk);
                    out.flush();
                }
            } catch (IOException | RuntimeException e) {
                OUTCOMES.add("failed: " + e);
                throw e;
            }
            OUTCOMES.add("completed");
        }
    }

    /** Reads the whole body ({@code ?reader} through the reader) and says how much arrived. */
    public static final class ReadBody extends HttpServlet {
        private static final long serialVersionUID = 1L;
        /** One entry each time the servlet starts reading. */
        public static final BlockingQueue<String> STARTED = new LinkedBlockingQueue<>();

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            STARTED.add(req.getRequestURI());
            long length;
            if (req.getParameter("reader") != null) {
                length = req.getReader().transferTo(java.io.Writer.nullWriter());
            } else {
                length = req.getInputStream().readAllBytes().length;
            }
            resp.setContentType("text/plain");
            resp.getWriter().write("read " + length);
        }
    }

    /** Parses the request body with Jackson ({@code ?reader} through the reader). */
    public static final class JsonBody extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            ObjectMapper json = new ObjectMapper();
            if (req.getParameter("reader") != null) {
                json.readTree(req.getReader());
            } else {
                json.readTree(req.getInputStream());
            }
            resp.setStatus(204);
        }
    }

    /** Parses a backend's answer that is not JSON: the server's failure, not the client's. */
    public static final class JsonBackend extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String backendAnswer = "{\"stock\": <html>Bad gateway</html>";
            new ObjectMapper().readTree(backendAnswer);
            resp.setStatus(204);
        }
    }

    /** Serialises a bean Jackson cannot serialise into the response: a server bug. */
    public static final class JsonSerialize extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            String body = new ObjectMapper().writeValueAsString(new Opaque());
            resp.setContentType("application/json");
            resp.getWriter().write(body);
        }
    }

    /** No properties: Jackson refuses to serialise it (FAIL_ON_EMPTY_BEANS). */
    public static final class Opaque {
    }
}
