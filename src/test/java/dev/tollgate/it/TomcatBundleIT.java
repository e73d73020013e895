package dev.tollgate.it;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.startup.Tomcat;

class TomcatBundleIT extends BundleCases {

    @Override
    Host newHost() {
        return new Host() {
            private Tomcat tomcat;

            @Override
            public int start(Path war, ClassLoader parent) throws Exception {
                tomcat = new Tomcat();
                tomcat.setBaseDir(Files.createTempDirectory("tollgate-tomcat").toString());
                Connector connector = new Connector();
                connector.setPort(0);
                connector.setProperty("address", "127.0.0.1");
                tomcat.setConnector(connector);
                StandardContext context = EmbeddedContainer.TomcatContainer.context("", war);
                context.setParentClassLoader(parent);
                tomcat.getHost().addChild(context);
                tomcat.start();
                if (context.getState() != LifecycleState.STARTED) {
                    throw new IllegalStateException("Tomcat did not start the web application: " + context.getState());
                }
                return connector.getLocalPort();
            }

            @Override
            public void stop() throws Exception {
                if (tomcat != null) {
                    tomcat.stop();
                    tomcat.destroy();
                }
            }
        };
    }
}
