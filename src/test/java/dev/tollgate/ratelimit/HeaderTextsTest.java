package dev.tollgate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class HeaderTextsTest {

    @Test
    void shouldWriteEveryCountAsItsDecimalTextAndReuseTheSmallOnes() {
        for (long n : new long[] {0, 1, 9, 10, 999, 1023, 1024, 1025, 1_000_000_000L, Long.MAX_VALUE, -1, Long.MIN_VALUE}) {
            assertEquals(Long.toString(n), HeaderTexts.count(n));
        }
        assertSame(HeaderTexts.count(42), HeaderTexts.count(42));
        assertSame(HeaderTexts.count(1023), HeaderTexts.count(1023));
    }

    @Test
    void shouldGiveTheTextOfTheSecondAskedForAcrossSecondBoundariesAndSharedSlots() {
        HeaderTexts texts = new HeaderTexts();
        long t = 1_700_000_000L;
        assertEquals("1700000000", texts.seconds(t));
        assertSame(texts.seconds(t), texts.seconds(t));
        assertEquals("1700000001", texts.seconds(t + 1));
        assertEquals("1700000000", texts.seconds(t));
        // Same slot, another second: never the text of the second that was there.
        assertEquals(Long.toString(t + HeaderTexts.SECONDS), texts.seconds(t + HeaderTexts.SECONDS));
        assertEquals("1700000000", texts.seconds(t));
        assertEquals(Long.toString(t + 86_400), texts.seconds(t + 86_400));
        assertEquals("0", texts.seconds(0));
        assertEquals(Long.toString(Long.MAX_VALUE), texts.seconds(Long.MAX_VALUE));
    }
}
