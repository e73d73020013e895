package dev.tollgate.properties;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tollgate.properties.DocumentedFilters.FilterUnderTest;
import dev.tollgate.testing.FuzzInput;
import jakarta.servlet.ServletException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Any string in any documented init-param of any filter: the filter starts, or startup fails with
 * a {@link ServletException} that names the filter and the param. Never another exception, never
 * a message without the param's name. The params are the init-param tables of the filters' pages
 * in {@code docs/}, so a new param is fuzzed as soon as it is documented. Lines of the input: the
 * filter's class name, the param's name (another name picks one by its hash), then the value (the
 * rest, newlines included).
 * Inputs: {@code InitParamFuzzTestInputs/}.
 */
class InitParamFuzzTest {

    /** Params whose values would make the filter connect somewhere: tested by the Redis tests instead. */
    private static final Set<String> CONNECTING = Set.of("store", "redis-uri");

    @FuzzTest
    void shouldStartOrNameTheParamForAnyValue(byte[] input) throws Exception {
        List<String> lines = FuzzInput.lines(FuzzInput.utf8(input));
        FilterUnderTest under = FuzzInput.pick(DocumentedFilters.FILTERS, lines.get(0), FilterUnderTest::name);
        List<String> documented = under.params().stream().filter(p -> !CONNECTING.contains(p)).toList();
        String param = FuzzInput.pick(documented, lines.size() > 1 ? lines.get(1) : "", p -> p);
        String value = lines.size() > 2 ? String.join("\n", lines.subList(2, lines.size())) : "";
        Map<String, String> params = new HashMap<>(under.base());
        params.put(param, value);
        try {
            under.startAndStop(params);
        } catch (ServletException e) {
            String message = String.valueOf(e.getMessage());
            assertTrue(message.startsWith(under.name()) && message.contains("[" + param + "]"),
                    () -> under + " [" + param + "]=[" + value + "]: " + message);
        } catch (RuntimeException e) {
            throw new AssertionError(under + " [" + param + "]=[" + value + "] threw " + e, e);
        }
    }
}
