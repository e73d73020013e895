package dev.tollgate.internal;

import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Reads and validates the init-params of one filter or servlet (or Tollgate's context-params) at
 * startup. Every problem becomes a {@link ServletException} that names the owner, the param, the
 * value and the rule, e.g. {@code RateLimitFilter: init-param [limits] has invalid value [100/0s]:
 * period must be positive}. A blank value means "use the default".
 */
public final class InitParams {

    /** Looks up one raw parameter value. */
    @FunctionalInterface
    public interface Source {
        String get(String name);
    }

    private final String owner;
    private final String kind;
    private final Source source;

    private InitParams(String owner, String kind, Source source) {
        this.owner = owner;
        this.kind = kind;
        this.source = source;
    }

    /** The init-params of {@code config}; any name outside {@code known} fails startup. */
    public static InitParams of(FilterConfig config, String owner, Set<String> known) throws ServletException {
        InitParams params = new InitParams(owner, "init-param", config::getInitParameter);
        params.rejectUnknown(config.getInitParameterNames(), known, "");
        return params;
    }

    /** The init-params of {@code config}; any name outside {@code known} fails startup. */
    public static InitParams of(ServletConfig config, String owner, Set<String> known) throws ServletException {
        InitParams params = new InitParams(owner, "init-param", config::getInitParameter);
        params.rejectUnknown(config.getInitParameterNames(), known, "");
        return params;
    }

    /**
     * The context-params of {@code context} that start with {@code prefix}; any such name outside
     * {@code known} fails startup (other context-params belong to other libraries).
     */
    public static InitParams ofContext(ServletContext context, String prefix, Set<String> known) throws ServletException {
        InitParams params = new InitParams("Tollgate", "context-param", context::getInitParameter);
        params.rejectUnknown(context.getInitParameterNames(), known, prefix);
        return params;
    }

    /** Params from any source, for code that configures a filter without {@code web.xml}. */
    public static InitParams of(String owner, Source source) {
        return new InitParams(owner, "init-param", source);
    }

    private void rejectUnknown(Enumeration<String> names, Set<String> known, String prefix) throws ServletException {
        for (String name : Collections.list(names)) {
            if (name.startsWith(prefix) && !known.contains(name)) {
                throw new ServletException(owner + ": unknown " + kind + " [" + name + "]; known names are "
                        + new TreeSet<>(known));
            }
        }
    }

    /** The trimmed value of {@code name}, or {@code null} when it is absent or blank. */
    public String valueOrNull(String name) {
        String value = source.get(name);
        if (value == null) {
            return null;
        }
        String trimmed = value.strip();
        return trimmed.isEmpty() ? null : trimmed;
    }

    public String string(String name, String defaultValue) {
        String value = valueOrNull(name);
        return value == null ? defaultValue : value;
    }

    public boolean bool(String name, boolean defaultValue) throws ServletException {
        String value = valueOrNull(name);
        if (value == null) {
            return defaultValue;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw invalid(name, value, "must be true or false");
        };
    }

    public int integer(String name, int defaultValue, int min, int max) throws ServletException {
        String value = valueOrNull(name);
        if (value == null) {
            return defaultValue;
        }
        int parsed;
        try {
            parsed = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw invalid(name, value, "must be an integer between " + min + " and " + max);
        }
        if (parsed < min || parsed > max) {
            throw invalid(name, value, "must be an integer between " + min + " and " + max);
        }
        return parsed;
    }

    /** One of {@code choices} (case-insensitive), returned in lower case. */
    public String choice(String name, String defaultValue, Set<String> choices) throws ServletException {
        String value = valueOrNull(name);
        if (value == null) {
            return defaultValue;
        }
        String lower = value.toLowerCase(Locale.ROOT);
        if (!choices.contains(lower)) {
            throw invalid(name, value, "must be one of " + new TreeSet<>(choices));
        }
        return lower;
    }

    /** A comma- or whitespace-separated list; empty when absent. */
    public List<String> list(String name) {
        String value = valueOrNull(name);
        if (value == null) {
            return List.of();
        }
        List<String> items = new ArrayList<>();
        for (String item : value.split("[,\\s]+")) {
            if (!item.isEmpty()) {
                items.add(item);
            }
        }
        return List.copyOf(items);
    }

    /**
     * Parses {@code name} with {@code parser}, which states its rule in the message of an
     * {@link IllegalArgumentException}; the default is parsed too, so it obeys the same rule.
     */
    public <T> T parse(String name, String defaultValue, Function<String, T> parser) throws ServletException {
        String value = valueOrNull(name);
        String text = value == null ? defaultValue : value;
        try {
            return parser.apply(text);
        } catch (IllegalArgumentException e) {
            throw invalid(name, text, e.getMessage());
        }
    }

    /**
     * Gives the value of {@code name}, when present, to {@code setter} (a builder's method), whose
     * {@link IllegalArgumentException} states the rule: it becomes the startup failure for the value.
     */
    public void ifPresent(String name, Consumer<String> setter) throws ServletException {
        String value = valueOrNull(name);
        if (value != null) {
            try {
                setter.accept(value);
            } catch (IllegalArgumentException e) {
                throw invalid(name, value, e.getMessage());
            }
        }
    }

    /** The startup failure for a bad value of {@code name}. */
    public ServletException invalid(String name, String value, String rule) {
        return new ServletException(owner + ": " + kind + " [" + name + "] has invalid value [" + value + "]: " + rule);
    }
}
