package dev.tollgate.it;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Constants;
import org.apache.catalina.startup.ContextConfig;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.scan.StandardJarScanner;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A real servlet container serving one WAR directory (with its {@code WEB-INF/web.xml}) on a free
 * loopback port. The application's classes come from the test classpath.
 */
public interface EmbeddedContainer {

    /** Deploys {@code webappDir} at context path "" and starts; returns the port. */
    int start(Path webappDir) throws Exception;

    /** The port the container listens on. */
    int port();

    /** Stops the container and releases its port. */
    void close() throws Exception;

    String name();

    /** The WAR directory {@code src/test/webapps/<name>}. */
    static Path webapp(String name) {
        Path dir = Path.of("src", "test", "webapps", name).toAbsolutePath();
        if (!Files.isRegularFile(dir.resolve("WEB-INF/web.xml"))) {
            throw new IllegalStateException("No WEB-INF/web.xml under " + dir);
        }
        return dir;
    }

    static EmbeddedContainer jetty() {
        return new JettyContainer();
    }

    static EmbeddedContainer tomcat() {
        return new TomcatContainer();
    }

    /** Jetty 12 (ee10) with its usual webapp defaults (the DefaultServlet answers unmapped URLs). */
    final class JettyContainer implements EmbeddedContainer {
        private Server server;
        private int port;

        @Override
        public int start(Path webappDir) throws Exception {
            server = new Server();
            ServerConnector connector = new ServerConnector(server);
            connector.setHost("127.0.0.1");
            connector.setPort(0);
            server.addConnector(connector);
            WebAppContext context = new WebAppContext();
            context.setContextPath("/");
            context.setWar(webappDir.toString());
            context.setParentLoaderPriority(true);
            context.setThrowUnavailableOnStartupException(true);
            server.setHandler(context);
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
     */
    final class TomcatContainer implements EmbeddedContainer {
        private Tomcat tomcat;
        private int port;

        @Override
        public int start(Path webappDir) throws Exception {
            Path base = Files.createTempDirectory("tollgate-tomcat");
            tomcat = new Tomcat();
            tomcat.setBaseDir(base.toString());
            Connector connector = new Connector();
            connector.setPort(0);
            connector.setProperty("address", "127.0.0.1");
            tomcat.setConnector(connector);

            StandardContext context = new StandardContext();
            context.setName("");
            context.setPath("");
            context.setDocBase(webappDir.toString());
            context.setParentClassLoader(EmbeddedContainer.class.getClassLoader());
            StandardJarScanner scanner = new StandardJarScanner();
            scanner.setScanClassPath(false);
            scanner.setScanManifest(false);
            context.setJarScanner(scanner);
            ContextConfig config = new ContextConfig();
            config.setDefaultWebXml(Constants.NoDefaultWebXml);
            context.addLifecycleListener(config);
            tomcat.getHost().addChild(context);
            tomcat.start();
            if (context.getState() != LifecycleState.STARTED) {
                throw new IllegalStateException("Tomcat did not start the web application: " + context.getState());
            }
            port = connector.getLocalPort();
            return port;
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
