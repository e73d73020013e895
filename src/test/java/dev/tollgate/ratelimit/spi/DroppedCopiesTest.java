package dev.tollgate.ratelimit.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DroppedCopiesTest {

    private final AtomicLong now = new AtomicLong(1_000);
    private final DroppedCopies dropped = new DroppedCopies(10_000, now::get);

    @Test
    void shouldHoldEveryKeyAddedWithinThePeriodAndFewOthers() {
        dropped.coverAtLeast(TimeUnit.HOURS.toNanos(1));
        for (int i = 0; i < 10_000; i++) {
            dropped.add("t:default:client-" + i);
        }
        for (int i = 0; i < 10_000; i++) {
            assertTrue(dropped.mayHold("t:default:client-" + i), "no false negative: client " + i);
        }
        int maybe = 0;
        for (int i = 0; i < 100_000; i++) {
            maybe += dropped.mayHold("t:default:other-" + i) ? 1 : 0;
        }
        assertTrue(maybe < 100_000 / 20, "at the expected size, few false maybes: " + maybe + " of 100,000");
        assertEquals(2 * 160_000 / 8, dropped.bytes(), "16 bits per expected key, two generations");
    }

    @Test
    void shouldStayWithinFourMegabytesWhateverMaxClients() {
        assertEquals(2 * 16 * 1_000_000 / 8, new DroppedCopies(100_000_000, now::get).bytes(),
                "max-clients=100000000 sizes the filter for a million keys: 4 MB, not 400");
    }

    @Test
    void shouldKeepAKeyAtLeastAPeriodAndForgetItAfterTwo() {
        long period = TimeUnit.MINUTES.toNanos(10);
        dropped.coverAtLeast(period);
        dropped.add("t:default:late");
        now.addAndGet(period - 1);
        assertTrue(dropped.mayHold("t:default:late"));
        // The newer generation turns over: the key is in the older one for one more period.
        now.addAndGet(1);
        assertTrue(dropped.mayHold("t:default:late"));
        now.addAndGet(period - 1);
        assertTrue(dropped.mayHold("t:default:late"));
        now.addAndGet(1);
        assertFalse(dropped.mayHold("t:default:late"), "two periods on, the key was in no generation kept");
    }
}
