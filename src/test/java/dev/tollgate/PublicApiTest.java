package dev.tollgate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The public types of the jar are exactly those the README's "API" section lists (the API, and
 * the few internal types that are public only because other packages of the jar use them), so
 * that neither can change without the other.
 */
class PublicApiTest {

    private static final Path CLASSES = Path.of("target", "classes");
    private static final Pattern LISTED = Pattern.compile("`(dev\\.tollgate(?:\\.[a-z]+)*\\.[A-Z][A-Za-z0-9]*)`");

    /** The public top-level types in target/classes. */
    private static Set<String> publicTypes() throws IOException, ClassNotFoundException {
        Set<String> names = new TreeSet<>();
        try (Stream<Path> files = Files.walk(CLASSES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class") && !f.getFileName().toString().contains("$")).toList()) {
                String relative = CLASSES.relativize(file).toString();
                String name = relative.substring(0, relative.length() - ".class".length()).replace(file.getFileSystem().getSeparator(), ".");
                if (name.endsWith("package-info")) {
                    continue;
                }
                Class<?> type = Class.forName(name, false, PublicApiTest.class.getClassLoader());
                if (Modifier.isPublic(type.getModifiers())) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    /** The types named in backticks in the README's "## API" section. */
    private static Set<String> readmeTypes() throws IOException {
        String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
        int start = readme.indexOf("\n## API\n");
        assertTrue(start >= 0, "README.md has an \"## API\" section");
        int end = readme.indexOf("\n## ", start + 1);
        String section = end < 0 ? readme.substring(start) : readme.substring(start, end);
        Set<String> names = new TreeSet<>();
        Matcher m = LISTED.matcher(section);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    @Test
    void shouldListEveryPublicTypeInTheReadme() throws Exception {
        assertEquals(readmeTypes(), publicTypes());
    }
}
