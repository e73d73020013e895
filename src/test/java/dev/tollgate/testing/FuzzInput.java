package dev.tollgate.testing;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * A fuzzer's bytes read as the text a fuzz target needs, so that every input is readable and a
 * seed is a plain text file: UTF-8 for configuration values, ISO-8859-1 for header bytes (as the
 * containers read them), split in lines for targets that take several values.
 */
public final class FuzzInput {

    private FuzzInput() {
    }

    /** The bytes as UTF-8; a malformed sequence becomes U+FFFD, as a container would read it. */
    public static String utf8(byte[] data) {
        return new String(data, StandardCharsets.UTF_8);
    }

    /** The bytes as ISO-8859-1: one character per byte, as HTTP header values are read. */
    public static String latin1(byte[] data) {
        return new String(data, StandardCharsets.ISO_8859_1);
    }

    /** The lines of {@code text}, split at {@code \n} only; empty lines are kept. */
    public static List<String> lines(String text) {
        return Arrays.asList(text.split("\n", -1));
    }

    /**
     * The choice called {@code name}, or, for any other name, the one its hash picks: a mutated
     * name still chooses, so the fuzzer never wastes an input on a name it cannot know.
     */
    public static <T> T pick(List<T> choices, String name, Function<T, String> nameOf) {
        for (T choice : choices) {
            if (nameOf.apply(choice).equals(name)) {
                return choice;
            }
        }
        return choices.get(Math.floorMod(name.hashCode(), choices.size()));
    }
}
