package dev.tollgate.ratelimit.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The store's table name: only what can be no SQL but a name, and short enough for its index's name. */
class BucketTableTest {

    @Test
    void shouldTakeOnlyPlainNamesShortEnoughForTheirIndex() {
        String longest = "t".repeat(56);
        assertEquals(longest, new BucketTable(longest).name());
        assertEquals("app.tollgate_buckets", new BucketTable("app.tollgate_buckets").name());
        for (String bad : List.of("t".repeat(57), "tollgate_buckets; DROP TABLE users", "1buckets", "buckets--", "\"buckets\"", "a.b.c")) {
            assertEquals(BucketTable.NAME_RULE, assertThrows(IllegalArgumentException.class, () -> new BucketTable(bad)).getMessage(), bad);
        }
        String index = new BucketTable(longest).ddl(BucketTable.Dialect.MARIADB).get(1);
        assertTrue(index.startsWith("CREATE INDEX " + longest + "_expires ON"), index);
        assertTrue((longest + "_expires").length() <= 64, "MySQL's limit on identifiers");
    }
}
