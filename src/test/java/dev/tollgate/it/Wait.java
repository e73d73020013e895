package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.function.Predicate;

/**
 * The one way the tests wait: for something the filters show (an answer, a log event, a metric, a
 * connection count), polled every 50 ms up to a bound, never a fixed sleep. A wait that runs out
 * fails with what it waited for and the last value it saw.
 */
public final class Wait {

    /** Long enough for a loaded machine; a wait that takes it is a failure, not a slow pass. */
    public static final Duration DEFAULT = Duration.ofSeconds(10);

    private static final long POLL_MILLIS = 50;

    /** A value to look at, which may throw (an HTTP call, say). */
    @FunctionalInterface
    public interface Probe<T> {
        T get() throws Exception;
    }

    private Wait() {
    }

    /** Polls {@code value} until {@code done} holds and returns it; fails after {@link #DEFAULT} naming {@code what}. */
    public static <T> T until(String what, Probe<T> value, Predicate<T> done) throws Exception {
        return until(what, DEFAULT, value, done);
    }

    /** Polls {@code value} until {@code done} holds and returns it; fails after {@code timeout} naming {@code what}. */
    public static <T> T until(String what, Duration timeout, Probe<T> value, Predicate<T> done) throws Exception {
        T last = poll(timeout, value, done);
        if (!done.test(last)) {
            fail("waited " + timeout.toMillis() + " ms for " + what + "; last saw " + last);
        }
        return last;
    }

    /**
     * Polls {@code value} until {@code done} holds or {@code timeout} passes, and returns the last
     * value either way: for a caller whose own assertion says more than a timeout would.
     */
    public static <T> T poll(Duration timeout, Probe<T> value, Predicate<T> done) throws Exception {
        return poll(timeout, Duration.ofMillis(POLL_MILLIS), value, done);
    }

    /** As {@link #poll(Duration, Probe, Predicate)}, looking every {@code every}: for a moment the test must catch soon. */
    public static <T> T poll(Duration timeout, Duration every, Probe<T> value, Predicate<T> done) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        T current = value.get();
        while (!done.test(current) && System.nanoTime() < deadline) {
            Thread.sleep(every.toMillis());
            current = value.get();
        }
        return current;
    }

    /** Waits until {@code log} has captured an event whose message contains {@code text}. */
    public static void forLog(LogCapture log, String text) throws Exception {
        until("a log event containing [" + text + "]", () -> log.text(), logged -> logged.contains(text));
    }
}
