package dev.tollgate.properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tollgate.properties.DocumentedFilters.FilterUnderTest;
import dev.tollgate.properties.DocumentedFilters.Row;
import jakarta.servlet.ServletException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The init-param tables of the filters' pages in {@code docs/} are the filters' params, exactly,
 * and the README's one-line table lists the same params with the same defaults.
 */
class InitParamsReadmeTest {

    /** Every param a filter accepts is in its page's tables, and every param there is one it accepts. */
    @Test
    void shouldDocumentExactlyTheParamsEachFilterAccepts() {
        for (FilterUnderTest under : DocumentedFilters.FILTERS) {
            Map<String, String> params = new HashMap<>(under.base());
            params.put("no-such-param", "x");
            ServletException unknown = assertThrows(ServletException.class,
                    () -> under.startAndStop(params));
            String message = unknown.getMessage();
            String known = message.substring(message.indexOf("known names are [") + "known names are [".length(), message.lastIndexOf(']'));
            assertEquals(new TreeSet<>(List.of(known.split(", "))), new TreeSet<>(under.params()), under + ": the init-param tables of " + under.page());
        }
    }

    /** The README's table has a row for each param of each filter's page, in the page's order, with the page's default, and no other row. */
    @Test
    void shouldListTheSameParamsAndDefaultsInTheReadme() {
        Map<String, List<Row>> readme = DocumentedFilters.readmeTable();
        assertEquals(DocumentedFilters.FILTERS.stream().map(FilterUnderTest::name).toList(), List.copyOf(readme.keySet()),
                "the filters of the README's init-param table");
        for (FilterUnderTest under : DocumentedFilters.FILTERS) {
            assertEquals(DocumentedFilters.documented(under.page(), "init-param"), readme.get(under.name()),
                    under + ": the README's init-param table against " + under.page());
        }
    }

    /** The README's context-params are those of the error page, with the same defaults. */
    @Test
    void shouldListTheSameContextParamsInTheReadme() {
        List<Row> documented = DocumentedFilters.documented(DocumentedFilters.DOCS.resolve("errors.md"), "context-param");
        assertFalse(documented.isEmpty(), "docs/errors.md has a context-param table");
        assertEquals(documented, DocumentedFilters.documented(DocumentedFilters.README, "context-param"),
                "the README's context-params against docs/errors.md");
    }
}
