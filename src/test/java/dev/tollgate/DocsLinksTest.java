package dev.tollgate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link of the README, the CHANGELOG and every page under {@code docs/} resolves: the
 * file it names exists, and the anchor it names is a heading of that file (as GitHub makes anchors
 * of headings). Links to other sites are not followed. The index {@code docs/README.md} links to
 * every other page of {@code docs/}.
 */
class DocsLinksTest {

    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6} +(.+?) *#* *$");
    private static final Pattern FENCE = Pattern.compile("^\\s*(```|~~~)");
    private static final Path INDEX = Path.of("docs", "README.md");

    @Test
    void shouldResolveEveryRelativeLinkAndAnchor() throws IOException {
        List<Path> pages = pages();
        assertTrue(pages.contains(Path.of("README.md")), "the README is read: " + pages);
        assertTrue(pages.contains(INDEX), "docs/ is read: " + pages);
        List<String> broken = new ArrayList<>();
        Map<Path, Set<String>> anchors = new HashMap<>();
        for (Path page : pages) {
            List<String> lines = Files.readAllLines(page, StandardCharsets.UTF_8);
            boolean code = false;
            for (int n = 0; n < lines.size(); n++) {
                String line = lines.get(n);
                if (FENCE.matcher(line).find()) {
                    code = !code;
                    continue;
                }
                if (code) {
                    continue;
                }
                Matcher m = LINK.matcher(line.replaceAll("`[^`]*`", "``"));
                while (m.find()) {
                    String target = m.group(1);
                    if (target.matches("[a-z][a-z0-9+.-]*:.*")) {
                        continue;
                    }
                    int hash = target.indexOf('#');
                    String file = hash < 0 ? target : target.substring(0, hash);
                    Path linked = file.isEmpty() ? page : page.toAbsolutePath().getParent().resolve(file).normalize();
                    Path relative = Path.of("").toAbsolutePath().relativize(linked.toAbsolutePath());
                    if (!Files.exists(linked)) {
                        broken.add(page + ":" + (n + 1) + ": " + target + " (no file " + relative + ")");
                    } else if (hash >= 0 && Files.isRegularFile(linked)) {
                        Set<String> known = anchors.computeIfAbsent(relative, DocsLinksTest::anchorsOf);
                        String anchor = target.substring(hash + 1);
                        if (!known.contains(anchor)) {
                            broken.add(page + ":" + (n + 1) + ": " + target + " (no heading #" + anchor + " in " + relative + ")");
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), broken);
    }

    /** Every page under docs/ but the index is linked from the index. */
    @Test
    void shouldIndexEveryPageOfDocs() throws IOException {
        Set<Path> linked = new HashSet<>();
        Matcher m = LINK.matcher(Files.readString(INDEX, StandardCharsets.UTF_8));
        while (m.find()) {
            String target = m.group(1).replaceFirst("#.*", "");
            if (!target.isEmpty() && !target.matches("[a-z][a-z0-9+.-]*:.*")) {
                linked.add(INDEX.getParent().resolve(target).normalize());
            }
        }
        List<Path> missing = new ArrayList<>();
        for (Path page : pages()) {
            if (page.startsWith("docs") && !page.equals(INDEX) && !linked.contains(page)) {
                missing.add(page);
            }
        }
        assertEquals(List.of(), missing, "pages of docs/ that " + INDEX + " does not link to");
    }

    private static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(Path.of("README.md"), Path.of("CHANGELOG.md")));
        Path docs = Path.of("docs");
        if (Files.isDirectory(docs)) {
            try (Stream<Path> files = Files.walk(docs)) {
                files.filter(f -> f.toString().endsWith(".md")).sorted().forEach(pages::add);
            }
        }
        return pages;
    }

    /** The anchors GitHub gives the headings of {@code page}: lower case, punctuation dropped, spaces as {@code -}, repeats numbered. */
    static Set<String> anchorsOf(Path page) {
        Set<String> anchors = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        try {
            boolean code = false;
            for (String line : Files.readAllLines(page, StandardCharsets.UTF_8)) {
                if (FENCE.matcher(line).find()) {
                    code = !code;
                    continue;
                }
                Matcher m = HEADING.matcher(line);
                if (code || !m.matches()) {
                    continue;
                }
                String slug = slug(m.group(1));
                int times = seen.merge(slug, 1, Integer::sum);
                anchors.add(times == 1 ? slug : slug + "-" + (times - 1));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return anchors;
    }

    static String slug(String heading) {
        String text = heading.replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1").toLowerCase(Locale.ROOT);
        StringBuilder out = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                out.appendCodePoint(c);
            } else if (c == ' ') {
                out.append('-');
            }
        });
        return out.toString();
    }
}
