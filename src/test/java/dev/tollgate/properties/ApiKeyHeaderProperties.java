package dev.tollgate.properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.it.EmbeddedContainer;
import dev.tollgate.it.Http;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * Any {@code X-API-KEY} headers (any bytes a header may carry, any length, repeated) sent to the
 * key filter in a real Jetty and Tomcat ({@code src/test/webapps/fuzz}): the right key alone passes,
 * everything else is 401, never a 5xx, and the body never repeats what was sent.
 */
class ApiKeyHeaderProperties {

    private static final String KEY = "tg_fuzz-key-0123456789";
    private static final List<EmbeddedContainer> CONTAINERS = List.of(EmbeddedContainer.jetty(), EmbeddedContainer.tomcat());

    @BeforeContainer
    static void start() throws Exception {
        for (EmbeddedContainer c : CONTAINERS) {
            c.start(EmbeddedContainer.webapp("fuzz"));
        }
    }

    @AfterContainer
    static void stop() throws Exception {
        for (EmbeddedContainer c : CONTAINERS) {
            c.close();
        }
    }

    @Property(tries = 600)
    void shouldPassOnlyTheRightKeyAloneAndAnswer401ToAnythingElse(@ForAll("keyHeaders") List<String> values,
                                                                  @ForAll("container") int container) throws Exception {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes("GET /api/items HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n".getBytes(StandardCharsets.ISO_8859_1));
        for (String value : values) {
            request.writeBytes(("X-API-KEY: " + value + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        }
        request.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
        Http.Response response = Http.raw(CONTAINERS.get(container).port(), request.toByteArray(), false);

        String why = CONTAINERS.get(container).name() + " " + values.stream().map(v -> v.length() > 80 ? v.substring(0, 80) + "…" : v).toList()
                + " => " + response;
        if (response.header("X-Request-ID") == null) {
            // The container refused the head itself (too large, or a byte it does not take in a header).
            assertTrue(response.status() == 400 || response.status() == 431, why);
            Statistics.label("answer").collect("refused by the container");
            return;
        }
        List<String> presented = values.stream().map(String::strip).filter(v -> !v.isEmpty()).toList();
        boolean rightKeyAlone = presented.equals(List.of(KEY));
        assertEquals(rightKeyAlone ? 200 : 401, response.status(), why);
        for (String value : presented) {
            if (value.length() >= 4) {
                assertFalse(response.body().contains(value), why);
            }
        }
        Statistics.label("answer").collect(response.status());
    }

    @Provide
    Arbitrary<Integer> container() {
        return Arbitraries.integers().between(0, CONTAINERS.size() - 1);
    }

    @Provide
    Arbitrary<List<String>> keyHeaders() {
        Arbitrary<String> any = Arbitraries.strings().withCharRange(' ', '~').withCharRange('\u0080', '\u00ff').withChars('\t')
                .ofMaxLength(200);
        Arbitrary<String> huge = Arbitraries.integers().between(1_000, 40_000).map(n -> "tg_" + "x".repeat(n));
        Arbitrary<String> near = Arbitraries.of(KEY, " " + KEY + " ", KEY + "x", KEY.substring(1), KEY.toUpperCase(), "", " ",
                "Bearer " + KEY, KEY + "," + KEY);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, any), net.jqwik.api.Tuple.of(1, huge), net.jqwik.api.Tuple.of(3, near))
                .list().ofMinSize(0).ofMaxSize(3);
    }
}
