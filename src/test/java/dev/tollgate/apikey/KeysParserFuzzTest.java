package dev.tollgate.apikey;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tollgate.testing.FuzzInput;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Any keys file, any inline {@code keys}: entries (none in a file that says {@code !no-keys}), or an {@link IllegalArgumentException} that
 * says where (file and line, or entry) and which rule, and shows no key and no hash. The secrets
 * are the two below; a seed puts them where a careless operator would (a key in the hash field,
 * a hash in the wrong field). Only a client id and the value of a known attribute may be repeated.
 * Inputs: {@code KeysParserFuzzTestInputs/}.
 */
class KeysParserFuzzTest {

    static final String SECRET = "tg_secret-0123456789abcdef";
    /** sha256 of a key; a message may show neither it nor its first 16 characters. */
    static final String HASH = "7bafaa96aa2351e6b7fbc258246b08ee66ade6196c76850108303b1dd6d6eb62";

    private static final Pattern WHERE = Pattern.compile("keys\\.txt:(\\d+): (.*)", Pattern.DOTALL);
    private static final List<String> ATTRIBUTES = List.of("expires=", "methods=", "paths=", "plan=");

    /** Lines of a keys file. */
    @FuzzTest
    void shouldParseAnyFileOrSayWhichLineWithoutShowingAKey(byte[] input) {
        List<String> lines = FuzzInput.lines(FuzzInput.utf8(input));
        KeysParser.KeysFile parsed;
        try {
            parsed = KeysParser.parseFile("keys.txt", lines);
        } catch (IllegalArgumentException e) {
            String message = String.valueOf(e.getMessage());
            Matcher where = WHERE.matcher(message);
            assertTrue(where.matches(), () -> "names file and line: " + message);
            int line = Integer.parseInt(where.group(1));
            assertTrue(line >= 1 && line <= lines.size(), message);
            assertStatesARule(where.group(2), message);
            assertShowsNoSecret(message, echoable(lines.get(line - 1).strip().split("\\s+")), lines);
            return;
        }
        List<ApiKeyEntry> entries = parsed.entries();
        assertTrue(entries.size() <= lines.size());
        assertFalse(parsed.revokesAll() && !entries.isEmpty(), "a file that says !no-keys holds no keys");
        int e = 0;
        for (String line : lines) {
            String[] fields = line.strip().split("\\s+");
            // A line that starts with ! in a file that parsed is the !no-keys line.
            if (line.isBlank() || fields[0].startsWith("#") || fields[0].startsWith("!")) {
                continue;
            }
            ApiKeyEntry entry = entries.get(e++);
            assertEquals(fields[0], entry.clientId(), line);
            assertArrayEquals(ApiKeys.parseHash(fields[1]), entry.hash(), line);
        }
        assertEquals(entries.size(), e, "one entry per line that is not blank or a comment");
    }

    /** An inline {@code keys} value. */
    @FuzzTest
    void shouldParseAnyInlineValueOrSayWhichEntryWithoutShowingAKey(byte[] input) {
        String text = FuzzInput.utf8(input);
        try {
            for (ApiKeyEntry entry : KeysParser.parseInline(text)) {
                assertTrue(text.contains(entry.clientId() + ":"), () -> "[" + text + "]: " + entry.clientId());
            }
        } catch (IllegalArgumentException e) {
            String message = String.valueOf(e.getMessage());
            assertTrue(message.startsWith("entry "), message);
            assertStatesARule(message, message);
            // Only the entry's client id may be repeated: the part before its first colon.
            String[] clients = text.split("[,\\s]+");
            for (int i = 0; i < clients.length; i++) {
                int colon = clients[i].indexOf(':');
                clients[i] = colon < 0 ? "" : clients[i].substring(0, colon);
            }
            assertShowsNoSecret(message, String.join(" ", clients), List.of(text));
        }
    }

    /** A message states the rule broken, not what the JDK said about a character. */
    private static void assertStatesARule(String rule, String message) {
        assertTrue(rule.contains("must") || rule.contains("expected") || rule.contains("needs") || rule.contains("duplicate")
                || rule.contains("is not an attribute") || rule.contains("holds no keys"),
                () -> "states a rule: " + message);
    }

    /** No secret, in any case, unless the operator wrote it where a message may repeat it. */
    private static void assertShowsNoSecret(String message, String echoable, List<String> input) {
        String lower = message.toLowerCase(Locale.ROOT);
        String allowed = echoable.toLowerCase(Locale.ROOT);
        for (String secret : List.of(SECRET, HASH, HASH.substring(0, 16))) {
            assertFalse(lower.contains(secret) && !allowed.contains(secret), () -> "shows a secret: " + message + " for " + input);
        }
    }

    /** The fields of a line that a message may repeat: the client id and the values of known attributes. */
    private static String echoable(String[] fields) {
        StringBuilder echoable = new StringBuilder(fields[0]);
        for (int i = 2; i < fields.length; i++) {
            String field = fields[i];
            if (ATTRIBUTES.stream().anyMatch(field::startsWith)) {
                echoable.append(' ').append(field);
            }
        }
        return echoable.toString();
    }
}
