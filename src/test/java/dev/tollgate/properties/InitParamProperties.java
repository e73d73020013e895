package dev.tollgate.properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.apikey.ApiKeyFilter;
import dev.tollgate.error.ErrorRenderingFilter;
import dev.tollgate.ratelimit.RateLimitFilter;
import dev.tollgate.requestid.RequestIdFilter;
import dev.tollgate.RequestIds;
import dev.tollgate.testing.Fakes;
import jakarta.servlet.Filter;
import jakarta.servlet.ServletException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * Any string in any documented init-param (the README's tables): the filter starts, or startup
 * fails with a {@link ServletException} that names the param. Never another exception, never a
 * message without the param's name.
 */
class InitParamProperties {

    /** A filter, the params it needs to start at all, and the params the README documents for it. */
    record FilterUnderTest(String name, Supplier<Filter> filter, Map<String, String> base, List<String> params) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** The keys filter needs one key; any 64-hex SHA-256 will do. */
    private static final String KEY_HASH = "5f1b4f7c5b8a2b47fc4b4f7c1d0b2a6e3b4f0ad9e1c1a6f4c0b1e2d3c4b5a697";

    private static final List<FilterUnderTest> FILTERS = List.of(
            new FilterUnderTest("RequestIdFilter", RequestIdFilter::new, Map.of(), List.of("accept-incoming", "max-length")),
            new FilterUnderTest("ErrorRenderingFilter", ErrorRenderingFilter::new, Map.of(),
                    List.of("exception-mappings", "max-cause-depth", "send-error-message")),
            new FilterUnderTest("ApiKeyFilter", ApiKeyFilter::new, Map.of("keys", "client-a:" + KEY_HASH),
                    List.of("keys", "reload-interval", "headers", "bearer", "query-param", "hide-credentials",
                            "skip-preflight", "skip-paths", "realm")),
            new FilterUnderTest("RateLimitFilter", RateLimitFilter::new, Map.of("limits", "10/1m"),
                    List.of("limits", "plans", "client-plans", "key-by", "trusted-proxies", "max-clients", "throttle-headers",
                            "ietf-headers", "skip-paths", "skip-methods", "namespace", "on-store-failure",
                            "redis-key-prefix", "redis-timeout", "redis-probe-interval")));

    @Property(tries = 4000)
    void shouldStartOrNameTheParamForAnyValue(@ForAll("filters") FilterUnderTest under, @ForAll("paramIndex") int index,
                                              @ForAll("values") String value) throws Exception {
        String param = under.params().get(index % under.params().size());
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
        Arbitrary<String> known = Arbitraries.of("true", "false", "TRUE", "yes", "auto", "ip", "client", "header:", "header:X-Tenant",
                "header:Bad Name", "local", "allow", "reject", "*.css", "/*", "/api/*", "OPTIONS,GET", "java.lang.Exception=404",
                "java.lang.Exception=999", "no.such.Exception=400", "free: 10/1m; gold: 100/1m", "a=b", "10.0.0.0/8, ::1", "::ffff:10.0.0.1/200");
        return Arbitraries.oneOf(numbers, limits, lists, known, Arbitraries.strings().ofMaxLength(60));
    }

    @Provide
    Arbitrary<String> ids() {
        return Arbitraries.oneOf(Arbitraries.strings().withChars("abcXYZ019._:-").ofMinLength(0).ofMaxLength(140),
                Arbitraries.strings().ofMaxLength(140));
    }
}
