package dev.tollgate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages of {@code src/main/java} depend on each other without a cycle, so that the folder
 * tree reads as the architecture: the filters' packages on the shared one ({@code internal}),
 * never the other way round. A dependency is a reference to another package's
 * name in a source file (an import or a qualified name).
 */
class PackageCyclesTest {

    private static final Path SOURCES = Path.of("src", "main", "java", "dev", "tollgate");
    private static final Pattern REFERENCE = Pattern.compile("\\bdev\\.tollgate\\.([a-z]+)\\.");

    @Test
    void shouldHaveNoCycleBetweenPackages() throws IOException {
        Map<String, Set<String>> uses = dependencies();
        assertTrue(uses.keySet().containsAll(List.of("apikey", "error", "internal", "ratelimit", "requestid")),
                "the packages were read: " + uses.keySet());
        List<String> cycles = new ArrayList<>();
        for (String start : uses.keySet()) {
            findCycles(start, start, new ArrayList<>(List.of(start)), uses, cycles);
        }
        assertEquals(List.of(), cycles, "package dependencies: " + uses);
    }

    /** Package (below dev.tollgate) to the other packages its sources name. */
    private static Map<String, Set<String>> dependencies() throws IOException {
        Map<String, Set<String>> uses = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Path relative = SOURCES.relativize(file);
                if (relative.getNameCount() < 2) {
                    continue;
                }
                String pkg = relative.getName(0).toString();
                Set<String> named = uses.computeIfAbsent(pkg, k -> new TreeSet<>());
                Matcher m = REFERENCE.matcher(Files.readString(file, StandardCharsets.UTF_8));
                while (m.find()) {
                    if (!m.group(1).equals(pkg) && Files.isDirectory(SOURCES.resolve(m.group(1)))) {
                        named.add(m.group(1));
                    }
                }
            }
        }
        return uses;
    }

    /** Adds to {@code cycles} every path from {@code at} back to {@code start}, once per cycle (from its smallest package). */
    private static void findCycles(String start, String at, List<String> path, Map<String, Set<String>> uses, List<String> cycles) {
        for (String next : uses.getOrDefault(at, Set.of())) {
            if (next.equals(start)) {
                cycles.add(String.join(" -> ", path) + " -> " + start);
            } else if (!path.contains(next) && next.compareTo(start) > 0) {
                path.add(next);
                findCycles(start, next, path, uses, cycles);
                path.remove(path.size() - 1);
            }
        }
    }
}
