package dev.tollgate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PathCostsTest {

    @Test
    void shouldChargeOneWhereNoPatternMatches() {
        PathCosts costs = PathCosts.parse("/api/export=10");
        assertEquals(10, costs.costOf("/api/export"));
        assertEquals(1, costs.costOf("/api/export/"));
        assertEquals(1, costs.costOf("/api/exports"));
        assertEquals(1, costs.costOf("/"));
        assertTrue(PathCosts.parse("").isEmpty());
        assertTrue(PathCosts.parse(" , ").isEmpty());
    }

    @Test
    void shouldLetTheMostSpecificPatternDecideWhateverTheOrder() {
        PathCosts costs = PathCosts.parse("/*=2, *.csv=7, /api/*=3, /api/reports/*=5, /api/reports/big=9, *.tar.gz=8, *.gz=6");
        assertEquals(9, costs.costOf("/api/reports/big"), "an exact path first");
        assertEquals(5, costs.costOf("/api/reports/big/2026"), "then the longest prefix");
        assertEquals(5, costs.costOf("/api/reports"), "a prefix pattern matches its own path");
        assertEquals(3, costs.costOf("/api/items.csv"), "a prefix before an extension, as the servlet spec maps");
        assertEquals(2, costs.costOf("/files/x.csv"), "/* is a prefix too");
        PathCosts extensions = PathCosts.parse("*.gz=6, *.tar.gz=8, *.csv=7");
        assertEquals(8, extensions.costOf("/files/backup.tar.gz"), "the longest extension");
        assertEquals(6, extensions.costOf("/files/backup.gz"));
        assertEquals(7, extensions.costOf("/api/users/42.csv"), "whatever servlet serves it");
        assertEquals(1, extensions.costOf("/files/x.csv/more"));
    }

    @Test
    void shouldReadSpacesAroundTheEqualsSignAndSeveralSeparators() {
        PathCosts costs = PathCosts.parse("/a = 2,\n/b=3  /c/* =4");
        assertEquals(2, costs.costOf("/a"));
        assertEquals(3, costs.costOf("/b"));
        assertEquals(4, costs.costOf("/c/d"));
    }
}
