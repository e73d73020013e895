package dev.tollgate.properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.apikey.ApiKeyFilter;
import dev.tollgate.error.ErrorRenderingFilter;
import dev.tollgate.ratelimit.RateLimitFilter;
import dev.tollgate.requestid.RequestIdFilter;
import dev.tollgate.RequestIds;
import dev.tollgate.testing.Fakes;
import jakarta.servlet.Filter;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The README's init-param tables are the filters' params, exactly; and any string in any of them:
 * the filter starts, or startup fails with a {@link ServletException} that names the param. Never
 * another exception, never a message without the param's name.
 */
class InitParamProperties {

    /** A filter, the params it needs to start at all, and the README sections whose tables document its params. */
    record FilterUnderTest(String name, Supplier<Filter> filter, Map<String, String> base, List<String> sections) {
        /** The params of the README's init-param tables in {@link #sections}. */
        List<String> params() {
            return documented(sections);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** The keys filter needs one key; any 64-hex SHA-256 will do. */
    private static final String KEY_HASH = "5f1b4f7c5b8a2b47fc4b4f7c1d0b2a6e3b4f0ad9e1c1a6f4c0b1e2d3c4b5a697";

    /** Params whose arbitrary values would make the filter connect somewhere: tested by the Redis tests instead. */
    private static final Set<String> CONNECTING = Set.of("store", "redis-uri");

    private static final List<FilterUnderTest> FILTERS = List.of(
            new FilterUnderTest("RequestIdFilter", RequestIdFilter::new, Map.of(), List.of("`dev.tollgate.requestid.RequestIdFilter`")),
            new FilterUnderTest("ErrorRenderingFilter", ErrorRenderingFilter::new, Map.of(),
                    List.of("`dev.tollgate.error.ErrorRenderingFilter`")),
            new FilterUnderTest("ApiKeyFilter", ApiKeyFilter::new, Map.of("keys", "client-a:" + KEY_HASH),
                    List.of("`dev.tollgate.apikey.ApiKeyFilter`")),
            new FilterUnderTest("RateLimitFilter", RateLimitFilter::new, Map.of("limits", "10/1m"),
                    List.of("`dev.tollgate.ratelimit.RateLimitFilter`", "One limit across nodes: the Redis store")));

    /** Every param a filter accepts is in the README's tables, and every param there is one it accepts. */
    @Example
    void shouldDocumentExactlyTheParamsEachFilterAccepts() throws Exception {
        for (FilterUnderTest under : FILTERS) {
            Map<String, String> params = new HashMap<>(under.base());
            params.put("no-such-param", "x");
            ServletException unknown = assertThrows(ServletException.class,
                    () -> under.filter().get().init(Fakes.filterConfig("under-test", params)));
            String message = unknown.getMessage();
            String known = message.substring(message.indexOf("known names are [") + "known names are [".length(), message.lastIndexOf(']'));
            assertEquals(new TreeSet<>(List.of(known.split(", "))), new TreeSet<>(under.params()), under + ": the README's table");
        }
    }

    @Property(tries = 4000)
    void shouldStartOrNameTheParamForAnyValue(@ForAll("filters") FilterUnderTest under, @ForAll("paramIndex") int index,
                                              @ForAll("values") String value) throws Exception {
        List<String> documented = under.params().stream().filter(p -> !CONNECTING.contains(p)).toList();
        String param = documented.get(index % documented.size());
        Map<String, String> params = new HashMap<>(under.base());
        params.put(param, value);
        Filter filter = under.filter().get();
        try {
            filter.init(Fakes.filterConfig("under-test", params));
            filter.destroy();
            Statistics.label("outcome").collect("started");
        } catch (ServletException e) {
            Statistics.label("outcome").collect("refused");
            String message = String.valueOf(e.getMessage());
            assertTrue(message.contains("[" + param + "]"), () -> under + " [" + param + "]=[" + value + "]: " + message);
        } catch (RuntimeException e) {
            throw new AssertionError(under + " [" + param + "]=[" + value + "] threw " + e, e);
        }
    }

    /** The first column of the {@code | init-param | default | meaning |} tables under the README headings {@code sections}. */
    static List<String> documented(List<String> sections) {
        List<String> params = new ArrayList<>();
        String section = null;
        boolean inTable = false;
        for (String line : README) {
            if (line.startsWith("#")) {
                section = line.replaceFirst("^#+\\s*", "");
                inTable = false;
            } else if (line.startsWith("| init-param |")) {
                inTable = sections.contains(section);
            } else if (inTable && line.startsWith("| `")) {
                params.add(line.substring(3, line.indexOf('`', 3)));
            } else if (!line.startsWith("|")) {
                inTable = false;
            }
        }
        return params;
    }

    private static final List<String> README = readme();

    private static List<String> readme() {
        try {
            return Files.readAllLines(Path.of("README.md"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Property(tries = 3000)
    void shouldAcceptExactlyTheSafeRequestIds(@ForAll("ids") String id) {
        assertEquals(id.matches("[A-Za-z0-9._:-]{1,128}"), RequestIds.isSafe(id, 128), id);
    }

    @Provide
    Arbitrary<FilterUnderTest> filters() {
        return Arbitraries.of(FILTERS);
    }

    @Provide
    Arbitrary<Integer> paramIndex() {
        return Arbitraries.integers().between(0, 100);
    }

    /** Strings near the valid ones (numbers, limits, lists, patterns) and anything at all. */
    @Provide
    Arbitrary<String> values() {
        Arbitrary<String> numbers = Arbitraries.oneOf(Arbitraries.longs().map(String::valueOf),
                Arbitraries.strings().numeric().ofMaxLength(30), Arbitraries.of("0", "-1", "1e3", "0x10", "١٢", "99999999999999999999"));
        Arbitrary<String> limits = Arbitraries.strings().withChars("0123456789/ msdh,;:-+interval").ofMaxLength(40);
        Arbitrary<String> lists = Arbitraries.strings().withChars("abc=:;,/*.  \t\n#%\u0000\u00e9").ofMaxLength(30);
        Arbitrary<String> known = Arbitraries.of("true", "false", "TRUE", "yes", "auto", "ip", "client", "header:", "header:X-Tenant", "header:X-Tenant;plain", "header:X-Tenant;raw",
                "header:Bad Name", "local", "allow", "reject", "answer", "pass", "check", "*.css", "/*", "/api/*", "OPTIONS,GET", "java.lang.Exception=404",
                "java.lang.Exception=999", "no.such.Exception=400", "free: 10/1m; gold: 100/1m", "a=b", "10.0.0.0/8, ::1", "::ffff:10.0.0.1/200");
        return Arbitraries.oneOf(numbers, limits, lists, known, Arbitraries.strings().ofMaxLength(60));
    }

    @Provide
    Arbitrary<String> ids() {
        return Arbitraries.oneOf(Arbitraries.strings().withChars("abcXYZ019._:-").ofMinLength(0).ofMaxLength(140),
                Arbitraries.strings().ofMaxLength(140));
    }
}
