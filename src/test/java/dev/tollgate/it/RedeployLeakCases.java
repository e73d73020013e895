package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.error.ErrorRenderingFilter;
import io.micrometer.core.instrument.Metrics;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.ref.WeakReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Deploys a WAR that carries Tollgate and its libraries in {@code WEB-INF} (as a real WAR does, so
 * they load in the web application's class loader), with the Redis store and a reloaded keys file,
 * and undeploys it {@value #ROUNDS} times. Afterwards no thread of Tollgate, Lettuce or Netty is
 * left, Redis has no connection more than before, and every web application class loader is
 * collected.
 */
abstract class RedeployLeakCases {

    /** A leak keeps every round's class loader, so 20 rounds show it as surely as more; {@code -Dtollgate.test.redeploys} for a soak. */
    static final int ROUNDS = Integer.getInteger("tollgate.test.redeploys", 20);
    static final String KEY = "tg_redeploy-key";
    /** How long threads, connections and class loaders may take to go after the last undeploy. */
    static final Duration LEAK_WAIT = Duration.ofSeconds(15);
    /** Threads that Tollgate or its libraries start. */
    static final Pattern OURS = Pattern.compile("(?i).*(tollgate|lettuce|netty|nioEventLoop|epoll|globalEventExecutor"
            + "|ObjectCleaner|reactor|caffeine|bucket4j).*");

    /** A container that deploys and undeploys one web application at a time. */
    interface Host {
        int start() throws Exception;

        /** Deploys {@code war} at {@code /app}; returns the web application's class loader. */
        ClassLoader deploy(Path war) throws Exception;

        void undeploy() throws Exception;

        /** Leak warnings the container logged, if it checks for leaks. */
        List<String> leakWarnings();

        void stop() throws Exception;
    }

    /**
     * What a leak warning about Tollgate names: its threads, packages or libraries. Tomcat also warns
     * about its own utility thread when its background processor runs while the application stops.
     */
    static final Pattern NAMES_OURS = Pattern.compile("(?i)tollgate|lettuce|netty|reactor|bucket4j|caffeine|benmanes|jackson"
            + "|find leaks|jdbc driver|postgresql");

    /** The libraries Tollgate needs, by jar name, as a WAR built with Maven holds them. */
    static final Pattern LIBRARIES = Pattern.compile("bucket4j|caffeine|lettuce-core|netty-|reactor-core|reactive-streams"
            + "|jackson-|jspecify|error_prone_annotations|postgresql-");
    /** The database of the second rate-limit filter ({@code store=jdbc}), and how its connections are told apart. */
    static final String DATABASE = "jdbc:postgresql://127.0.0.1:5432/test?ApplicationName=tollgate-redeploy";

    abstract Host newHost();

    /** The application's own servlet: it stays on the test class path, like a shared library would. */
    public static final class Hello extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            resp.setContentType("text/plain");
            resp.getWriter().write("hello " + req.getRemoteUser());
        }
    }

    @Test
    void shouldLeaveNoThreadConnectionOrClassLoaderAfterRedeploys() throws Exception {
        Host host = newHost();
        try (RedisServerProcess redis = RedisServerProcess.start()) {
            Path war = war(redis.uri());
            int port = host.start();
            int redisBaseline = clients(redis);
            int databaseBaseline = databaseConnections();
            Set<String> threadBaseline = ourThreads();
            List<WeakReference<ClassLoader>> loaders = new ArrayList<>();

            for (int round = 0; round < ROUNDS; round++) {
                loaders.add(new WeakReference<>(host.deploy(war)));
                assertEquals(LIVE_MBEANS, tollgateMBeans(), () -> "round " + loaders.size());
                Http.Response ok = Http.get(port, "/app/api/hello", "X-API-KEY: " + KEY);
                assertEquals(200, ok.status(), () -> "round " + loaders.size() + ": " + ok);
                assertEquals("100000", ok.header("X-Throttle-Limit"), ok::toString);
                Http.Response missing = Http.get(port, "/app/api/hello");
                assertEquals(401, missing.status(), missing::toString);
                Http.Response status = Http.get(port, "/app/tollgate/status.json");
                assertEquals(200, status.status(), () -> "round " + loaders.size() + ": " + status);
                assertEquals(5, status.json().get("filters").size(), status::toString);
                host.undeploy();
            }

            assertEquals(Set.of(), tollgateMBeans(), "MBeans left after " + ROUNDS + " redeploys");
            assertEquals(List.of(), Metrics.globalRegistry.getMeters().stream()
                    .map(m -> m.getId().getName()).filter(n -> n.startsWith("tollgate.")).toList(),
                    "Micrometer meters left after " + ROUNDS + " redeploys");
            Set<String> left = Wait.poll(LEAK_WAIT, () -> {
                Set<String> now = ourThreads();
                now.removeAll(threadBaseline);
                return now;
            }, Set::isEmpty);
            assertTrue(left.isEmpty(), () -> "threads left after " + ROUNDS + " redeploys: " + left);
            int redisClients = Wait.poll(LEAK_WAIT, () -> clients(redis), n -> n <= redisBaseline);
            assertEquals(redisBaseline, redisClients, () -> "Redis connections left: " + redis.clientList());
            int databaseLeft = Wait.poll(LEAK_WAIT, RedeployLeakCases::databaseConnections, n -> n <= databaseBaseline);
            assertEquals(databaseBaseline, databaseLeft, "database connections of the jdbc store left after " + ROUNDS + " redeploys");
            long alive = Wait.poll(LEAK_WAIT, () -> {
                System.gc();
                return loaders.stream().filter(ref -> ref.get() != null).count();
            }, n -> n == 0);
            assertEquals(0, alive, () -> alive + " of " + ROUNDS + " web application class loaders not collected; leak warnings "
                    + host.leakWarnings() + "; threads " + Thread.getAllStackTraces().keySet().stream().map(Thread::getName).sorted().toList());
            List<String> ourLeaks = host.leakWarnings().stream().filter(w -> NAMES_OURS.matcher(w).find()).toList();
            assertEquals(List.of(), ourLeaks);
        } finally {
            host.stop();
        }
    }

    /** The MBeans of the live deployment: one per filter. */
    static final Set<String> LIVE_MBEANS = Set.of(
            "dev.tollgate:context=/app,name=request-id,type=RequestIdFilter",
            "dev.tollgate:context=/app,name=errors,type=ErrorRenderingFilter",
            "dev.tollgate:context=/app,name=api-key,type=ApiKeyFilter",
            "dev.tollgate:context=/app,name=rate-limit,type=RateLimitFilter",
            "dev.tollgate:context=/app,name=rate-limit-db,type=RateLimitFilter");

    /** The names under the {@code dev.tollgate} domain of the {@code /app} context in the platform MBean server. */
    private static Set<String> tollgateMBeans() throws javax.management.MalformedObjectNameException {
        Set<String> names = new TreeSet<>();
        for (javax.management.ObjectName name : java.lang.management.ManagementFactory.getPlatformMBeanServer()
                .queryNames(new javax.management.ObjectName("dev.tollgate:context=/app,*"), null)) {
            names.add(name.getCanonicalName());
        }
        return names;
    }

    /** The connections the deployed application's jdbc store holds on PostgreSQL. */
    private static int databaseConnections() {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(DATABASE.replace("tollgate-redeploy", "tollgate-redeploy-check"),
                "postgres", "");
             java.sql.Statement s = c.createStatement();
             java.sql.ResultSet r = s.executeQuery("SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'tollgate-redeploy'")) {
            r.next();
            return r.getInt(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("PostgreSQL at " + DATABASE + " does not answer: " + e.getMessage(), e);
        }
    }

    private static int clients(RedisServerProcess redis) {
        return (int) redis.clientList().lines().filter(line -> !line.isBlank()).count();
    }

    private static Set<String> ourThreads() {
        Set<String> names = new TreeSet<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.isAlive() && OURS.matcher(thread.getName()).matches()) {
                names.add(thread.getName() + "#" + thread.getId());
            }
        }
        return names;
    }

    /**
     * A WAR directory: Tollgate's classes in {@code WEB-INF/classes}, its libraries (but the logging
     * API, which the container shares) in {@code WEB-INF/lib}, and a {@code web.xml} with all four
     * filters, the Redis store, a second rate-limit filter on the database store (PostgreSQL, its
     * driver in {@code WEB-INF/lib} as a WAR brings it), a keys file re-read every second, and the
     * status page (its sampling thread).
     */
    static Path war(String redisUri) throws IOException {
        Path war = Files.createTempDirectory("tollgate-redeploy");
        Path webInf = Files.createDirectories(war.resolve("WEB-INF"));
        Path lib = Files.createDirectories(webInf.resolve("lib"));
        // Tollgate: the build's classes, or the jar under test (the javax run).
        Path tollgate = Path.of(ErrorRenderingFilter.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        if (Files.isDirectory(tollgate)) {
            copyTree(tollgate, webInf.resolve("classes"));
        } else {
            Files.copy(tollgate, lib.resolve(tollgate.getFileName()));
        }
        // Its libraries, from the test class path; the logging API stays shared with the container.
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path jar = Path.of(entry);
            String name = jar.getFileName().toString();
            if (name.endsWith(".jar") && LIBRARIES.matcher(name).lookingAt()) {
                Files.copy(jar, lib.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Path keys = war.resolve("keys.txt");
        Files.writeString(keys, "redeploy-client " + sha256Hex(KEY) + "\n");
        String webXml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="5.0" metadata-complete="true">
                  <filter><filter-name>request-id</filter-name><filter-class>dev.tollgate.requestid.RequestIdFilter</filter-class></filter>
                  <filter><filter-name>errors</filter-name><filter-class>dev.tollgate.error.ErrorRenderingFilter</filter-class></filter>
                  <filter>
                    <filter-name>api-key</filter-name><filter-class>dev.tollgate.apikey.ApiKeyFilter</filter-class>
                    <init-param><param-name>keys-file</param-name><param-value>%s</param-value></init-param>
                    <init-param><param-name>reload-interval</param-name><param-value>1</param-value></init-param>
                  </filter>
                  <filter>
                    <filter-name>rate-limit</filter-name><filter-class>dev.tollgate.ratelimit.RateLimitFilter</filter-class>
                    <init-param><param-name>limits</param-name><param-value>100000/1h</param-value></init-param>
                    <init-param><param-name>store</param-name><param-value>redis</param-value></init-param>
                    <init-param><param-name>redis-uri</param-name><param-value>%s</param-value></init-param>
                    <init-param><param-name>redis-timeout</param-name><param-value>1000</param-value></init-param>
                  </filter>
                  <filter-mapping><filter-name>request-id</filter-name><url-pattern>/*</url-pattern></filter-mapping>
                  <filter-mapping><filter-name>errors</filter-name><url-pattern>/*</url-pattern></filter-mapping>
                  <filter-mapping><filter-name>api-key</filter-name><url-pattern>/api/*</url-pattern></filter-mapping>
                  <filter>
                    <filter-name>rate-limit-db</filter-name><filter-class>dev.tollgate.ratelimit.RateLimitFilter</filter-class>
                    <init-param><param-name>limits</param-name><param-value>100000/1h</param-value></init-param>
                    <init-param><param-name>store</param-name><param-value>jdbc</param-value></init-param>
                    <init-param><param-name>jdbc-url</param-name><param-value>%s</param-value></init-param>
                    <init-param><param-name>jdbc-user</param-name><param-value>postgres</param-value></init-param>
                    <init-param><param-name>jdbc-table</param-name><param-value>tollgate_redeploy</param-value></init-param>
                    <init-param><param-name>jdbc-create-table</param-name><param-value>true</param-value></init-param>
                    <init-param><param-name>jdbc-timeout</param-name><param-value>1000</param-value></init-param>
                    <init-param><param-name>jdbc-sync</param-name><param-value>batched</param-value></init-param>
                    <init-param><param-name>jdbc-sync-interval</param-name><param-value>200</param-value></init-param>
                    <init-param><param-name>on-store-failure</param-name><param-value>reject</param-value></init-param>
                  </filter>
                  <filter-mapping><filter-name>rate-limit</filter-name><url-pattern>/api/*</url-pattern></filter-mapping>
                  <filter-mapping><filter-name>rate-limit-db</filter-name><url-pattern>/api/*</url-pattern></filter-mapping>
                  <servlet><servlet-name>hello</servlet-name><servlet-class>%s</servlet-class></servlet>
                  <servlet-mapping><servlet-name>hello</servlet-name><url-pattern>/api/*</url-pattern></servlet-mapping>
                  <servlet>
                    <servlet-name>status</servlet-name><servlet-class>dev.tollgate.status.StatusServlet</servlet-class>
                    <init-param><param-name>allow-remote</param-name><param-value>false</param-value></init-param>
                    <load-on-startup>1</load-on-startup>
                  </servlet>
                  <servlet-mapping><servlet-name>status</servlet-name><url-pattern>/tollgate/*</url-pattern></servlet-mapping>
                </web-app>
                """.formatted(keys, redisUri, DATABASE.replace("&", "&amp;"), Hello.class.getName());
        Files.writeString(webInf.resolve("web.xml"),
                "javax".equals(System.getProperty("tollgate.servlet")) ? EmbeddedContainer.toJavaEe8(webXml) : webXml);
        return war;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
    }

    private static String sha256Hex(String text) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
