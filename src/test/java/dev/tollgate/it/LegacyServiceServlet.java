package dev.tollgate.it;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A legacy servlet that overrides {@code service()}: it answers every method, {@code OPTIONS}
 * included, with its data, and logs one line each time it runs, so a test can tell that it never ran.
 */
public final class LegacyServiceServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(LegacyServiceServlet.class);

    /** What the servlet answers with, whatever the method. */
    static final String SECRET = "legacy-secret-data";

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        LOG.info("legacy service ran for {} {}", req.getMethod(), req.getRequestURI());
        resp.setContentType("text/plain");
        resp.getWriter().write(SECRET + " for " + req.getMethod());
    }
}
