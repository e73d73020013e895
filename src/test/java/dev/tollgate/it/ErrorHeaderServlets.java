package dev.tollgate.it;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** Headers that outer filters and the application set before something below them fails. */
public final class ErrorHeaderServlets {

    private ErrorHeaderServlets() {
    }

    /**
     * Mapped before Tollgate's filters, like Tomcat's {@code HttpHeaderSecurityFilter} or a CORS
     * filter: sets security headers and two cookies before the chain runs.
     */
    public static final class SecurityHeaders implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            HttpServletResponse resp = (HttpServletResponse) response;
            resp.setHeader("Strict-Transport-Security", "max-age=31536000; includeSubDomains");
            resp.setHeader("X-Content-Type-Options", "nosniff");
            resp.setHeader("X-Frame-Options", "DENY");
            resp.setHeader("Content-Security-Policy", "default-src 'none'");
            resp.addHeader("Set-Cookie", "first=1; Path=/; HttpOnly");
            resp.addHeader("Set-Cookie", "second=2; Path=/; HttpOnly");
            chain.doFilter(request, response);
        }
    }

    /** Mapped for REQUEST only: marks the answers whose REQUEST dispatch ran the filters. */
    public static final class RequestOnlyHeader implements Filter {
        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            ((HttpServletResponse) response).setHeader("X-Request-Filter", "ran");
            chain.doFilter(request, response);
        }
    }

    /** Describes a body it starts, sets a header of its own, then throws. */
    public static final class BodyHeadersThenThrow extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("text/csv");
            resp.setHeader("Content-Disposition", "attachment; filename=\"report.csv\"");
            resp.setHeader("Content-Encoding", "gzip");
            resp.setHeader("Content-Range", "bytes 0-99/1000");
            resp.setHeader("ETag", "\"v1\"");
            resp.setDateHeader("Last-Modified", 0L);
            resp.setHeader("X-App-Version", "7");
            resp.getWriter().write("id,name\n");
            throw new IllegalStateException("half a report " + FoundationServlets.SECRET);
        }
    }
}
