package dev.tollgate.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tollgate.apikey.KeyExtractor.Kind;
import dev.tollgate.apikey.KeyExtractor.Presented;
import dev.tollgate.testing.FakeHttp;
import dev.tollgate.testing.FuzzInput;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Where a key may be found ({@code X-API-KEY}, a second header, {@code Authorization: Bearer},
 * the query string), for any values: the extractor never throws; one key is a key, two (even equal
 * ones) are several, none is missing; a key read from a header is stripped and never empty; every
 * place the header-only extractor reads, the extractor that reads everywhere reads too. Lines of
 * the input: {@code Authorization: <value>}, {@code X-Key: <value>}, {@code ?<query string>}, or
 * an {@code X-API-KEY} value. Inputs: {@code KeyExtractorFuzzTestInputs/}.
 */
class KeyExtractorFuzzTest {

    private static final KeyExtractor HEADER_ONLY = new KeyExtractor(List.of("X-API-KEY"), false, null, KeyExtractor.Preflight.CHECK);
    private static final KeyExtractor EVERYWHERE = new KeyExtractor(List.of("X-API-KEY", "X-Key"), true, "api_key", KeyExtractor.Preflight.CHECK);

    @FuzzTest
    void shouldFindOneKeyOrSayMissingOrSeveral(byte[] input) {
        List<String> lines = input.length == 0 ? List.of() : FuzzInput.lines(FuzzInput.latin1(input));
        FakeHttp.Request request = FakeHttp.request("GET", "/api/items");
        String query = null;
        for (String line : lines) {
            if (line.startsWith("Authorization: ")) {
                request.header("Authorization", line.substring(15));
            } else if (line.startsWith("X-Key: ")) {
                request.header("X-Key", line.substring(7));
            } else if (line.startsWith("?")) {
                query = line.substring(1);
            } else {
                request.header("X-API-KEY", line);
            }
        }
        request.query(query);
        Presented headerOnly = HEADER_ONLY.extract(request.get());
        Presented everywhere = EVERYWHERE.extract(request.get());
        for (Presented presented : List.of(headerOnly, everywhere)) {
            assertEquals(presented.kind() == Kind.KEY, presented.key() != null, () -> lines + ": " + presented);
            assertTrue(presented.key() == null || !presented.key().isEmpty(), () -> lines + ": " + presented);
        }
        List<String> apiKeyHeaders = lines.stream().filter(l -> !l.startsWith("Authorization: ") && !l.startsWith("X-Key: ")
                && !l.startsWith("?")).map(String::strip).filter(v -> !v.isEmpty()).toList();
        Kind expected = apiKeyHeaders.isEmpty() ? Kind.MISSING : apiKeyHeaders.size() == 1 ? Kind.KEY : Kind.SEVERAL;
        assertEquals(expected, headerOnly.kind(), lines::toString);
        if (expected == Kind.KEY) {
            assertEquals(apiKeyHeaders.get(0), headerOnly.key(), lines::toString);
            assertTrue(everywhere.kind() == Kind.SEVERAL || apiKeyHeaders.get(0).equals(everywhere.key()), lines::toString);
        } else if (expected == Kind.SEVERAL) {
            assertEquals(Kind.SEVERAL, everywhere.kind(), lines::toString);
        }
        if (everywhere.kind() == Kind.KEY) {
            // The same key once more is two keys.
            request.header("X-API-KEY", everywhere.key());
            assertEquals(Kind.SEVERAL, EVERYWHERE.extract(request.get()).kind(), lines::toString);
        }
    }

    /**
     * Any parameter name and value, written in a query string as a browser would: read back as
     * they were. Lines of the input: the name, the value, then a raw query string that must be read
     * without an exception.
     */
    @FuzzTest
    void shouldReadBackAQueryValueAndNeverFail(byte[] input) {
        List<String> lines = FuzzInput.lines(FuzzInput.utf8(input));
        String name = lines.get(0);
        String value = lines.size() > 1 ? lines.get(1) : "";
        String query = URLEncoder.encode(name, StandardCharsets.UTF_8) + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8)
                + "&" + URLEncoder.encode(name + "x", StandardCharsets.UTF_8) + "=other";
        assertEquals(List.of(value), KeyExtractor.queryValues(query, name), query);
        String raw = lines.size() > 2 ? lines.get(2) : "";
        for (String found : KeyExtractor.queryValues(raw, name)) {
            assertNotNull(found, raw);
        }
    }
}
