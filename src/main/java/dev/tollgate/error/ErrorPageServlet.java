package dev.tollgate.error;

import dev.tollgate.internal.InitParams;
import jakarta.servlet.GenericServlet;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * The target of {@code <error-page>}: renders the container's own errors (an unmapped URL, a
 * method the container refuses, an exception that escaped every filter) as JSON in the
 * application's error format, from the {@code jakarta.servlet.error.*} attributes. Tomcat answers
 * some requests before any REQUEST filter runs; only an error page reaches them. Every HTTP method
 * is answered, since the error dispatch keeps the original method. Reached directly, it answers 404.
 * A 405 without {@code Allow} gets the one of the servlet the container names in
 * {@code jakarta.servlet.error.servlet_name} (see {@link ErrorRenderer}).
 *
 * <p>Init-params: {@code exception-mappings} and {@code max-cause-depth}, as for
 * {@link ErrorRenderingFilter}.
 *
 * <pre>{@code
 * <servlet>
 *   <servlet-name>tollgate-error</servlet-name>
 *   <servlet-class>dev.tollgate.error.ErrorPageServlet</servlet-class>
 * </servlet>
 * <servlet-mapping>
 *   <servlet-name>tollgate-error</servlet-name>
 *   <url-pattern>/tollgate-error</url-pattern>
 * </servlet-mapping>
 * <error-page>
 *   <location>/tollgate-error</location>
 * </error-page>
 * }</pre>
 */
public final class ErrorPageServlet extends GenericServlet {

    private static final long serialVersionUID = 1L;

    private transient ErrorRenderer renderer;
    private transient ExceptionMapper mapper;

    @Override
    public void init() throws ServletException {
        InitParams params = InitParams.of(getServletConfig(), "ErrorPageServlet", ExceptionMapper.PARAMS);
        mapper = ExceptionMapper.from(params, getServletContext().getClassLoader());
        renderer = ErrorRenderer.forContext(getServletContext());
    }

    @Override
    public void service(ServletRequest request, ServletResponse response) throws ServletException, IOException {
        if (!(request instanceof HttpServletRequest req) || !(response instanceof HttpServletResponse resp)) {
            throw new ServletException("ErrorPageServlet answers HTTP requests only");
        }
        ErrorRenderingFilter.renderErrorDispatch(renderer, mapper, req, resp);
    }
}
