package dev.tollgate.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** A new user's first screen: the sample starts without a warning, an error or a stack trace. */
class SampleStartupTest {

    @Test
    void shouldStartWithoutLoggingAnythingAtWarnOrAbove() throws Exception {
        List<String> container = new ArrayList<>();
        Handler julHandler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
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
        ListAppender<ILoggingEvent> app = new ListAppender<>();
        app.start();
        ch.qos.logback.classic.Logger root =
                (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger julRoot = Logger.getLogger("");
        julRoot.addHandler(julHandler);
        root.addAppender(app);
        SampleServer server = new SampleServer();
        try {
            assertTrue(server.start(0, SampleServer.webappDir()) > 0);
        } finally {
            julRoot.removeHandler(julHandler);
            root.detachAppender(app);
            server.stop();
        }
        assertEquals(List.of(), container, "the container's java.util.logging at WARNING or above");
        assertEquals(List.of(), app.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .map(e -> e.getLevel() + " " + e.getLoggerName() + ": " + e.getFormattedMessage()).toList(),
                "logback at WARN or above");
    }

    @Test
    void shouldTellWhereItListensAndWhichCallToTry() {
        List<String> banner = SampleServer.banner(8080);
        assertTrue(banner.get(0).contains("http://localhost:8080/"), banner.get(0));
        assertTrue(banner.stream().anyMatch(line -> line.contains("curl")
                && line.contains("http://localhost:8080/api/hello")
                && line.contains("X-API-KEY: tg_demo-key-for-the-sample-only")), String.join("\n", banner));
    }
}
