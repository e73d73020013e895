package dev.tollgate.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.core.StandardContext;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.startup.Tomcat;

class TomcatRedeployLeakIT extends RedeployLeakCases {

    @Override
    Host newHost() {
        return new TomcatHost();
    }

    /** Embedded Tomcat; its own leak checks (the class loader's warnings, "find leaks") are reported. */
    static final class TomcatHost implements Host {
        /** The loggers of Tomcat's leak checks, held so that their handler stays attached. */
        private static final List<Logger> LEAK_LOGGERS = List.of(
                Logger.getLogger("org.apache.catalina.loader.WebappClassLoaderBase"),
                Logger.getLogger("org.apache.catalina.loader.WebappClassLoader"),
                Logger.getLogger("org.apache.catalina.core.StandardContext"));

        private final List<String> warnings = Collections.synchronizedList(new ArrayList<>());
        private final Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                    warnings.add(record.getLevel() + " " + record.getLoggerName() + ": " + record.getMessage()
                            + (record.getParameters() == null ? "" : " " + java.util.Arrays.toString(record.getParameters())));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        private Tomcat tomcat;
        private StandardContext context;

        @Override
        public int start() throws Exception {
            // The test logging configuration keeps the class loader's warnings quiet for the other tests.
            LEAK_LOGGERS.forEach(logger -> {
                logger.setLevel(Level.WARNING);
                logger.addHandler(handler);
            });
            tomcat = new Tomcat();
            tomcat.setBaseDir(Files.createTempDirectory("tollgate-tomcat").toString());
            Connector connector = new Connector();
            connector.setPort(0);
            connector.setProperty("address", "127.0.0.1");
            tomcat.setConnector(connector);
            tomcat.getHost();
            tomcat.start();
            return connector.getLocalPort();
        }

        @Override
        public ClassLoader deploy(Path war) throws Exception {
            context = EmbeddedContainer.TomcatContainer.context("/app", war);
            tomcat.getHost().addChild(context);
            if (context.getState() != LifecycleState.STARTED) {
                throw new IllegalStateException("Tomcat did not start the web application: " + context.getState());
            }
            return context.getLoader().getClassLoader();
        }

        @Override
        public void undeploy() {
            tomcat.getHost().removeChild(context);
            context = null;
        }

        @Override
        public List<String> leakWarnings() {
            List<String> all = new ArrayList<>(warnings);
            for (String name : ((StandardHost) tomcat.getHost()).findReloadedContextMemoryLeaks()) {
                all.add("find leaks: " + name);
            }
            return all;
        }

        @Override
        public void stop() throws Exception {
            LEAK_LOGGERS.forEach(logger -> {
                logger.removeHandler(handler);
                logger.setLevel(null);
            });
            if (tomcat != null) {
                tomcat.stop();
                tomcat.destroy();
            }
        }
    }
}
