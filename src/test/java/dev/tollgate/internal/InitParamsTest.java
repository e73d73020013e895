package dev.tollgate.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.testing.Fakes;
import jakarta.servlet.ServletException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class InitParamsTest {

    private static InitParams params(Map<String, String> values) throws ServletException {
        return InitParams.of(Fakes.filterConfig("f", values), "SomeFilter", Set.of("flag", "count", "mode", "items", "period"));
    }

    @Test
    void shouldRejectUnknownParamNamingItAndTheKnownOnes() {
        ServletException e = assertThrows(ServletException.class, () -> params(Map.of("cuont", "3")));
        assertEquals("SomeFilter: unknown init-param [cuont]; known names are [count, flag, items, mode, period]", e.getMessage());
    }

    @Test
    void shouldUseDefaultsForAbsentAndBlankValues() throws ServletException {
        InitParams p = params(Map.of("count", "  "));
        assertEquals(7, p.integer("count", 7, 1, 10));
        assertTrue(p.bool("flag", true));
        assertEquals("x", p.string("mode", "x"));
        assertEquals(List.of(), p.list("items"));
    }

    @Test
    void shouldNameParamValueAndRuleForBadBoolean() throws ServletException {
        ServletException e = assertThrows(ServletException.class, () -> params(Map.of("flag", "yes")).bool("flag", false));
        assertEquals("SomeFilter: init-param [flag] has invalid value [yes]: must be true or false", e.getMessage());
    }

    @Test
    void shouldNameParamValueAndRuleForIntegerOutOfRangeOrNotANumber() throws ServletException {
        ServletException range = assertThrows(ServletException.class, () -> params(Map.of("count", "11")).integer("count", 1, 1, 10));
        assertEquals("SomeFilter: init-param [count] has invalid value [11]: must be an integer between 1 and 10", range.getMessage());
        ServletException nan = assertThrows(ServletException.class, () -> params(Map.of("count", "ten")).integer("count", 1, 1, 10));
        assertEquals("SomeFilter: init-param [count] has invalid value [ten]: must be an integer between 1 and 10", nan.getMessage());
    }

    @Test
    void shouldNameAcceptedChoices() throws ServletException {
        ServletException e = assertThrows(ServletException.class, () -> params(Map.of("mode", "maybe")).choice("mode", "allow", Set.of("allow", "reject")));
        assertEquals("SomeFilter: init-param [mode] has invalid value [maybe]: must be one of [allow, reject]", e.getMessage());
        assertEquals("reject", params(Map.of("mode", "REJECT")).choice("mode", "allow", Set.of("allow", "reject")));
    }

    @Test
    void shouldSplitListsOnCommasAndWhitespace() throws ServletException {
        assertEquals(List.of("a", "b", "c"), params(Map.of("items", " a, b\n c ,")).list("items"));
    }

    @Test
    void shouldWrapParserRuleInStartupFailure() throws ServletException {
        InitParams p = params(Map.of("period", "soon"));
        ServletException e = assertThrows(ServletException.class, () -> p.parse("period", "PT1S", text -> {
            if (!text.startsWith("PT")) {
                throw new IllegalArgumentException("must be an ISO-8601 duration");
            }
            return Duration.parse(text);
        }));
        assertEquals("SomeFilter: init-param [period] has invalid value [soon]: must be an ISO-8601 duration", e.getMessage());
    }

    @Test
    void shouldCheckOnlyPrefixedContextParams() throws ServletException {
        InitParams.ofContext(Fakes.context(Map.of("other.lib", "x", "tollgate.known", "y")), "tollgate.", Set.of("tollgate.known"));
        ServletException e = assertThrows(ServletException.class,
                () -> InitParams.ofContext(Fakes.context(Map.of("tollgate.typo", "y")), "tollgate.", Set.of("tollgate.known")));
        assertEquals("Tollgate: unknown context-param [tollgate.typo]; known names are [tollgate.known]", e.getMessage());
    }
}
