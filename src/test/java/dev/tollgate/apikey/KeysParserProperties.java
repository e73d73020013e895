package dev.tollgate.apikey;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Any keys file, any inline {@code keys}: entries (none in a file that says {@code !no-keys}), or an
 * {@link IllegalArgumentException} that shows no key.
 */
class KeysParserProperties {

    private static final String SECRET = "tg_secret-0123456789abcdef";
    private static final String HASH = "7bafaa96aa2351e6b7fbc258246b08ee66ade6196c76850108303b1dd6d6eb62";

    @Property(tries = 3000)
    void shouldParseAnyFileOrSayWhichLineWithoutShowingAKey(@ForAll("files") List<String> lines) {
        try {
            KeysParser.KeysFile parsed = KeysParser.parseFile("keys.txt", lines);
            assertTrue(parsed.entries().size() <= lines.size());
            assertFalse(parsed.revokesAll() && !parsed.entries().isEmpty(), "a file that says !no-keys holds no keys");
        } catch (IllegalArgumentException e) {
            String message = String.valueOf(e.getMessage());
            assertTrue(message.startsWith("keys.txt"), message);
            assertFalse(message.contains(SECRET) || message.contains(HASH) || message.contains(HASH.substring(0, 16)), message);
        }
    }

    @Property(tries = 3000)
    void shouldParseAnyInlineValueOrSayWhyWithoutShowingAKey(@ForAll("inline") String text) {
        try {
            KeysParser.parseInline(text);
        } catch (IllegalArgumentException e) {
            String message = String.valueOf(e.getMessage());
            assertFalse(message.contains(SECRET) || message.contains(HASH) || message.contains(HASH.substring(0, 16)), message);
        }
    }

    @Provide
    Arbitrary<List<String>> files() {
        Arbitrary<String> token = Arbitraries.oneOf(Arbitraries.of("alice", "bob", "#", "expires=2030-01-01T00:00:00Z",
                        "expires=tomorrow", "methods=GET,HEAD", "paths=/api", "plan=gold", "plan=", "=", SECRET, HASH,
                        HASH.toUpperCase(), HASH.substring(1), "plan=" + SECRET, "!no-keys", "!no-keys", "!" + SECRET),
                Arbitraries.strings().withChars("abz09=:,/#_-\t").ofMaxLength(12));
        Arbitrary<String> line = token.list().ofMaxSize(5).map(tokens -> String.join(" ", tokens));
        return line.list().ofMaxSize(6);
    }

    @Provide
    Arbitrary<String> inline() {
        Arbitrary<String> entry = Arbitraries.oneOf(Arbitraries.of("alice:" + HASH, "bob:" + SECRET, SECRET, HASH, ":", "alice:",
                        ":" + HASH, "a b:" + HASH),
                Arbitraries.strings().withChars("abz09:,/ \n-").ofMaxLength(20));
        return entry.list().ofMaxSize(4).map(entries -> String.join(", ", entries));
    }
}
