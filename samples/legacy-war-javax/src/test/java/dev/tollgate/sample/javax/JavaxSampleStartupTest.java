package dev.tollgate.sample.javax;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/** A new user's first screen: the javax sample starts without a warning, an error or a stack trace. */
class JavaxSampleStartupTest {

    @Test
    void shouldStartWithoutLoggingAnythingAtWarnOrAbove() throws Exception {
        List<String> container = new ArrayList<>();
        Handler julHandler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                    container.add(r.getLevel() + " " + r.getLoggerName() + ": " + r.getMessage()
                            + (r.getThrown() == null ? "" : " " + r.getThrown()));
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        // The WAR brings its own logback, in the webapp's class loader; its console appender writes
        // to whatever System.out is at the time.
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        Logger julRoot = Logger.getLogger("");
        julRoot.addHandler(julHandler);
        System.setOut(new PrintStream(console, true, StandardCharsets.UTF_8));
        JavaxSampleServer server = new JavaxSampleServer();
        try {
            assertTrue(server.start(0, Path.of(System.getProperty("sample.war"))) > 0);
        } finally {
            System.setOut(stdout);
            julRoot.removeHandler(julHandler);
            server.stop();
        }
        assertEquals(List.of(), container, "the container's java.util.logging at WARNING or above");
        assertEquals(List.of(), console.toString(StandardCharsets.UTF_8).lines()
                .filter(line -> line.contains(" WARN ") || line.contains(" ERROR ")).toList(),
                "the webapp's logback at WARN or above");
    }
}
