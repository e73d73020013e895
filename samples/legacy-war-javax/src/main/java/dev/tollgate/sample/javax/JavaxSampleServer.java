package dev.tollgate.sample.javax;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.Context;
import org.apache.catalina.Lifecycle;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

/**
 * Deploys the transformed sample WAR on an embedded Tomcat 9: {@code <port> <war file>}. As the
 * jakarta sample: a standalone Tomcat's defaults less the JSP servlet, whose class is not here.
 */
public final class JavaxSampleServer {

    private final Tomcat tomcat = new Tomcat();

    public static void main(String[] args) throws Exception {
        JavaxSampleServer server = new JavaxSampleServer();
        int port = server.start(Integer.parseInt(args[0]), Path.of(args[1]));
        System.out.println("Tollgate javax sample on Tomcat " + org.apache.catalina.util.ServerInfo.getServerNumber()
                + " at http://localhost:" + port + "/  (Ctrl-C stops it)");
        server.tomcat.getServer().await();
    }

    /** Deploys {@code war} at the root context and starts; returns the port. */
    public int start(int requestedPort, Path war) throws Exception {
        if (!Files.isRegularFile(war)) {
            throw new IllegalStateException("No WAR at " + war + "; run 'mvn package' in this project first");
        }
        if (System.getenv("TOLLGATE_KEYS_FILE") == null && System.getProperty("tollgate.keys-file") == null) {
            // The jakarta sample's keys file, next to this project.
            Path keys = Path.of("../legacy-war/keys.txt");
            System.setProperty("tollgate.keys-file",
                    (Files.isRegularFile(keys) ? keys : Path.of("samples/legacy-war/keys.txt")).toAbsolutePath().toString());
        }
        Path base = Files.createTempDirectory("tollgate-javax-sample");
        // Tomcat expands the WAR into the host's appBase, which it does not create itself.
        Files.createDirectories(base.resolve("webapps"));
        tomcat.setBaseDir(base.toString());
        Connector connector = new Connector();
        connector.setPort(requestedPort);
        tomcat.setConnector(connector);
        tomcat.setAddDefaultWebXmlToWebapp(false);
        Context context = tomcat.addWebapp("", war.toAbsolutePath().toString());
        // Under exec:java this class (and Tomcat) is not on the system class loader, the default parent.
        context.setParentClassLoader(JavaxSampleServer.class.getClassLoader());
        context.addLifecycleListener(event -> {
            if (Lifecycle.BEFORE_START_EVENT.equals(event.getType())) {
                Tomcat.initWebappDefaults(context);
                context.removeServletMapping("*.jsp");
                context.removeServletMapping("*.jspx");
                context.removeWelcomeFile("index.jsp");
                context.removeChild(context.findChild("jsp"));
            }
        });
        tomcat.start();
        return connector.getLocalPort();
    }

    public void stop() throws Exception {
        tomcat.stop();
        tomcat.destroy();
    }
}
