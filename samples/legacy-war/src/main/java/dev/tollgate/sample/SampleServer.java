package dev.tollgate.sample;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.catalina.Context;
import org.apache.catalina.Lifecycle;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.ContextResource;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.scan.StandardJarScanner;

/**
 * Starts this WAR directory on an embedded Tomcat, as a standalone Tomcat would deploy it (with its
 * default servlet, but no JSP servlet: the sample has no JSP and Jasper is not on the classpath), on
 * the port given as the first argument (8080 by default; 0 picks a free one).
 *
 * <p>With {@code -Dtollgate.sample.store=jdbc} the rate limits live in a database, as on several
 * nodes sharing the application's database: an H2 database in memory, given to the application as
 * the container-managed {@code DataSource} {@code jdbc/sample} (what a {@code context.xml}
 * {@code <Resource>} does on a real Tomcat), and the rate-limit filter of {@code web.xml} set to
 * {@code store=jdbc} on it, its table created at startup.
 */
public final class SampleServer {

    /** The system property that picks the rate limiter's store: {@code local} (default) or {@code jdbc}. */
    public static final String STORE_PROPERTY = "tollgate.sample.store";
    /** The database of the database mode, in memory for as long as the JVM runs. */
    public static final String DATABASE_URL = "jdbc:h2:mem:tollgate-sample;DB_CLOSE_DELAY=-1";

    private final Tomcat tomcat = new Tomcat();
    private int port;

    public static void main(String[] args) throws Exception {
        SampleServer server = new SampleServer();
        int port = server.start(args.length > 0 ? Integer.parseInt(args[0]) : 8080, webappDir());
        banner(port).forEach(System.out::println);
        server.tomcat.getServer().await();
    }

    /** What {@link #main} prints once the sample listens: where, and a first call to try. */
    static List<String> banner(int port) {
        String base = "http://localhost:" + port + "/";
        return List.of(
                "Tollgate sample listening on " + base + "  (Ctrl-C stops it)",
                "Try: curl -i " + base + "api/hello -H 'X-API-KEY: tg_demo-key-for-the-sample-only'");
    }

    /** The WAR directory: {@code src/main/webapp} of this project. */
    public static Path webappDir() {
        Path here = Path.of("src/main/webapp");
        if (Files.isDirectory(here)) {
            return here.toAbsolutePath();
        }
        return Path.of("samples/legacy-war/src/main/webapp").toAbsolutePath();
    }

    /** The sample's keys file: {@code keys.txt} of this project. */
    public static Path keysFile() {
        Path here = Path.of("keys.txt");
        return (Files.isRegularFile(here) ? here : Path.of("samples/legacy-war/keys.txt")).toAbsolutePath();
    }

    /**
     * Deploys {@code webapp} and starts; returns the port. Unless the environment or the system
     * properties name a keys file, the sample's {@code keys.txt} is used.
     */
    public int start(int requestedPort, Path webapp) throws Exception {
        if (System.getenv("TOLLGATE_KEYS_FILE") == null && System.getProperty("tollgate.keys-file") == null) {
            System.setProperty("tollgate.keys-file", keysFile().toString());
        }
        tomcat.setBaseDir(Files.createTempDirectory("tollgate-sample").toString());
        Connector connector = new Connector();
        connector.setPort(requestedPort);
        tomcat.setConnector(connector);
        // Tomcat.addWebapp would add the defaults of a standalone Tomcat's conf/web.xml, JSP servlet
        // included, whose class is not here: a SEVERE ClassNotFoundException at every start.
        tomcat.setAddDefaultWebXmlToWebapp(false);
        Context context = tomcat.addWebapp("", webapp.toString());
        context.addLifecycleListener(event -> {
            if (Lifecycle.BEFORE_START_EVENT.equals(event.getType())) {
                addDefaultsWithoutJsp(context);
            }
        });
        if ("jdbc".equals(System.getProperty(STORE_PROPERTY))) {
            useDatabase(context);
        }
        StandardJarScanner scanner = new StandardJarScanner();
        scanner.setScanClassPath(false);
        context.setJarScanner(scanner);
        context.setParentClassLoader(SampleServer.class.getClassLoader());
        tomcat.start();
        port = connector.getLocalPort();
        return port;
    }

    /**
     * The database mode: H2 as the {@code DataSource} {@code jdbc/sample} in the context's JNDI,
     * and the rate-limit filter's init-params of {@code web.xml} plus {@code store=jdbc} on it.
     */
    private void useDatabase(Context context) {
        tomcat.enableNaming();
        ContextResource dataSource = new ContextResource();
        dataSource.setName("jdbc/sample");
        dataSource.setType("org.h2.jdbcx.JdbcDataSource");
        dataSource.setProperty("factory", "org.apache.naming.factory.BeanFactory");
        dataSource.setProperty("URL", DATABASE_URL);
        context.getNamingResources().addResource(dataSource);
        context.addLifecycleListener(event -> {
            // After web.xml is read, before the filters start.
            if (Lifecycle.CONFIGURE_START_EVENT.equals(event.getType())) {
                FilterDef limit = context.findFilterDef("rate-limit");
                limit.addInitParameter("store", "jdbc");
                limit.addInitParameter("jdbc-datasource", "jdbc/sample");
                limit.addInitParameter("jdbc-create-table", "true");
            }
        });
    }

    /** A standalone Tomcat's defaults (default servlet, MIME types, welcome files), less JSP. */
    private static void addDefaultsWithoutJsp(Context context) {
        Tomcat.initWebappDefaults(context);
        context.removeServletMapping("*.jsp");
        context.removeServletMapping("*.jspx");
        context.removeWelcomeFile("index.jsp");
        context.removeChild(context.findChild("jsp"));
    }

    public int port() {
        return port;
    }

    public void stop() throws Exception {
        tomcat.stop();
        tomcat.destroy();
    }

}
