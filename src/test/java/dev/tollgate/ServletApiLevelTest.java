package dev.tollgate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The main jar promises to run on Servlet 5.0 containers (Jetty 11, Tomcat 10.0) while it is built
 * against a newer API. This compiles {@code src/main/java} against the Servlet 5.0 API jar, with
 * the rest of the main classpath unchanged, so a call to anything newer fails the build.
 */
class ServletApiLevelTest {

    private static final Path LEVEL_DIR = Path.of("target", "servlet-api-level");

    @Test
    void mainSourcesCompileAgainstServlet50(@TempDir Path out) throws IOException {
        List<Path> sources;
        try (Stream<Path> files = Files.walk(Path.of("src", "main", "java"))) {
            sources = files.filter(f -> f.toString().endsWith(".java")).sorted().collect(Collectors.toList());
        }
        assertFalse(sources.isEmpty(), "no main sources found under src/main/java");

        List<Diagnostic<? extends JavaFileObject>> errors = compile(sources, out);

        assertEquals(List.of(), describe(errors), "src/main/java uses API that Servlet 5.0 does not have");
        assertTrue(Files.exists(out.resolve("dev/tollgate/error/ErrorRenderingFilter.class")));
    }

    @Test
    void compilingAgainstServlet50RejectsServlet60Api(@TempDir Path work) throws IOException {
        // ServletRequest.getServletConnection() is new in Servlet 6.0: the check must catch it.
        Path source = work.resolve("src/probe/UsesServlet60.java");
        Files.createDirectories(source.getParent());
        Files.writeString(source, "package probe;\n"
                + "public class UsesServlet60 {\n"
                + "    static Object connection(jakarta.servlet.ServletRequest r) { return r.getServletConnection(); }\n"
                + "}\n", StandardCharsets.UTF_8);

        List<Diagnostic<? extends JavaFileObject>> errors = compile(List.of(source), work.resolve("classes"));

        assertEquals(1, errors.size(), describe(errors).toString());
        assertTrue(errors.get(0).getMessage(Locale.ROOT).contains("getServletConnection"), describe(errors).toString());
    }

    private static List<Diagnostic<? extends JavaFileObject>> compile(List<Path> sources, Path out) throws IOException {
        String mainClasspath = Files.readString(LEVEL_DIR.resolve("main.classpath"), StandardCharsets.UTF_8).trim();
        Path servlet50 = LEVEL_DIR.resolve("jakarta.servlet-api-5.0.0.jar");
        assertTrue(Files.isRegularFile(servlet50), "missing " + servlet50 + " (made by the build's generate-test-resources phase)");
        String classpath = mainClasspath.isEmpty() ? servlet50.toString() : mainClasspath + java.io.File.pathSeparator + servlet50;
        Files.createDirectories(out);

        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager fileManager = compiler.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            List<String> options = new ArrayList<>(List.of("--release", "17", "-proc:none", "-implicit:none",
                    "-classpath", classpath, "-d", out.toString()));
            compiler.getTask(null, fileManager, diagnostics, options, null, fileManager.getJavaFileObjectsFromPaths(sources)).call();
        }
        return diagnostics.getDiagnostics().stream().filter(d -> d.getKind() == Diagnostic.Kind.ERROR).collect(Collectors.toList());
    }

    private static List<String> describe(List<Diagnostic<? extends JavaFileObject>> errors) {
        return errors.stream()
                .map(d -> (d.getSource() == null ? "?" : d.getSource().getName()) + ":" + d.getLineNumber() + ": " + d.getMessage(Locale.ROOT))
                .collect(Collectors.toList());
    }
}
