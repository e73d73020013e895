package dev.tollgate.javax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.error.ErrorRenderingFilter;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;

/** The javax jar is what it claims to be, and the cases run on the containers they claim to. */
class JavaxJarTest {

    // Built at run time: this class is transformed too, and a constant would be renamed with it.
    private static final String JAKARTA = String.join("", "jak", "arta");

    private static Path javaxJar() throws URISyntaxException {
        return Path.of(ErrorRenderingFilter.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    @Test
    void shouldReferenceNoJakartaServletClass() throws Exception {
        Path jar = javaxJar();
        assertTrue(jar.getFileName().toString().endsWith("-javax.jar"), jar::toString);
        List<String> offenders = new ArrayList<>();
        int classes = 0;
        try (JarFile file = new JarFile(jar.toFile())) {
            for (Enumeration<JarEntry> entries = file.entries(); entries.hasMoreElements();) {
                JarEntry entry = entries.nextElement();
                if (!entry.getName().endsWith(".class")) {
                    continue;
                }
                classes++;
                String text = read(file, entry);
                if (text.contains(JAKARTA + "/servlet") || text.contains(JAKARTA + ".servlet")) {
                    offenders.add(entry.getName());
                }
            }
        }
        assertTrue(classes > 10, "classes in the jar: " + classes);
        assertEquals(List.of(), offenders);
    }

    @Test
    void shouldCarryTheMainJarsModuleNameAndMainClass() throws Exception {
        try (JarFile file = new JarFile(javaxJar().toFile())) {
            Manifest manifest = file.getManifest();
            assertEquals("dev.tollgate", manifest.getMainAttributes().getValue("Automatic-Module-Name"));
            assertEquals("dev.tollgate.cli.KeyTool", manifest.getMainAttributes().getValue("Main-Class"));
        }
    }

    @Test
    void shouldUseJavaxServletApi() {
        assertTrue(javax.servlet.Filter.class.isAssignableFrom(ErrorRenderingFilter.class));
        assertFalse(classExists(JAKARTA + ".servlet.Filter"), "no jakarta servlet API on this classpath");
    }

    @Test
    void shouldRunOnTomcat9AndJetty10() {
        assertTrue(org.apache.catalina.util.ServerInfo.getServerNumber().startsWith("9.0."),
                org.apache.catalina.util.ServerInfo.getServerNumber());
        assertTrue(org.eclipse.jetty.util.Jetty.VERSION.startsWith("10.0."), org.eclipse.jetty.util.Jetty.VERSION);
    }

    private static boolean classExists(String name) {
        try {
            Class.forName(name);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static String read(JarFile file, JarEntry entry) throws IOException {
        try (var in = file.getInputStream(entry)) {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }
}
