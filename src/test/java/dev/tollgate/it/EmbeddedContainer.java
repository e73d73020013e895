package dev.tollgate.it;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Constants;
import org.apache.catalina.startup.ContextConfig;
import org.apache.catalina.startup.Tomcat;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.tomcat.util.scan.StandardJarScanner;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.security.Credential;

/**
 * A real servlet container serving one WAR directory (with its {@code WEB-INF/web.xml}) on a free
 * loopback port. The application's classes come from the test classpath.
 */
public interface EmbeddedContainer {

    /** Both containers refuse headers over 8 KB by default; tests send a 10 KB key to the filter. */
    int LARGE_HEADERS = 32 * 1024;

    /**
     * The users of each container's realm ({@code tollgate}, for a web.xml's BASIC login): an
     * operator with the role {@value #ADMIN_ROLE}, and a user without it. Passwords are the user
     * name followed by {@code -secret}.
     */
    String ADMIN_USER = "ops";
    String OTHER_USER = "dev";
    String ADMIN_ROLE = "tollgate-admin";
    String REALM = "tollgate";

    /** Deploys {@code webappDir} at context path "" and starts; returns the port. */
    int start(Path webappDir) throws Exception;

    /** The port the container listens on. */
    int port();

    /** Stops the container and releases its port. */
    void close() throws Exception;

    String name();

    /**
     * The WAR directory {@code src/test/webapps/<name>} (or under the system property
     * {@code tollgate.webapps}). When {@code tollgate.servlet=javax}, a copy whose web.xml files
     * declare the Java EE 8 (javax, version 4.0) namespace instead of the Jakarta one.
     */
    static Path webapp(String name) {
        Path dir = Path.of(System.getProperty("tollgate.webapps", "src/test/webapps"), name).toAbsolutePath().normalize();
        if (!Files.isRegularFile(dir.resolve("WEB-INF/web.xml"))) {
            throw new IllegalStateException("No WEB-INF/web.xml under " + dir);
        }
        if (!"javax".equals(System.getProperty("tollgate.servlet"))) {
            return dir;
        }
        try {
            Path copy = Files.createTempDirectory("tollgate-javax-" + name);
            try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
                for (Path source : (Iterable<Path>) files::iterator) {
                    Path target = copy.resolve(dir.relativize(source).toString());
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(target);
                    } else if (source.getFileName().toString().equals("web.xml")) {
                        Files.writeString(target, toJavaEe8(Files.readString(source)));
                    } else {
                        Files.copy(source, target);
                    }
                }
            }
            return copy;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The same web.xml in the Java EE 8 namespace, schema and version. */
    static String toJavaEe8(String webXml) {
        String ns = "http://xmlns.jcp.org/xml/ns/" + "javaee";
        return webXml
                .replaceFirst("xmlns=\"[^\"]*\"", "xmlns=\"" + ns + "\"")
                .replaceFirst("xsi:schemaLocation=\"[^\"]*\"", "xsi:schemaLocation=\"" + ns + " " + ns + "/web-app_4_0.xsd\"")
                .replaceFirst("version=\"5\\.0\"", "version=\"4.0\"");
    }

    static EmbeddedContainer jetty() {
        return new JettyContainer(false);
    }

    static EmbeddedContainer tomcat() {
        return new TomcatContainer(false);
    }

    /**
     * Tomcat as an installation deploys a WAR: with the default servlet of its {@code conf/web.xml}
     * ({@code DefaultServlet} as {@code default} on {@code /}), which serves the WAR's static
     * files unless the application maps {@code /} itself.
     */
    static EmbeddedContainer tomcatWithDefaultServlet() {
        return new TomcatContainer(false, true);
    }

    /** Jetty set up as docs/hardening.md says: no version in any response. */
    static EmbeddedContainer jettyHardened() {
        return new JettyContainer(true);
    }

    /** Tomcat set up as docs/hardening.md says: its error report without stack trace or version. */
    static EmbeddedContainer tomcatHardened() {
        return new TomcatContainer(true);
    }

    /** Jetty 12 (ee10) with its usual webapp defaults (the DefaultServlet answers unmapped URLs). */
    final class JettyContainer implements EmbeddedContainer {
        private final boolean hardened;
        private Server server;
        private int port;

        JettyContainer(boolean hardened) {
            this.hardened = hardened;
        }

        @Override
        public int start(Path webappDir) throws Exception {
            server = new Server();
            HttpConfiguration http = new HttpConfiguration();
            http.setRequestHeaderSize(LARGE_HEADERS);
            if (hardened) {
                http.setSendServerVersion(false);
            }
            ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
            connector.setHost("127.0.0.1");
            connector.setPort(0);
            server.addConnector(connector);
            WebAppContext context = new WebAppContext();
            context.setContextPath("/");
            context.setWar(webappDir.toString());
            context.setParentLoaderPriority(true);
            context.setThrowUnavailableOnStartupException(true);
            server.setHandler(context);
            UserStore users = new UserStore();
            users.addUser(ADMIN_USER, Credential.getCredential(ADMIN_USER + "-secret"), new String[] {ADMIN_ROLE});
            users.addUser(OTHER_USER, Credential.getCredential(OTHER_USER + "-secret"), new String[0]);
            HashLoginService realm = new HashLoginService(REALM);
            realm.setUserStore(users);
            server.addBean(realm);
            server.start();
            port = connector.getLocalPort();
            return port;
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public void close() throws Exception {
            if (server != null) {
                server.stop();
                server.join();
            }
        }

        @Override
        public String name() {
            return "jetty";
        }
    }

    /**
     * Tomcat without the default web.xml: no DefaultServlet, so an unmapped URL is answered by
     * Tomcat before any filter runs and reaches the application only through its error page.
     * With {@code defaultServlet}, a default web.xml that declares only Tomcat's DefaultServlet, as
     * its {@code conf/web.xml} does.
     */
    final class TomcatContainer implements EmbeddedContainer {
        /** The part of Tomcat's {@code conf/web.xml} that serves static files. */
        private static final String DEFAULT_WEB_XML = """
                <?xml version="1.0" encoding="UTF-8"?>
                <web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="5.0">
                  <servlet>
                    <servlet-name>default</servlet-name>
                    <servlet-class>org.apache.catalina.servlets.DefaultServlet</servlet-class>
                    <init-param><param-name>listings</param-name><param-value>false</param-value></init-param>
                    <load-on-startup>1</load-on-startup>
                  </servlet>
                  <servlet-mapping><servlet-name>default</servlet-name><url-pattern>/</url-pattern></servlet-mapping>
                  <mime-mapping><extension>css</extension><mime-type>text/css</mime-type></mime-mapping>
                </web-app>
                """;

        private final boolean hardened;
        private final boolean defaultServlet;
        private Tomcat tomcat;
        private int port;

        TomcatContainer(boolean hardened) {
            this(hardened, false);
        }

        TomcatContainer(boolean hardened, boolean defaultServlet) {
            this.hardened = hardened;
            this.defaultServlet = defaultServlet;
        }

        @Override
        public int start(Path webappDir) throws Exception {
            Path base = Files.createTempDirectory("tollgate-tomcat");
            tomcat = new Tomcat();
            tomcat.setBaseDir(base.toString());
            Connector connector = new Connector();
            connector.setPort(0);
            connector.setProperty("address", "127.0.0.1");
            connector.setProperty("maxHttpHeaderSize", String.valueOf(LARGE_HEADERS));
            tomcat.setConnector(connector);

            StandardContext context = context("", webappDir);
            if (defaultServlet) {
                Path defaultWebXml = base.resolve("web.xml");
                Files.writeString(defaultWebXml, "javax".equals(System.getProperty("tollgate.servlet"))
                        ? toJavaEe8(DEFAULT_WEB_XML) : DEFAULT_WEB_XML);
                for (org.apache.catalina.LifecycleListener listener : context.findLifecycleListeners()) {
                    if (listener instanceof ContextConfig config) {
                        config.setDefaultWebXml(defaultWebXml.toString());
                    }
                }
            }
            // The engine's realm (made by getHost()) holds the users that Tomcat.addUser adds.
            tomcat.addUser(ADMIN_USER, ADMIN_USER + "-secret");
            tomcat.addRole(ADMIN_USER, ADMIN_ROLE);
            tomcat.addUser(OTHER_USER, OTHER_USER + "-secret");
            tomcat.getHost().addChild(context);
            if (hardened) {
                // server.xml: <Valve className="org.apache.catalina.valves.ErrorReportValve" showReport="false" showServerInfo="false"/>
                ErrorReportValve report = new ErrorReportValve();
                report.setShowReport(false);
                report.setShowServerInfo(false);
                tomcat.getHost().getPipeline().addValve(report);
            }
            tomcat.start();
            if (context.getState() != LifecycleState.STARTED) {
                throw new IllegalStateException("Tomcat did not start the web application: " + context.getState());
            }
            port = connector.getLocalPort();
            return port;
        }

        /**
         * A context at {@code path} serving {@code webappDir} from its web.xml alone (no default
         * web.xml, no class path scan); its parent class loader is the test class path's.
         */
        static StandardContext context(String path, Path webappDir) {
            StandardContext context = new StandardContext();
            context.setName(path);
            context.setPath(path);
            context.setDocBase(webappDir.toString());
            context.setParentClassLoader(EmbeddedContainer.class.getClassLoader());
            StandardJarScanner scanner = new StandardJarScanner();
            scanner.setScanClassPath(false);
            scanner.setScanManifest(false);
            context.setJarScanner(scanner);
            ContextConfig config = new ContextConfig();
            config.setDefaultWebXml(Constants.NoDefaultWebXml);
            context.addLifecycleListener(config);
            return context;
        }

        @Override
        public int port() {
            return port;
        }

        @Override
        public void close() throws Exception {
            if (tomcat != null) {
                tomcat.stop();
                tomcat.destroy();
            }
        }

        @Override
        public String name() {
            return "tomcat";
        }
    }
}
