package dev.tollgate.it;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;

/**
 * Cases run on one real container, started once per test class on a free port and deploying one of
 * {@code src/test/webapps}. Each container has a subclass of each set of cases.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ContainerCases {

    /** The system property that the test web applications' {@code keys-file} init-params name. */
    private static final String KEYS_FILE_PROPERTY = "tollgate.keys-file";

    private EmbeddedContainer container;
    private Path keysFile;
    /** The port the container listens on, once deployed. */
    int port;

    abstract EmbeddedContainer newContainer();

    /** Starts the container with {@code src/test/webapps/<webapp>}. */
    final void deploy(String webapp) throws Exception {
        container = newContainer();
        port = container.start(EmbeddedContainer.webapp(webapp));
    }

    /** Starts the container with the WAR directory {@code webappDir} (a filled-in template, say). */
    final void deploy(Path webappDir) throws Exception {
        container = newContainer();
        port = container.start(webappDir);
    }

    /**
     * Starts the container with {@code src/test/webapps/<webapp>} and a keys file holding
     * {@code keysFileText}, named to the web application by a system property while it starts.
     * The file is deleted when the class is done.
     */
    final Path deploy(String webapp, String keysFileText) throws Exception {
        keysFile = Files.createTempFile("tollgate-keys", ".txt");
        Files.writeString(keysFile, keysFileText);
        System.setProperty(KEYS_FILE_PROPERTY, keysFile.toString());
        try {
            deploy(webapp);
        } finally {
            System.clearProperty(KEYS_FILE_PROPERTY);
        }
        return keysFile;
    }

    @AfterAll
    final void undeploy() throws Exception {
        if (container != null) {
            container.close();
        }
        if (keysFile != null) {
            Files.deleteIfExists(keysFile);
        }
    }
}
