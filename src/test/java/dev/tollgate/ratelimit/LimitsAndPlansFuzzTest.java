package dev.tollgate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tollgate.testing.FuzzInput;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Any text in {@code limits}, {@code plans} or {@code client-plans}: a value whose canonical form
 * parses back to it, or an {@link IllegalArgumentException} whose message names the part and the
 * rule; never another exception. Inputs: {@code LimitsAndPlansFuzzTestInputs/}.
 */
class LimitsAndPlansFuzzTest {

    @FuzzTest
    void shouldParseLimitsOrNameTheLimit(byte[] input) {
        String text = FuzzInput.utf8(input);
        Limits limits;
        try {
            limits = Limits.parse(text);
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            assertTrue(message.startsWith("limit [") && text.contains(named(message, "limit ["))
                    || text.isBlank() && message.startsWith("at least one limit"), () -> "[" + text + "]: " + message);
            return;
        }
        assertEquals(limits, Limits.parse(limits.toString()), () -> "canonical form of [" + text + "]");
        assertEquals(text.split(",", -1).length, limits.limits().size(), () -> "one limit per part of [" + text + "]");
    }

    @FuzzTest
    void shouldParsePlansOrNameThePlan(byte[] input) {
        String text = FuzzInput.utf8(input);
        Map<String, Limits> plans;
        try {
            plans = Plans.parsePlans(text);
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            assertTrue((message.startsWith("plan [") || message.startsWith("plan name [")) && text.contains(named(message, "[")),
                    () -> "[" + text + "]: " + message);
            return;
        }
        List<String> canonical = new ArrayList<>();
        plans.forEach((name, limits) -> canonical.add(name + ": " + limits));
        assertEquals(plans, Plans.parsePlans(String.join("; ", canonical)), () -> "canonical form of [" + text + "]");
    }

    @FuzzTest
    void shouldParseClientPlansOrNameTheEntry(byte[] input) {
        String text = FuzzInput.utf8(input);
        Map<String, String> clientPlans;
        try {
            clientPlans = Plans.parseClientPlans(text);
        } catch (IllegalArgumentException e) {
            String message = e.getMessage();
            assertTrue((message.startsWith("entry [") || message.startsWith("client [")) && text.contains(named(message, "[")),
                    () -> "[" + text + "]: " + message);
            return;
        }
        List<String> canonical = new ArrayList<>();
        clientPlans.forEach((client, plan) -> canonical.add(client + "=" + plan));
        assertEquals(clientPlans, Plans.parseClientPlans(String.join(", ", canonical)), () -> "canonical form of [" + text + "]");
        clientPlans.forEach((client, plan) -> assertTrue(!client.isEmpty() && !plan.isEmpty() && client.indexOf('=') < 0,
                () -> "[" + text + "]: " + client + "=" + plan));
    }

    /** What the message names in brackets after {@code opening}: {@code limit [x]: ...} names {@code x}. */
    private static String named(String message, String opening) {
        int start = message.indexOf(opening) + opening.length();
        int end = message.indexOf(']', start);
        return end < 0 ? "\u0000no name\u0000" : message.substring(start, end);
    }
}
