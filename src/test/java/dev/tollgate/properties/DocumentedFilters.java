package dev.tollgate.properties;

import dev.tollgate.apikey.ApiKeyFilter;
import dev.tollgate.error.ErrorRenderingFilter;
import dev.tollgate.ratelimit.RateLimitFilter;
import dev.tollgate.requestid.RequestIdFilter;
import jakarta.servlet.Filter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** The four filters as the init-param tests set them up, and the params the README documents for each. */
final class DocumentedFilters {

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

    static final List<FilterUnderTest> FILTERS = List.of(
            new FilterUnderTest("RequestIdFilter", RequestIdFilter::new, Map.of(), List.of("`dev.tollgate.requestid.RequestIdFilter`")),
            new FilterUnderTest("ErrorRenderingFilter", ErrorRenderingFilter::new, Map.of(),
                    List.of("`dev.tollgate.error.ErrorRenderingFilter`")),
            new FilterUnderTest("ApiKeyFilter", ApiKeyFilter::new, Map.of("keys", "client-a:" + KEY_HASH),
                    List.of("`dev.tollgate.apikey.ApiKeyFilter`")),
            new FilterUnderTest("RateLimitFilter", RateLimitFilter::new, Map.of("limits", "10/1m"),
                    List.of("`dev.tollgate.ratelimit.RateLimitFilter`", "One limit across nodes: the Redis store")));

    private static final List<String> README = readme();

    private DocumentedFilters() {
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

    private static List<String> readme() {
        try {
            return Files.readAllLines(Path.of("README.md"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
