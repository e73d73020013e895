package dev.tollgate.it;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Cases run on real containers: each class runs all its cases once on every {@link Container}, each
 * started once per class invocation (in a {@code @BeforeParameterizedClassInvocation} method) on a
 * free port and deploying one of {@code src/test/webapps}.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(Container.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ContainerCases {

    /** The system property that the test web applications' {@code keys-file} init-params name. */
    private static final String KEYS_FILE_PROPERTY = "tollgate.keys-file";

    /** The container of this invocation of the class. */
    @Parameter
    Container container;

    private EmbeddedContainer server;
    private Path keysFile;
    /** The port the container listens on, once deployed. */
    int port;

    /** A new, unstarted container of this invocation; cases that need it set up otherwise override this. */
    EmbeddedContainer newContainer() {
        return container.plain();
    }

    /** Starts the container with {@code src/test/webapps/<webapp>}. */
    final void deploy(String webapp) throws Exception {
        server = newContainer();
        port = server.start(EmbeddedContainer.webapp(webapp));
    }

    /** Starts the container with the WAR directory {@code webappDir} (a filled-in template, say). */
    final void deploy(Path webappDir) throws Exception {
        server = newContainer();
        port = server.start(webappDir);
    }

    /**
     * Starts the container with {@code src/test/webapps/<webapp>} and a keys file holding
     * {@code keysFileText}, named to the web application by a system property while it starts.
     * The file is deleted when the class is done.
     */
    final Path deploy(String webapp, String keysFileText) throws Exception {
        return deploy(EmbeddedContainer.webapp(webapp), keysFileText);
    }

    /** The same with the WAR directory {@code webappDir} (a filled-in template, say). */
    final Path deploy(Path webappDir, String keysFileText) throws Exception {
        keysFile = Files.createTempFile("tollgate-keys", ".txt");
        Files.writeString(keysFile, keysFileText);
        System.setProperty(KEYS_FILE_PROPERTY, keysFile.toString());
        try {
            deploy(webappDir);
        } finally {
            System.clearProperty(KEYS_FILE_PROPERTY);
        }
        return keysFile;
    }

    @AfterParameterizedClassInvocation
    final void undeploy() throws Exception {
        if (server != null) {
            server.close();
            server = null;
        }
        if (keysFile != null) {
            Files.deleteIfExists(keysFile);
            keysFile = null;
        }
    }
}
