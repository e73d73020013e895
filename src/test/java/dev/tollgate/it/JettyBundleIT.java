package dev.tollgate.it;

import java.nio.file.Path;
import org.eclipse.jetty.ee10.webapp.WebAppClassLoader;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

class JettyBundleIT extends BundleCases {

    @Override
    Host newHost() {
        return new Host() {
            private Server server;

            // The ee10 WebAppClassLoader is deprecated in Jetty 12.1 but is the one Jetty 10 (the javax run) has too.
            @SuppressWarnings("removal")
            @Override
            public int start(Path war, ClassLoader parent) throws Exception {
                server = new Server();
                ServerConnector connector = new ServerConnector(server);
                connector.setHost("127.0.0.1");
                connector.setPort(0);
                server.addConnector(connector);
                WebAppContext context = new WebAppContext();
                context.setContextPath("/");
                context.setWar(war.toString());
                context.setClassLoader(new WebAppClassLoader(parent, context));
                context.setThrowUnavailableOnStartupException(true);
                server.setHandler(context);
                server.start();
                return connector.getLocalPort();
            }

            @Override
            public void stop() throws Exception {
                if (server != null) {
                    server.stop();
                    server.join();
                }
            }
        };
    }
}
