package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The drop-in bundle as a user without Maven takes it: unzip {@code target/tollgate-<version>-bundle.zip}
 * (the {@code -javax-bundle.zip} in the javax run), copy {@code lib/*.jar} into {@code WEB-INF/lib},
 * use {@code web.xml-snippet.xml} as {@code WEB-INF/web.xml} with the keys file path edited and one
 * servlet added, and deploy. The web application's parent class loader hides Tollgate and every
 * library it uses, so the web application sees only the bundle's {@code lib} (the local store
 * needs nothing from {@code optional/}). The {@code *BundleRedisIT} subclasses add {@code optional/redis}
 * and run the same requests on the Redis store.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BundleCases {

    static final boolean JAVAX = "javax".equals(System.getProperty("tollgate.servlet"));
    static final String KEY = "tg_bundle-test-key";
    static final String LIMITED_KEY = "tg_bundle-test-limited-key";
    /** The keys file path the snippet names, for the user to edit. */
    static final String SNIPPET_KEYS_FILE = "/etc/myapp/keys.txt";

    /** A container serving one WAR directory at context path "" whose class loader has {@code parent} as parent. */
    interface Host {
        int start(Path war, ClassLoader parent) throws Exception;

        void stop() throws Exception;
    }

    abstract Host newHost();

    /** With the Redis store: {@code optional/redis} copied too, and the rate-limit filter on the real Redis. */
    boolean redisStore() {
        return false;
    }

    /** The Redis keys of this class, deleted before and after. */
    private final String redisPrefix = "tollgate-test-bundle-" + (JAVAX ? "javax-" : "") + getClass().getSimpleName() + "-" + System.nanoTime() + ":";
    private RedisTestSupport redis;
    private Path zip;
    private Path home;
    private Path war;
    private Host host;
    private int port;

    /** The application's own servlet, outside the bundle. */
    public static final class Hello extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("text/plain");
            if ("/classes".equals(req.getPathInfo())) {
                // Where the web application's class loader finds Tollgate, a library and Netty.
                ClassLoader loader = getServletContext().getClassLoader();
                for (String name : List.of("dev.tollgate.requestid.RequestIdFilter", "com.github.benmanes.caffeine.cache.Caffeine",
                        "io.netty.util.Version")) {
                    resp.getWriter().write(name + " " + location(loader, name) + "\n");
                }
                return;
            }
            resp.getWriter().write("hello");
        }

        private static String location(ClassLoader loader, String name) {
            try {
                return Class.forName(name, false, loader).getProtectionDomain().getCodeSource().getLocation().toString();
            } catch (ClassNotFoundException e) {
                return "absent";
            }
        }
    }

    @BeforeAll
    final void deployBundle() throws Exception {
        if (redisStore()) {
            redis = RedisTestSupport.connect();
            redis.deleteKeys(redisPrefix);
        }
        zip = bundle();
        home = unzip(zip);
        war = war(home, redisStore() ? redisPrefix : null);
        host = newHost();
        port = host.start(war, new HidingClassLoader(BundleCases.class.getClassLoader()));
    }

    @AfterAll
    final void stopAndClean() throws Exception {
        try {
            if (host != null) {
                host.stop();
            }
        } finally {
            deleteTree(home);
            deleteTree(war);
            if (redis != null) {
                redis.deleteKeys(redisPrefix);
                redis.close();
            }
        }
    }

    @Test
    void shouldHoldTheRightTollgateJarAndNoRedisLibraryInLib() throws IOException {
        List<String> lib = names(home.resolve("lib"));
        // tollgate-<version>-bundle.zip or tollgate-<version>-javax-bundle.zip
        String version = zip.getFileName().toString().replaceFirst("^tollgate-(.*?)(-javax)?-bundle\\.zip$", "$1");
        String jakartaJar = "tollgate-" + version + ".jar";
        String javaxJar = "tollgate-" + version + "-javax.jar";
        assertTrue(lib.contains(JAVAX ? javaxJar : jakartaJar), lib::toString);
        assertFalse(lib.contains(JAVAX ? jakartaJar : javaxJar), lib::toString);
        for (String needed : List.of("jackson-databind-", "jackson-core-", "jackson-annotations-", "slf4j-api-",
                "bucket4j_jdk17-core-", "caffeine-")) {
            assertTrue(lib.stream().anyMatch(name -> name.startsWith(needed)), () -> needed + " missing in " + lib);
        }
        assertTrue(lib.stream().noneMatch(Pattern.compile("lettuce|redis|netty|reactor|reactive-streams|logback").asPredicate()),
                lib::toString);

        List<String> redis = names(home.resolve("optional/redis"));
        for (String needed : List.of("bucket4j_jdk17-lettuce-", "bucket4j_jdk17-redis-common-", "lettuce-core-", "netty-common-",
                "netty-handler-", "netty-transport-", "reactor-core-", "reactive-streams-")) {
            assertTrue(redis.stream().anyMatch(name -> name.startsWith(needed)), () -> needed + " missing in " + redis);
        }
        List<String> logging = names(home.resolve("optional/logging"));
        assertTrue(logging.stream().anyMatch(name -> name.startsWith("logback-classic-")), logging::toString);
        assertTrue(logging.stream().anyMatch(name -> name.startsWith("logback-core-")), logging::toString);
        for (String file : List.of("web.xml-snippet.xml", "keys.txt.example", "README.txt")) {
            assertTrue(Files.isRegularFile(home.resolve(file)), file);
        }
        if (System.getProperty("tollgate.bundle") == null) {
            // The main build, at the project root: the licence files are in the bundle when they are there.
            for (String file : List.of("LICENSE", "NOTICE")) {
                assertEquals(Files.isRegularFile(Path.of(file)), Files.isRegularFile(home.resolve(file)), file);
            }
        }
    }

    @Test
    void shouldLoadTollgateAndItsLibrariesFromWebInfLibAndNettyOnlyForRedis() throws IOException {
        Http.Response response = Http.get(port, "/api/classes", "X-API-KEY: " + KEY);
        assertEquals(200, response.status(), response::toString);
        List<String> lines = response.body().lines().toList();
        assertTrue(lines.get(0).matches("dev\\.tollgate\\.requestid\\.RequestIdFilter .*/WEB-INF/lib/tollgate-[^/]*"
                + (JAVAX ? "-javax" : "") + "\\.jar!?/?"), lines::toString);
        assertTrue(lines.get(1).matches("\\S+ .*/WEB-INF/lib/caffeine-[^/]*\\.jar!?/?"), lines::toString);
        if (redisStore()) {
            assertTrue(lines.get(2).matches("\\S+ .*/WEB-INF/lib/netty-common-[^/]*\\.jar!?/?"), lines::toString);
            assertFalse(redis.keys(redisPrefix).isEmpty(), "the buckets are in Redis under " + redisPrefix);
        } else {
            assertEquals("io.netty.util.Version absent", lines.get(2), lines::toString);
        }
    }

    @Test
    void shouldPutTheRequestIdOnTheResponse() throws IOException {
        Http.Response response = Http.get(port, "/api/hello", "X-API-KEY: " + KEY, "X-Request-ID: bundle-1");
        assertEquals(200, response.status(), response::toString);
        assertEquals("bundle-1", response.header("X-Request-ID"), response::toString);
    }

    @Test
    void shouldRejectAMissingKeyWith401AsJson() throws IOException {
        Http.Response response = Http.get(port, "/api/hello");
        assertEquals(401, response.status(), response::toString);
        assertNotNull(response.header("WWW-Authenticate"), response::toString);
        assertFalse(response.json().get("success").asBoolean(), response::body);
        assertEquals(response.header("X-Request-ID"), response.json().get("request_id").asText(), response::toString);
    }

    @Test
    void shouldAnswer200WithAKeyFromTheKeysFile() throws IOException {
        Http.Response response = Http.get(port, "/api/hello", "X-API-KEY: " + KEY);
        assertEquals(200, response.status(), response::toString);
        assertEquals("hello", response.body());
        assertNotNull(response.header("X-Throttle-Remaining"), response::toString);
    }

    @Test
    void shouldAnswer429AfterTheLimit() throws IOException {
        Http.Response first = Http.get(port, "/api/hello", "X-API-KEY: " + LIMITED_KEY);
        assertEquals(200, first.status(), first::toString);
        int remaining = Integer.parseInt(first.header("X-Throttle-Remaining"));
        // The snippet's 100/1m refills a token every 600 ms, so a slow machine may earn a few more
        // 200s on the way; the 429 must still come, and only after the tokens that were left.
        Http.Response limited = first;
        int allowed = 0;
        while (limited.status() == 200 && allowed <= remaining + 10) {
            limited = Http.get(port, "/api/hello", "X-API-KEY: " + LIMITED_KEY);
            allowed += limited.status() == 200 ? 1 : 0;
        }
        assertTrue(allowed >= remaining, "429 after " + allowed + " of the " + remaining + " requests left");
        assertEquals(429, limited.status(), limited::toString);
        assertNotNull(limited.header("Retry-After"), limited::toString);
        assertFalse(limited.json().get("success").asBoolean(), limited::body);
    }

    @Test
    void shouldAnswerAnUnmappedUrlWithAJson404() throws IOException {
        Http.Response response = Http.get(port, "/nowhere");
        assertEquals(404, response.status(), response::toString);
        assertTrue(response.header("Content-Type").startsWith("application/json"), response::toString);
        assertFalse(response.json().get("success").asBoolean(), response::body);
        assertEquals(response.header("X-Request-ID"), response.json().get("request_id").asText(), response::toString);
    }

    /**
     * The bundle the build made: the system property {@code tollgate.bundle}, else the one zip
     * {@code target/*-bundle.zip} (or {@code *-javax-bundle.zip} in the javax run).
     */
    static Path bundle() throws IOException {
        String named = System.getProperty("tollgate.bundle");
        if (named != null) {
            return Path.of(named);
        }
        Path target = Path.of("target").toAbsolutePath();
        try (Stream<Path> files = Files.list(target)) {
            List<Path> zips = files.filter(file -> {
                String name = file.getFileName().toString();
                return name.endsWith("-bundle.zip") && name.endsWith("-javax-bundle.zip") == JAVAX;
            }).toList();
            assertEquals(1, zips.size(), () -> "one " + (JAVAX ? "javax " : "") + "bundle zip (made by package) in " + target + ": " + zips);
            return zips.get(0);
        }
    }

    /** Unpacks {@code zip}; returns its one top directory. */
    static Path unzip(Path zip) throws IOException {
        Path dir = Files.createTempDirectory("tollgate-bundle");
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                Path target = dir.resolve(entry.getName()).normalize();
                if (!target.startsWith(dir)) {
                    throw new IOException("entry outside the zip's directory: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(in, target);
                }
            }
        }
        List<String> top = names(dir);
        assertEquals(1, top.size(), () -> "one top directory in " + zip + ": " + top);
        return dir.resolve(top.get(0));
    }

    /**
     * The README's three steps: {@code lib} into {@code WEB-INF/lib}, the snippet as {@code web.xml}
     * (keys file path edited, the application's servlet added), and a keys file made from the
     * example with two keys appended. With a {@code redisPrefix}, also {@code optional/redis} and
     * the Redis store.
     */
    static Path war(Path home, String redisPrefix) throws IOException {
        Path war = Files.createTempDirectory("tollgate-bundle-war");
        Path lib = Files.createDirectories(war.resolve("WEB-INF/lib"));
        for (String folder : redisPrefix == null ? List.of("lib") : List.of("lib", "optional/redis")) {
            try (Stream<Path> jars = Files.list(home.resolve(folder))) {
                for (Path jar : (Iterable<Path>) jars::iterator) {
                    Files.copy(jar, lib.resolve(jar.getFileName().toString()));
                }
            }
        }
        Path keys = war.resolve("keys.txt");
        Files.copy(home.resolve("keys.txt.example"), keys);
        Files.writeString(keys, "bundle-client " + sha256Hex(KEY) + "\n"
                + "bundle-limited " + sha256Hex(LIMITED_KEY) + "\n", StandardOpenOption.APPEND);
        String snippet = Files.readString(home.resolve("web.xml-snippet.xml"));
        assertTrue(snippet.contains(SNIPPET_KEYS_FILE), "the snippet names " + SNIPPET_KEYS_FILE);
        String servlet = """
                  <servlet><servlet-name>hello</servlet-name><servlet-class>%s</servlet-class></servlet>
                  <servlet-mapping><servlet-name>hello</servlet-name><url-pattern>/api/*</url-pattern></servlet-mapping>
                </web-app>""".formatted(Hello.class.getName());
        String webXml = snippet.replace(SNIPPET_KEYS_FILE, keys.toString()).replace("</web-app>", servlet);
        if (redisPrefix != null) {
            String limits = "<init-param><param-name>limits</param-name><param-value>100/1m, 5000/1d</param-value></init-param>";
            assertTrue(webXml.contains(limits), "the snippet's limits");
            webXml = webXml.replace(limits, limits
                    + "<init-param><param-name>store</param-name><param-value>redis</param-value></init-param>"
                    + "<init-param><param-name>redis-uri</param-name><param-value>" + RedisTestSupport.URI + "</param-value></init-param>"
                    + "<init-param><param-name>redis-key-prefix</param-name><param-value>" + redisPrefix + "</param-value></init-param>"
                    + "<init-param><param-name>redis-timeout</param-name><param-value>1000</param-value></init-param>");
        }
        Files.writeString(war.resolve("WEB-INF/web.xml"), webXml);
        return war;
    }

    static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(file);
            }
        }
    }

    /**
     * The test class path without Tollgate, its libraries, logging and service files: what a
     * container that does not ship them offers a web application. The test's own classes
     * ({@code dev.tollgate.it}) and the servlet API stay visible.
     */
    static final class HidingClassLoader extends ClassLoader {
        private static final List<String> HIDDEN = List.of("dev/tollgate/", "com/fasterxml/", "io/github/bucket4j/",
                "com/github/benmanes/", "io/lettuce/", "io/netty/", "reactor/", "org/reactivestreams/", "org/slf4j/",
                "ch/qos/logback/", "org/jspecify/", "com/google/errorprone/", "META-INF/services/");

        static {
            registerAsParallelCapable();
        }

        HidingClassLoader(ClassLoader parent) {
            super(parent);
        }

        static boolean hidden(String path) {
            return !path.startsWith("dev/tollgate/it/") && HIDDEN.stream().anyMatch(path::startsWith);
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (hidden(name.replace('.', '/'))) {
                throw new ClassNotFoundException(name);
            }
            return super.loadClass(name, resolve);
        }

        @Override
        public URL getResource(String name) {
            return hidden(name) ? null : super.getResource(name);
        }

        @Override
        public Enumeration<URL> getResources(String name) throws IOException {
            return hidden(name) ? Collections.emptyEnumeration() : super.getResources(name);
        }

        @Override
        public InputStream getResourceAsStream(String name) {
            return hidden(name) ? null : super.getResourceAsStream(name);
        }
    }

    /** SHA-256 hex of a key, as the keys file holds it. */
    private static String sha256Hex(String text) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
