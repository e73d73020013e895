package dev.tollgate.error;

import dev.tollgate.internal.InitParams;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Decides which {@link ApiError} answers a throwable: an {@link ApiException} answers with its own
 * error; otherwise the nearest configured mapping (the thrown class or its nearest mapped
 * superclass) wins, walking {@code ServletException} root causes and cause chains from the
 * outside in, up to a depth limit; everything else is a 500. Mapped errors use the configured or
 * the status's generic message, never the exception's own.
 *
 * <p>It also tells the client's failures from the server's ({@link #clientFault}), by where a
 * failure came from, never by its message: a failure raised by reading this request's body, or a
 * container's bad-request type, is a bad request; one raised by writing this response, or a
 * container's client-abort type, means the client went away. Jackson's errors are 400
 * "Malformed JSON" only when their parser read the request body.
 */
final class ExceptionMapper {

    static final String MAPPINGS_PARAM = "exception-mappings";
    static final String DEPTH_PARAM = "max-cause-depth";
    static final Set<String> PARAMS = Set.of(MAPPINGS_PARAM, DEPTH_PARAM);
    static final int DEFAULT_DEPTH = 10;
    static final int MIN_DEPTH = 1;
    static final int MAX_DEPTH = 100;

    private static final String JACKSON_PARSE = "com.fasterxml.jackson.core.JsonProcessingException";
    private static final String JACKSON_PARSER = "com.fasterxml.jackson.core.JsonParser";
    private static final String JACKSON_BAD_DEFINITION = "com.fasterxml.jackson.databind.exc.InvalidDefinitionException";
    private static final ApiError MALFORMED_JSON = ApiError.of(400, ErrorCodes.MALFORMED_JSON, "Malformed JSON");

    /** What a failure says about the client. */
    enum ClientFault {
        /** Not the client's: map the failure as usual. */
        NONE,
        /** The client went away: nothing to answer. */
        GONE,
        /** The request (its body) could not be read: 400. */
        BAD_REQUEST
    }

    /**
     * The containers' own failure types, by class or interface name, and what each says. Tomcat's
     * {@code ClientAbortException} is a {@code BadRequestException}; Jetty 12 reports a request it
     * cannot parse (an early EOF included) with types that are also {@code EofException}s but are
     * {@code HttpException}s, as its {@code BadMessageException} is.
     */
    private static final Map<String, ClientFault> CONTAINER_TYPES = Map.of(
            "org.apache.catalina.connector.ClientAbortException", ClientFault.GONE,
            "org.apache.coyote.BadRequestException", ClientFault.BAD_REQUEST,
            "org.eclipse.jetty.io.EofException", ClientFault.GONE,
            "org.eclipse.jetty.http.HttpException", ClientFault.BAD_REQUEST,
            "org.eclipse.jetty.http.BadMessageException", ClientFault.BAD_REQUEST);

    /** {@code requestBodyOnly}: the built-in Jackson mapping, which holds only for a parser of the request body. */
    private record Mapping(ApiError error, boolean requestBodyOnly) {
    }

    /**
     * Jackson, looked up by name in the application's class loader (Jackson 2.13 or later tells a
     * parser's source); without it, no Jackson error is the client's.
     */
    private record Jackson(Class<?> error, Class<?> badDefinition, Class<?> parser, Method processor, Method enable,
            Object includeSource, Method location, Method contentReference, Method rawContent) {

        static final Jackson NONE = new Jackson(null, null, null, null, null, null, null, null, null);

        /**
         * The source that the parser of {@code thrown} read: the stream, reader or string it was
         * given. A parser forgets its stream when it closes, as it does on failure; its location
         * still names the stream once asked to include it, as Jackson did by default before 2.16.
         */
        Object source(Throwable thrown) throws ReflectiveOperationException {
            Object processor = this.processor.invoke(thrown);
            if (!parser.isInstance(processor)) {
                return null;
            }
            enable.invoke(processor, includeSource);
            Object reference = contentReference.invoke(location.invoke(processor));
            return reference == null ? null : rawContent.invoke(reference);
        }
    }

    private final Map<Class<?>, Mapping> mappings;
    private final int maxDepth;
    private final Jackson jackson;
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

    private ExceptionMapper(Map<Class<?>, Mapping> mappings, int maxDepth, Jackson jackson) {
        this.mappings = Map.copyOf(mappings);
        this.maxDepth = maxDepth;
        this.jackson = jackson;
    }

    /**
     * The built-in mapping (Jackson's parse and mapping errors of the request body to 400) plus
     * those in {@code params}.
     */
    static ExceptionMapper from(InitParams params, ClassLoader loader) throws ServletException {
        Map<Class<?>, ApiError> configured = params.parse(MAPPINGS_PARAM, null, spec -> parseMappings(spec, loader));
        return create(configured, params.integer(DEPTH_PARAM, DEFAULT_DEPTH, MIN_DEPTH, MAX_DEPTH), loader);
    }

    /**
     * The built-in mapping (Jackson's, looked up in {@code loader}) plus {@code configured}, as
     * {@link #parseMappings} made it; {@code maxDepth} already checked.
     */
    static ExceptionMapper create(Map<Class<?>, ApiError> configured, int maxDepth, ClassLoader loader) {
        Map<Class<?>, Mapping> mappings = new HashMap<>();
        Class<?> parseError = load(JACKSON_PARSE, loader);
        Jackson jackson = Jackson.NONE;
        if (parseError != null) {
            mappings.put(parseError, new Mapping(MALFORMED_JSON, true));
            jackson = jackson(parseError, loader);
        }
        configured.forEach((type, error) -> mappings.put(type, new Mapping(error, false)));
        return new ExceptionMapper(mappings, maxDepth, jackson);
    }

    /**
     * The mappings of an {@code exception-mappings} value ({@code null}: none), each class looked
     * up in {@code loader}.
     *
     * @throws IllegalArgumentException naming the entry and the rule it breaks
     */
    static Map<Class<?>, ApiError> parseMappings(String spec, ClassLoader loader) {
        Map<Class<?>, ApiError> mappings = new HashMap<>();
        if (spec != null) {
            for (String entry : spec.split("[,\\n]")) {
                String item = entry.strip();
                if (!item.isEmpty()) {
                    parseEntry(item, loader, mappings);
                }
            }
        }
        return Map.copyOf(mappings);
    }

    /** {@code max-cause-depth} in code: the rule of the init-param. */
    static int checkDepth(int depth) {
        if (depth < MIN_DEPTH || depth > MAX_DEPTH) {
            throw new IllegalArgumentException(DEPTH_PARAM + " [" + depth + "] must be an integer between " + MIN_DEPTH
                    + " and " + MAX_DEPTH);
        }
        return depth;
    }

    private static Jackson jackson(Class<?> parseError, ClassLoader loader) {
        Class<?> parser = load(JACKSON_PARSER, loader);
        Class<?> feature = load(JACKSON_PARSER + "$Feature", loader);
        Class<?> location = load("com.fasterxml.jackson.core.JsonLocation", loader);
        Class<?> reference = load("com.fasterxml.jackson.core.io.ContentReference", loader);
        if (parser == null || feature == null || location == null || reference == null) {
            return new Jackson(parseError, null, null, null, null, null, null, null, null);
        }
        try {
            return new Jackson(parseError, load(JACKSON_BAD_DEFINITION, loader), parser,
                    parseError.getMethod("getProcessor"), parser.getMethod("enable", feature),
                    includeSourceFeature(feature), parser.getMethod("currentLocation"),
                    location.getMethod("contentReference"), reference.getMethod("getRawContent"));
        } catch (NoSuchMethodException | IllegalArgumentException e) {
            // A Jackson older than 2.13: its parsers do not tell their source.
            return new Jackson(parseError, null, null, null, null, null, null, null, null);
        }
    }

    private static Object includeSourceFeature(Class<?> feature) {
        for (Object constant : feature.getEnumConstants()) {
            if (((Enum<?>) constant).name().equals("INCLUDE_SOURCE_IN_LOCATION")) {
                return constant;
            }
        }
        throw new IllegalArgumentException("no INCLUDE_SOURCE_IN_LOCATION");
    }

    /** Adds the mapping of one entry; {@code mappings} are the entries before it (Jackson's built-in is not among them). */
    private static void parseEntry(String item, ClassLoader loader, Map<Class<?>, ApiError> mappings) {
        int eq = item.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("entry [" + item + "] must be <exception class>=<status>[:<message>]");
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
            throw new IllegalArgumentException("status [" + statusText + "] of [" + className + "] must be 400-599");
        }
        Class<?> type = load(className, loader);
        if (type == null) {
            throw new IllegalArgumentException("exception class [" + className + "] not found");
        }
        if (!Throwable.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException("class [" + className + "] is not a Throwable");
        }
        if (mappings.containsKey(type) && !JACKSON_PARSE.equals(className)) {
            throw new IllegalArgumentException("exception class [" + className + "] is mapped twice");
        }
        String publicMessage = message == null || message.isEmpty() ? null : message;
        mappings.put(type, ApiError.builder(status).message(publicMessage).build());
    }

    private static Class<?> load(String name, ClassLoader loader) {
        try {
            return Class.forName(name, false, loader != null ? loader : ExceptionMapper.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    /** The error that answers {@code thrown}, when no request body is known (Jackson's errors are then 500). */
    ApiError map(Throwable thrown) {
        return map(thrown, source -> false);
    }

    /**
     * The error that answers {@code thrown}; {@code requestBody} tells whether a JSON parser's
     * source is the request body.
     */
    ApiError map(Throwable thrown, Predicate<Object> requestBody) {
        Throwable current = thrown;
        for (int depth = 0; current != null && depth < maxDepth; depth++) {
            if (current instanceof ApiException api) {
                return api.error();
            }
            Optional<Mapping> mapping = nearest.get(current.getClass());
            if (mapping.isPresent() && mapping.get().requestBodyOnly() && !readsRequestBody(current, requestBody)) {
                // Not the request body's JSON: whatever is mapped above Jackson's type applies.
                mapping = nearest.get(jackson.error().getSuperclass());
            }
            if (mapping.isPresent()) {
                return mapping.get().error();
            }
            current = next(current);
        }
        return ApiError.of(500);
    }

    private static Throwable next(Throwable current) {
        Throwable next = current instanceof ServletException se && se.getRootCause() != null
                ? se.getRootCause() : current.getCause();
        return next == current ? null : next;
    }

    /**
     * Whether Jackson error {@code thrown} came from a parser of the request body: a definition
     * problem (a type Jackson cannot build) is a server bug even then, and a generator's error is
     * never the client's.
     */
    private boolean readsRequestBody(Throwable thrown, Predicate<Object> requestBody) {
        if (jackson.processor() == null || (jackson.badDefinition() != null && jackson.badDefinition().isInstance(thrown))) {
            return false;
        }
        try {
            Object source = jackson.source(thrown);
            return source != null && requestBody.test(source);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // A processor that cannot tell its source: not known to be the client's.
            return false;
        }
    }

    /**
     * What {@code thrown} says about the client: a failure raised by reading the body of
     * {@code request} or a container's bad-request type is {@link ClientFault#BAD_REQUEST}; one
     * raised by writing {@code response} or a container's client-abort type is
     * {@link ClientFault#GONE}. Looks along the cause chain, the outermost answer winning.
     */
    ClientFault clientFault(Throwable thrown, BodyStreams.Request request, BodyStreams.Response response) {
        Throwable current = thrown;
        for (int depth = 0; current != null && depth < maxDepth; depth++) {
            if (request.isReadFailure(current)) {
                return ClientFault.BAD_REQUEST;
            }
            if (response.isWriteFailure(current)) {
                return ClientFault.GONE;
            }
            ClientFault fault = containerFault(current);
            if (fault != null) {
                return fault;
            }
            current = next(current);
        }
        return ClientFault.NONE;
    }

    /**
     * What the container's own type of {@code thrown} says, looking at its class, then its
     * interfaces, then its superclasses' in turn; {@code null} when it is no container type.
     */
    private static ClientFault containerFault(Throwable thrown) {
        for (Class<?> c = thrown.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
            ClientFault fault = CONTAINER_TYPES.get(c.getName());
            for (int i = 0; fault == null && i < c.getInterfaces().length; i++) {
                fault = CONTAINER_TYPES.get(c.getInterfaces()[i].getName());
            }
            if (fault != null) {
                return fault;
            }
        }
        return null;
    }

    /** The error of an ERROR dispatch, from the container's {@code jakarta.servlet.error.*} attributes. */
    ApiError fromErrorAttributes(ServletRequest request) {
        Object thrown = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
        Object status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        if (thrown instanceof Throwable t) {
            ApiError mapped = map(t);
            // A container that answers 4xx for an exception (Tomcat for a request body it could
            // not read) has judged it the client's: an unmapped exception does not make it a 500.
            if (mapped.status() == 500 && status instanceof Integer code && code >= 400 && code <= 499) {
                return ApiError.of(code);
            }
            return mapped;
        }
        if (status instanceof Integer code && code >= 400 && code <= 599) {
            return ApiError.of(code);
        }
        // Reached directly, not through an error page.
        return ApiError.of(404);
    }

    /**
     * Whether {@code thrown} is a container's own type for a client that went away (Tomcat's
     * {@code ClientAbortException}, Jetty's {@code EofException}), anywhere in the cause chain.
     * Never judged by a message: a "Connection reset" from the application's database is a 500.
     */
    static boolean isClientAbort(Throwable thrown) {
        Throwable current = thrown;
        for (int depth = 0; current != null && depth < DEFAULT_DEPTH; depth++) {
            if (containerFault(current) == ClientFault.GONE) {
                return true;
            }
            current = next(current);
        }
        return false;
    }
}
