package dev.tollgate.it;

import java.nio.file.Path;
import java.util.List;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;

class JettyRedeployLeakIT extends RedeployLeakCases {

    @Override
    Host newHost() {
        return new JettyHost();
    }

    /** Embedded Jetty 12 (ee10); it has no leak check of its own, so only the shared checks apply. */
    static final class JettyHost implements Host {
        private Server server;
        private ContextHandlerCollection contexts;
        private WebAppContext context;

        @Override
        public int start() throws Exception {
            server = new Server();
            ServerConnector connector = new ServerConnector(server);
            connector.setHost("127.0.0.1");
            connector.setPort(0);
            server.addConnector(connector);
            contexts = new ContextHandlerCollection();
            server.setHandler(contexts);
            server.start();
            return connector.getLocalPort();
        }

        @Override
        public ClassLoader deploy(Path war) throws Exception {
            context = new WebAppContext();
            context.setContextPath("/app");
            context.setWar(war.toString());
            context.setThrowUnavailableOnStartupException(true);
            contexts.addHandler(context);
            context.start();
            return context.getClassLoader();
        }

        @Override
        public void undeploy() throws Exception {
            context.stop();
            // By reflection: removeHandler returns boolean in Jetty 12 and void in Jetty 10 (the javax run).
            contexts.getClass().getMethod("removeHandler", org.eclipse.jetty.server.Handler.class).invoke(contexts, context);
            context.destroy();
            context = null;
        }

        @Override
        public List<String> leakWarnings() {
            return List.of();
        }

        @Override
        public void stop() throws Exception {
            if (server != null) {
                server.stop();
                server.join();
            }
        }
    }
}
