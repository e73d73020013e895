package dev.tollgate.error;

import dev.tollgate.config.InitParams;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides which {@link ApiError} answers a throwable: an {@link ApiException} answers with its own
 * error; otherwise the nearest configured mapping (the thrown class or its nearest mapped
 * superclass) wins, walking {@code ServletException} root causes and cause chains from the
 * outside in, up to a depth limit; everything else is a 500. Mapped errors use the configured or
 * the status's generic message, never the exception's own.
 */
final class ExceptionMapper {

    static final String MAPPINGS_PARAM = "exception-mappings";
    static final String DEPTH_PARAM = "max-cause-depth";
    static final Set<String> PARAMS = Set.of(MAPPINGS_PARAM, DEPTH_PARAM);
    static final int DEFAULT_DEPTH = 10;

    private static final String JACKSON_PARSE = "com.fasterxml.jackson.core.JsonProcessingException";

    private record Mapping(ApiError error) {
    }

    private final Map<Class<?>, Mapping> mappings;
    private final int maxDepth;
    private final ClassValue<Optional<Mapping>> nearest = new ClassValue<>() {
        @Override
        protected Optional<Mapping> computeValue(Class<?> type) {
            for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
                Mapping m = mappings.get(c);
                if (m != null) {
                    return Optional.of(m);
                }
            }
            return Optional.empty();
        }
    };

    private ExceptionMapper(Map<Class<?>, Mapping> mappings, int maxDepth) {
        this.mappings = Map.copyOf(mappings);
        this.maxDepth = maxDepth;
    }

    /** The built-in mappings (Jackson parse/mapping errors to 400) plus those in {@code params}. */
    static ExceptionMapper from(InitParams params, ClassLoader loader) throws ServletException {
        Map<Class<?>, Mapping> mappings = new HashMap<>();
        Class<?> jackson = load(JACKSON_PARSE, loader);
        if (jackson != null) {
            mappings.put(jackson, new Mapping(ApiError.of(400, ErrorCodes.MALFORMED_JSON, "Malformed JSON")));
        }
        String spec = params.raw(MAPPINGS_PARAM);
        if (spec != null) {
            for (String entry : spec.split("[,\\n]")) {
                String item = entry.strip();
                if (!item.isEmpty()) {
                    parseEntry(params, spec, item, loader, mappings);
                }
            }
        }
        return new ExceptionMapper(mappings, params.integer(DEPTH_PARAM, DEFAULT_DEPTH, 1, 100));
    }

    private static void parseEntry(InitParams params, String spec, String item, ClassLoader loader,
            Map<Class<?>, Mapping> mappings) throws ServletException {
        int eq = item.indexOf('=');
        if (eq <= 0) {
            throw params.invalid(MAPPINGS_PARAM, spec, "entry [" + item + "] must be <exception class>=<status>[:<message>]");
        }
        String className = item.substring(0, eq).strip();
        String rest = item.substring(eq + 1).strip();
        int colon = rest.indexOf(':');
        String statusText = (colon < 0 ? rest : rest.substring(0, colon)).strip();
        String message = colon < 0 ? null : rest.substring(colon + 1).strip();
        int status;
        try {
            status = Integer.parseInt(statusText);
        } catch (NumberFormatException e) {
            status = -1;
        }
        if (status < 400 || status > 599) {
            throw params.invalid(MAPPINGS_PARAM, spec, "status [" + statusText + "] of [" + className + "] must be 400-599");
        }
        Class<?> type = load(className, loader);
        if (type == null) {
            throw params.invalid(MAPPINGS_PARAM, spec, "exception class [" + className + "] not found");
        }
        if (!Throwable.class.isAssignableFrom(type)) {
            throw params.invalid(MAPPINGS_PARAM, spec, "class [" + className + "] is not a Throwable");
        }
        if (mappings.containsKey(type) && !JACKSON_PARSE.equals(className)) {
            throw params.invalid(MAPPINGS_PARAM, spec, "exception class [" + className + "] is mapped twice");
        }
        String publicMessage = message == null || message.isEmpty() ? null : message;
        mappings.put(type, new Mapping(ApiError.builder(status).message(publicMessage).build()));
    }

    private static Class<?> load(String name, ClassLoader loader) {
        try {
            return Class.forName(name, false, loader != null ? loader : ExceptionMapper.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    /** The error that answers {@code thrown}. */
    ApiError map(Throwable thrown) {
        Throwable current = thrown;
        for (int depth = 0; current != null && depth < maxDepth; depth++) {
            if (current instanceof ApiException api) {
                return api.error();
            }
            Optional<Mapping> mapping = nearest.get(current.getClass());
            if (mapping.isPresent()) {
                return mapping.get().error();
            }
            Throwable next = current instanceof ServletException se && se.getRootCause() != null
                    ? se.getRootCause() : current.getCause();
            current = next == current ? null : next;
        }
        return ApiError.of(500);
    }

    /** The error of an ERROR dispatch, from the container's {@code jakarta.servlet.error.*} attributes. */
    ApiError fromErrorAttributes(ServletRequest request) {
        Object thrown = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
        if (thrown instanceof Throwable t) {
            return map(t);
        }
        Object status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        if (status instanceof Integer code && code >= 400 && code <= 599) {
            return ApiError.of(code);
        }
        // Reached directly, not through an error page.
        return ApiError.of(404);
    }

    /** Whether {@code thrown} says the client went away (Tomcat's ClientAbortException, Jetty's EofException, a reset). */
    static boolean isClientAbort(Throwable thrown) {
        Throwable current = thrown;
        for (int depth = 0; current != null && depth < DEFAULT_DEPTH; depth++) {
            String name = current.getClass().getSimpleName();
            if (name.equals("ClientAbortException") || name.equals("EofException")) {
                return true;
            }
            if (current instanceof IOException) {
                String message = current.getMessage();
                if (message != null && (message.contains("Broken pipe") || message.contains("Connection reset"))) {
                    return true;
                }
            }
            current = current.getCause() == current ? null : current.getCause();
        }
        return false;
    }
}
