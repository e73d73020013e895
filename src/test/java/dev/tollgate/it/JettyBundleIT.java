package dev.tollgate.it;

import java.lang.reflect.Constructor;
import java.nio.file.Path;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

class JettyBundleIT extends BundleCases {

    @Override
    Host newHost() {
        return new Host() {
            private Server server;

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
                context.setThrowUnavailableOnStartupException(true);
                server.setHandler(context);
                context.setClassLoader(webAppClassLoader(parent, context));
                server.start();
                return connector.getLocalPort();
            }

            /**
             * Jetty's web application class loader under {@code parent}. By reflection: its
             * constructor takes a different context type in Jetty 12.1 (deprecated there) and in
             * Jetty 10 (the javax run).
             */
            private ClassLoader webAppClassLoader(ClassLoader parent, WebAppContext context) throws Exception {
                Class<?> type = Class.forName(WebAppContext.class.getPackageName() + ".WebAppClassLoader");
                for (Constructor<?> constructor : type.getConstructors()) {
                    Class<?>[] parameters = constructor.getParameterTypes();
                    if (parameters.length == 2 && parameters[0] == ClassLoader.class && parameters[1].isInstance(context)) {
                        return (ClassLoader) constructor.newInstance(parent, context);
                    }
                }
                throw new IllegalStateException("no WebAppClassLoader(ClassLoader, Context) in " + type);
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
