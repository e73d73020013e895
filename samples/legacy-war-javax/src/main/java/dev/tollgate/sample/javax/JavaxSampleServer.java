package dev.tollgate.sample.javax;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

/** Deploys the transformed sample WAR on an embedded Tomcat 9: {@code <port> <war file>}. */
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
        tomcat.setBaseDir(Files.createTempDirectory("tollgate-javax-sample").toString());
        Connector connector = new Connector();
        connector.setPort(requestedPort);
        tomcat.setConnector(connector);
        tomcat.addWebapp("", war.toAbsolutePath().toString());
        tomcat.start();
        return connector.getLocalPort();
    }

    public void stop() throws Exception {
        tomcat.stop();
        tomcat.destroy();
    }
}
