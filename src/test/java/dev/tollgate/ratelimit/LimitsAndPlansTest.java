package dev.tollgate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LimitsAndPlansTest {

    @Test
    void shouldParseSeveralLimitsAndPrintThemCanonically() {
        Limits limits = Limits.parse(" 100/1m,5000/1d , 10/s interval, 2/500ms");
        assertEquals("100/1m, 5000/1d, 10/1s interval, 2/500ms", limits.toString());
        assertEquals(new Limits.Limit(100, Duration.ofMinutes(1), false), limits.first());
        assertEquals(Duration.ofDays(1), limits.longestPeriod());
        assertEquals(4, limits.configuration().getBandwidths().length);
        assertEquals(Limits.parse("60/m"), Limits.parse("60/1m"));
    }

    @Test
    void shouldNameTheBadPartAndTheRule() {
        assertBad("100/0s", "limit [100/0s]: period must be positive");
        assertBad("-1/1m", "limit [-1/1m]: capacity must be a whole number from 1 to 1000000000");
        assertBad("0/1m", "limit [0/1m]: capacity must be a whole number from 1 to 1000000000");
        assertBad("abc", "limit [abc] must be <capacity>/<period> like 100/1m or 5000/1d (units ms, s, m, h, d), optionally followed by 'interval'");
        assertBad("100/1m, 100/1w", "limit [100/1w] must be <capacity>/<period> like 100/1m or 5000/1d (units ms, s, m, h, d), optionally followed by 'interval'");
        assertBad("", "at least one limit <capacity>/<period> is needed, like 100/1m");
        assertBad("10/1m, 20/60s", "limit [20/60s]: two limits with the same period 1m");
        assertBad("10/400d", "limit [10/400d]: period must be at most 366d");
    }

    /** Found by LimitsAndPlansFuzzTest: "," made no limit at all, and bucket4j's own message came out. */
    @Test
    void shouldNameAnEmptyPartWithTheRuleWhereverItIs() {
        String rule = "limit [] must be <capacity>/<period> like 100/1m or 5000/1d (units ms, s, m, h, d), optionally followed by 'interval'";
        for (String text : List.of(",", " , ", ",,", "100/1m,", "100/1m, ", ",100/1m", "100/1m,,5/1s")) {
            assertBad(text, rule);
        }
        assertEquals("plan [gold]: " + rule, assertThrows(IllegalArgumentException.class, () -> Plans.parsePlans("gold: ,")).getMessage());
    }

    /** Found by LimitsAndPlansFuzzTest: bucket4j refills at most one token a nanosecond, and said so in its own words. */
    @Test
    void shouldRefuseMoreThanOneRequestPerNanosecondWithTheRule() {
        assertBad("88888880/ms", "limit [88888880/ms]: capacity must be at most 1000000 per ms of period");
        assertBad("1000000000/999ms", "limit [1000000000/999ms]: capacity must be at most 1000000 per ms of period");
        assertEquals("1000000/1ms, 1000000000/1s", Limits.parse("1000000/1ms, 1000000000/1s").toString());
        IllegalArgumentException inCode = assertThrows(IllegalArgumentException.class,
                () -> new Limits.Limit(1_000_001, Duration.ofMillis(1), false));
        assertEquals("limit capacity [1000001] must be at most 1000000 per ms of period [1ms]", inCode.getMessage());
    }

    private static void assertBad(String text, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> Limits.parse(text)).getMessage());
    }

    @Test
    void shouldSelectPlansByNameAndClient() {
        Map<String, Limits> named = Plans.parsePlans("free: 60/1m;\n gold: 1000/1m, 100000/1d");
        List<Plan> plans = named.entrySet().stream().map(e -> Plan.of(e.getKey(), e.getValue())).toList();
        Plans all = Plans.of(Limits.parse("10/1m"), plans, Plans.parseClientPlans("alice=gold, bob=free"));
        assertEquals("default", all.defaultPlan().name());
        assertEquals("1000/1m, 100000/1d", all.byName("gold").limits().toString());
        assertEquals("gold", all.byClient("alice").name());
        assertNull(all.byClient("carol"));
        assertEquals(Duration.ofDays(1), all.longestPeriod());
        assertEquals("1000", all.byName("gold").limitHeader());
        assertEquals("\"gold-1m\";q=1000;w=60, \"gold-1d\";q=100000;w=86400", all.byName("gold").policyHeader());
    }

    @Test
    void shouldRefuseBadPlansNamingThem() {
        assertEquals("plan [gold 1000/1m] must be <name>: <limits>, like gold: 1000/1m, 100000/1d",
                assertThrows(IllegalArgumentException.class, () -> Plans.parsePlans("gold 1000/1m")).getMessage());
        assertEquals("plan [gold]: limit [0/1m]: capacity must be a whole number from 1 to 1000000000",
                assertThrows(IllegalArgumentException.class, () -> Plans.parsePlans("gold: 0/1m")).getMessage());
        assertEquals("plan [gold] is defined twice",
                assertThrows(IllegalArgumentException.class, () -> Plans.parsePlans("gold: 1/1m; gold: 2/1m")).getMessage());
        assertEquals("plan name [go ld] must be 1-64 characters of [A-Za-z0-9_-]",
                assertThrows(IllegalArgumentException.class, () -> Plans.parsePlans("go ld: 1/1m")).getMessage());
        assertEquals("entry [alice] must be <client>=<plan>",
                assertThrows(IllegalArgumentException.class, () -> Plans.parseClientPlans("alice")).getMessage());
        assertEquals("client [alice] is on plan [platinum], which is not defined; defined plans are [default]",
                assertThrows(IllegalArgumentException.class,
                        () -> Plans.of(Limits.parse("1/1m"), List.of(), Map.of("alice", "platinum"))).getMessage());
        Plans plans = Plans.of(Limits.parse("1/1m"));
        assertEquals("plan [gold] used by an API key is not defined; defined plans are [default]",
                assertThrows(IllegalArgumentException.class, () -> plans.requireDefined(List.of("gold"), "an API key")).getMessage());
        assertTrue(plans.names().contains("default"));
    }
}
