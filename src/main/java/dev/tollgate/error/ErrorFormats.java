package dev.tollgate.error;

import com.fasterxml.jackson.core.JsonFactory;
import java.lang.reflect.InvocationTargetException;
import java.util.List;

/** Finds the format named by the {@code tollgate.error-format} context-param. */
final class ErrorFormats {

    static final List<String> BUILT_IN = List.of(Igny8Format.NAME);

    private ErrorFormats() {
    }

    /**
     * The built-in format {@code name}, or an instance of the class {@code name} (public, with a
     * public no-argument constructor, implementing {@link ErrorFormat}).
     */
    static ErrorFormat byName(String name, ClassLoader loader, JsonFactory json) {
        if (Igny8Format.NAME.equals(name)) {
            return new Igny8Format(json);
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
}
