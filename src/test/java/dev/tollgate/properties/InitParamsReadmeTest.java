package dev.tollgate.properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tollgate.properties.DocumentedFilters.FilterUnderTest;
import dev.tollgate.testing.Fakes;
import jakarta.servlet.ServletException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The init-param tables of the filters' pages in {@code docs/} are the filters' params, exactly. */
class InitParamsReadmeTest {

    /** Every param a filter accepts is in its page's tables, and every param there is one it accepts. */
    @Test
    void shouldDocumentExactlyTheParamsEachFilterAccepts() {
        for (FilterUnderTest under : DocumentedFilters.FILTERS) {
            Map<String, String> params = new HashMap<>(under.base());
            params.put("no-such-param", "x");
            ServletException unknown = assertThrows(ServletException.class,
                    () -> under.filter().get().init(Fakes.filterConfig("under-test", params)));
            String message = unknown.getMessage();
            String known = message.substring(message.indexOf("known names are [") + "known names are [".length(), message.lastIndexOf(']'));
            assertEquals(new TreeSet<>(List.of(known.split(", "))), new TreeSet<>(under.params()), under + ": the init-param tables of " + under.page());
        }
    }
}
