package dev.tollgate.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class JoinedKeysTest {

    @Test
    void shouldJoinEveryPairRightAndReuseTheRecentOnes() {
        JoinedKeys keys = new JoinedKeys();
        assertEquals("client:acme", keys.join("client:", "acme"));
        assertSame(keys.join("client:", "acme"), keys.join("client:", new String("acme")));
        assertEquals("ip:acme", keys.join("ip:", "acme"));
        assertEquals("gold|client:acme", keys.join("gold|", "client:acme"));
        assertEquals("free|client:acme", keys.join("free|", "client:acme"));
        // Far more pairs than slots: each is still its own join, also when asked for again.
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < JoinedKeys.SIZE * 4; i++) {
                assertEquals("ip:10.0." + (i >> 8) + "." + (i & 255), keys.join("ip:", "10.0." + (i >> 8) + "." + (i & 255)));
            }
        }
        assertEquals("client:", keys.join("client:", ""));
    }
}
