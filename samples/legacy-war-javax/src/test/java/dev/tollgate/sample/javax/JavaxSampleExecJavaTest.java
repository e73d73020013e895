package dev.tollgate.sample.javax;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The {@code exec:java} start of docs/javax.md. Alone in its JVM (surefire's reuseForks is off): Tomcat's URL
 * handler factory can be set once per JVM, and this test loads a second copy of Tomcat.
 */
class JavaxSampleExecJavaTest {

    /**
     * {@code mvn exec:java} runs the launcher in a class loader of its own, not the system one; the
     * webapp must still find Tomcat's classes (its web.xml digester loads them through the webapp).
     */
    @Test
    void shouldStartFromAClassLoaderOfItsOwnAsExecJavaRunsIt() throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        URL[] urls = Arrays.stream(classpath.split(File.pathSeparator)).map(entry -> {
            try {
                return Path.of(entry).toUri().toURL();
            } catch (MalformedURLException e) {
                throw new IllegalStateException(e);
            }
        }).toArray(URL[]::new);
        try (URLClassLoader isolated = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader())) {
            Class<?> launcher = isolated.loadClass(JavaxSampleServer.class.getName());
            Object server = launcher.getConstructor().newInstance();
            Thread thread = Thread.currentThread();
            ClassLoader previous = thread.getContextClassLoader();
            thread.setContextClassLoader(isolated);
            try {
                int port = (Integer) launcher.getMethod("start", int.class, Path.class)
                        .invoke(server, 0, Path.of(System.getProperty("sample.war")));
                HttpResponse<String> health = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, health.statusCode(), health.body());
            } finally {
                launcher.getMethod("stop").invoke(server);
                thread.setContextClassLoader(previous);
            }
        }
    }
}
