package dev.tollgate.properties;

import dev.tollgate.apikey.ApiKeyFilter;
import dev.tollgate.error.ErrorRenderingFilter;
import dev.tollgate.ratelimit.RateLimitFilter;
import dev.tollgate.requestid.RequestIdFilter;
import dev.tollgate.status.StatusServlet;
import dev.tollgate.testing.Fakes;
import jakarta.servlet.Filter;
import jakarta.servlet.Servlet;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The four filters as the init-param tests set them up, the params their pages in {@code docs/}
 * document, and the README's one-line table of the same params.
 */
final class DocumentedFilters {

    /** A filter, the params it needs to start at all, and its page in {@code docs/}, whose init-param tables document its params. */
    record FilterUnderTest(String name, Starter starter, Map<String, String> base, Path page) {
        /** Starts a new instance with {@code params} (as {@code web.xml} gives them) and stops it again. */
        void startAndStop(Map<String, String> params) throws ServletException {
            starter.startAndStop(params);
        }

        /** The params of the {@code | init-param |} tables in the page's "## Init-params" section, in their order. */
        List<String> params() {
            return documented(page, "init-param").stream().map(Row::name).toList();
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** The keys filter needs one key; any 64-hex SHA-256 will do. */
    private static final String KEY_HASH = "5f1b4f7c5b8a2b47fc4b4f7c1d0b2a6e3b4f0ad9e1c1a6f4c0b1e2d3c4b5a697";

    static final Path DOCS = Path.of("docs");

    static final Path README = Path.of("README.md");

    /** A row of an init-param or context-param table: the param's name and its default, as written. */
    record Row(String name, String defaultValue) {
    }

    /** How a component under test starts from its params: a filter's or a servlet's init, then its destroy. */
    interface Starter {
        void startAndStop(Map<String, String> params) throws ServletException;

        static Starter filter(Supplier<Filter> made) {
            return params -> {
                Filter filter = made.get();
                filter.init(Fakes.filterConfig("under-test", params));
                filter.destroy();
            };
        }

        static Starter servlet(Supplier<Servlet> made) {
            return params -> {
                Servlet servlet = made.get();
                servlet.init(Fakes.servletConfig("under-test", params));
                servlet.destroy();
            };
        }
    }

    static final List<FilterUnderTest> FILTERS = List.of(
            new FilterUnderTest("RequestIdFilter", Starter.filter(RequestIdFilter::new), Map.of(), DOCS.resolve("request-id.md")),
            new FilterUnderTest("ErrorRenderingFilter", Starter.filter(ErrorRenderingFilter::new), Map.of(), DOCS.resolve("errors.md")),
            new FilterUnderTest("ApiKeyFilter", Starter.filter(ApiKeyFilter::new), Map.of("keys", "client-a:" + KEY_HASH),
                    DOCS.resolve("api-keys.md")),
            new FilterUnderTest("RateLimitFilter", Starter.filter(RateLimitFilter::new), Map.of("limits", "10/1m"),
                    DOCS.resolve("rate-limit.md")),
            new FilterUnderTest("StatusServlet", Starter.servlet(StatusServlet::new), Map.of("allow-remote", "false"),
                    DOCS.resolve("status-page.md")));

    private static final Pattern FENCE = Pattern.compile("^\\s*(```|~~~)");

    private DocumentedFilters() {
    }

    /**
     * The rows of the {@code | <kind> | default | meaning |} tables in the "## Init-params" section
     * of {@code page} (its subsections included), outside code blocks: the name in the first
     * column, the default in the second.
     */
    static List<Row> documented(Path page, String kind) {
        List<Row> params = new ArrayList<>();
        for (List<String> cells : initParamRows(page, "| " + kind + " | default |")) {
            params.add(new Row(unquote(cells.get(0)), cells.get(1)));
        }
        return params;
    }

    /**
     * The README's one-line table in its "## Init-params" section, {@code | filter | init-param |
     * default | meaning |}: the rows of each filter, by the filter's simple class name.
     */
    static Map<String, List<Row>> readmeTable() {
        Map<String, List<Row>> byFilter = new LinkedHashMap<>();
        for (List<String> cells : initParamRows(README, "| filter | init-param | default |")) {
            byFilter.computeIfAbsent(unquote(cells.get(0)), f -> new ArrayList<>()).add(new Row(unquote(cells.get(1)), cells.get(2)));
        }
        return byFilter;
    }

    /** The cells of the rows of the tables whose header starts with {@code header}, in the "## Init-params" section of {@code page}, outside code blocks. */
    private static List<List<String>> initParamRows(Path page, String header) {
        List<List<String>> rows = new ArrayList<>();
        boolean inSection = false;
        boolean inTable = false;
        boolean code = false;
        for (String line : lines(page)) {
            if (FENCE.matcher(line).find()) {
                code = !code;
                inTable = false;
                continue;
            }
            if (code) {
                continue;
            }
            if (line.startsWith("## ")) {
                inSection = line.equals("## Init-params");
                inTable = false;
            } else if (line.startsWith(header)) {
                inTable = inSection;
            } else if (inTable && line.startsWith("| `")) {
                rows.add(cells(line));
            } else if (!line.startsWith("|")) {
                inTable = false;
            }
        }
        return rows;
    }

    /** The cells of a table row, trimmed; a {@code |} inside backticks or escaped as {@code \|} does not split. */
    private static List<String> cells(String row) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 1; i < row.length(); i++) {
            char c = row.charAt(i);
            if (c == '`') {
                quoted = !quoted;
            } else if (c == '\\' && i + 1 < row.length() && row.charAt(i + 1) == '|') {
                cell.append('\\');
                c = row.charAt(++i);
            } else if (c == '|' && !quoted) {
                cells.add(cell.toString().trim());
                cell.setLength(0);
                continue;
            }
            cell.append(c);
        }
        return cells;
    }

    /** {@code `name`} to {@code name}. */
    private static String unquote(String cell) {
        return cell.startsWith("`") && cell.endsWith("`") && cell.length() > 1 ? cell.substring(1, cell.length() - 1) : cell;
    }

    static List<String> lines(Path page) {
        try {
            return Files.readAllLines(page, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
