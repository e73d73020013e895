package dev.tollgate.error;

import com.fasterxml.jackson.core.JsonFactory;
import dev.tollgate.internal.InitParams;
import jakarta.servlet.ServletException;
import java.lang.reflect.InvocationTargetException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Finds the format and the status overrides named by Tollgate's context-params. */
final class ErrorFormats {

    static final String STATUS_OVERRIDES_PARAM = "tollgate.status-overrides";
    static final List<String> BUILT_IN = List.of(SuccessFlagFormat.NAME, ProblemFormat.NAME, CodeMessageDataFormat.NAME,
            ErrorListFormat.NAME, ErrorCodeMessageFormat.NAME);
    static final Set<String> CONTEXT_PARAMS = Set.of(ErrorRenderer.FORMAT_PARAM, STATUS_OVERRIDES_PARAM,
            ProblemFormat.TYPE_BASE_PARAM, ProblemFormat.HELP_PARAM);

    private static final Pattern CODE = Pattern.compile("[a-z0-9_]{1,64}");

    private ErrorFormats() {
    }

    /** The format chosen by the context-params, wrapped with the status overrides if any. */
    static ErrorFormat fromContext(InitParams params, ClassLoader loader, JsonFactory json) throws ServletException {
        ErrorFormat format = params.parse(ErrorRenderer.FORMAT_PARAM, SuccessFlagFormat.NAME, name -> byName(name, loader, json,
                params.valueOrNull(ProblemFormat.TYPE_BASE_PARAM), params.valueOrNull(ProblemFormat.HELP_PARAM)));
        Map<String, Integer> overrides = params.parse(STATUS_OVERRIDES_PARAM, "", ErrorFormats::parseOverrides);
        return overrides.isEmpty() ? format : new Overridden(format, overrides);
    }

    /**
     * The built-in format {@code name}, or an instance of the class {@code name} (public, with a
     * public no-argument constructor, implementing {@link ErrorFormat}).
     */
    static ErrorFormat byName(String name, ClassLoader loader, JsonFactory json, String typeBase, String helpUrl) {
        switch (name) {
            case SuccessFlagFormat.NAME:
                return new SuccessFlagFormat(json);
            case ProblemFormat.NAME:
                return new ProblemFormat(json, typeBase, helpUrl);
            case CodeMessageDataFormat.NAME:
                return new CodeMessageDataFormat(json);
            case ErrorListFormat.NAME:
                return new ErrorListFormat(json);
            case ErrorCodeMessageFormat.NAME:
                return new ErrorCodeMessageFormat(json);
            default:
                break;
        }
        if (!name.contains(".")) {
            throw new IllegalArgumentException(rule());
        }
        Class<?> type;
        try {
            type = Class.forName(name, true, loader != null ? loader : ErrorFormats.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalArgumentException("class not found; " + rule());
        }
        if (!ErrorFormat.class.isAssignableFrom(type)) {
            throw new IllegalArgumentException("class does not implement " + ErrorFormat.class.getName() + "; " + rule());
        }
        try {
            return (ErrorFormat) type.getConstructor().newInstance();
        } catch (NoSuchMethodException | InstantiationException | IllegalAccessException e) {
            throw new IllegalArgumentException("class needs a public no-argument constructor; " + rule());
        } catch (InvocationTargetException e) {
            throw new IllegalArgumentException("constructor failed (" + e.getCause() + "); " + rule());
        }
    }

    private static String rule() {
        return "must be one of " + BUILT_IN + " or the name of a class implementing " + ErrorFormat.class.getName();
    }

    /** Parses {@code invalid_api_key=403, expired_api_key=402}. */
    static Map<String, Integer> parseOverrides(String text) {
        Map<String, Integer> overrides = new HashMap<>();
        for (String item : text.split("[,\\s]+")) {
            if (item.isEmpty()) {
                continue;
            }
            int eq = item.indexOf('=');
            String code = eq < 0 ? item : item.substring(0, eq);
            if (eq <= 0 || !CODE.matcher(code).matches()) {
                throw new IllegalArgumentException("entry [" + item + "] must be <code>=<status>, like invalid_api_key=403");
            }
            int status;
            try {
                status = Integer.parseInt(item.substring(eq + 1));
            } catch (NumberFormatException e) {
                status = -1;
            }
            if (status < 400 || status > 599) {
                throw new IllegalArgumentException("status of [" + code + "] must be 400-599");
            }
            if (overrides.put(code, status) != null) {
                throw new IllegalArgumentException("code [" + code + "] is given twice");
            }
        }
        return Map.copyOf(overrides);
    }

    /** A format whose statuses for some codes are overridden by the application. */
    private record Overridden(ErrorFormat format, Map<String, Integer> overrides) implements ErrorFormat {
        @Override
        public String contentType() {
            return format.contentType();
        }

        @Override
        public int status(ApiError error) {
            Integer status = overrides.get(error.code());
            return status != null ? status : format.status(error);
        }

        @Override
        public byte[] write(ApiError error) {
            return format.write(error);
        }
    }
}
