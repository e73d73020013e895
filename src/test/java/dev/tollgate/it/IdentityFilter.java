package dev.tollgate.it;

import dev.tollgate.ClientIdentity;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;

/**
 * The application's own authentication, in place of the key filter: the client is the
 * {@code X-User} header, its plan the {@code X-Plan} header (none without it).
 */
public final class IdentityFilter implements Filter {

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String user = ((HttpServletRequest) request).getHeader("X-User");
        if (user != null) {
            ClientIdentity.set(request, ClientIdentity.of(user, ((HttpServletRequest) request).getHeader("X-Plan"), "test"));
        }
        chain.doFilter(request, response);
    }
}
