package dev.tollgate.ratelimit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Any string in {@code limits}, {@code plans} or {@code client-plans}: a value, or an {@link IllegalArgumentException} that says why. */
class LimitsAndPlansProperties {

    @Property(tries = 3000)
    void shouldParseOrSayWhy(@ForAll("values") String text) {
        for (Runnable parse : List.<Runnable>of(() -> Limits.parse(text), () -> Plans.parsePlans(text),
                () -> Plans.parseClientPlans(text))) {
            try {
                parse.run();
            } catch (IllegalArgumentException e) {
                assertTrue(e.getMessage() != null && !e.getMessage().isBlank(), () -> "a message for [" + text + "]");
            }
        }
    }

    @Provide
    Arbitrary<String> values() {
        Arbitrary<String> near = Arbitraries.strings().withChars("0123456789/ msdh,;:-+=interval\n").ofMaxLength(40);
        Arbitrary<String> known = Arbitraries.of("100/1m, 5000/1d", "free: 10/1m; gold: 100/1m", "a=gold", "1/99999999999999999999d",
                "0/1m", "-1/1m", "10/0s", "10/1m, 20/1m", "gold:", ":10/1m", "10/1m interval", "\u0661/1m");
        return Arbitraries.oneOf(near, known, Arbitraries.strings().ofMaxLength(60));
    }
}
