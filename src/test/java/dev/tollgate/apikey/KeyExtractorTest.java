package dev.tollgate.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tollgate.apikey.KeyExtractor.Kind;
import dev.tollgate.apikey.KeyExtractor.Preflight;
import dev.tollgate.testing.FakeHttp;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyExtractorTest {

    private static final KeyExtractor HEADER_ONLY = new KeyExtractor(List.of("X-API-KEY"), false, null, Preflight.ANSWER);
    private static final KeyExtractor EVERYWHERE = new KeyExtractor(List.of("X-API-KEY", "X-Key"), true, "api_key",
            Preflight.CHECK);

    @Test
    void shouldFindTheOneKeyInAHeader() {
        KeyExtractor.Presented presented = HEADER_ONLY.extract(FakeHttp.request("GET", "/a").header("X-API-KEY", " k1 ").get());
        assertEquals(Kind.KEY, presented.kind());
        assertEquals("k1", presented.key(), "stripped");
    }

    @Test
    void shouldTellMissingFromEmptyAndSeveral() {
        assertEquals(Kind.MISSING, HEADER_ONLY.extract(FakeHttp.request("GET", "/a").get()).kind());
        assertEquals(Kind.MISSING, HEADER_ONLY.extract(FakeHttp.request("GET", "/a").header("X-API-KEY", "  ").get()).kind());
        assertEquals(Kind.SEVERAL, HEADER_ONLY.extract(FakeHttp.request("GET", "/a")
                .header("X-API-KEY", "k1").header("X-API-KEY", "k2").get()).kind());
        assertEquals(Kind.SEVERAL, EVERYWHERE.extract(FakeHttp.request("GET", "/a")
                .header("X-Key", "k1").query("api_key=k2").get()).kind(), "a header key and a query key");
    }

    @Test
    void shouldReadBearerAndQueryOnlyWhenEnabled() {
        assertEquals("k3", EVERYWHERE.extract(FakeHttp.request("GET", "/a").header("Authorization", "bearer k3").get()).key());
        assertEquals("k 4", EVERYWHERE.extract(FakeHttp.request("GET", "/a").query("x=1&api_key=k+4").get()).key());
        assertEquals(Kind.MISSING, EVERYWHERE.extract(FakeHttp.request("GET", "/a").header("Authorization", "Basic abc").get()).kind());
        assertEquals(Kind.MISSING, HEADER_ONLY.extract(FakeHttp.request("GET", "/a").header("Authorization", "Bearer k3").get()).kind());
        assertEquals(Kind.MISSING, HEADER_ONLY.extract(FakeHttp.request("GET", "/a").query("api_key=k4").get()).kind());
    }

    /** Found by KeyExtractorFuzzTest: "?api_key=+" presented the key " ", where a blank header is no key. */
    @Test
    void shouldReadAQueryKeyAsAHeaderKeyStrippedAndBlankAsNone() {
        assertEquals(Kind.MISSING, EVERYWHERE.extract(FakeHttp.request("GET", "/a").query("api_key=+").get()).kind());
        assertEquals(Kind.MISSING, EVERYWHERE.extract(FakeHttp.request("GET", "/a").query("api_key=%20%09").get()).kind());
        assertEquals("k4", EVERYWHERE.extract(FakeHttp.request("GET", "/a").query("api_key=+k4%20").get()).key());
        assertEquals(Kind.KEY, EVERYWHERE.extract(FakeHttp.request("GET", "/a").header("X-API-KEY", "k1").query("api_key=+").get()).kind(),
                "a blank query key is no second key");
    }

    @Test
    void shouldTellACorsPreflightUnlessPreflightsAreChecked() {
        FakeHttp.Request preflight = FakeHttp.request("OPTIONS", "/a").header("Origin", "https://app.example")
                .header("Access-Control-Request-Method", "POST");
        assertEquals(Kind.PREFLIGHT, HEADER_ONLY.extract(preflight.get()).kind());
        assertEquals(Kind.PREFLIGHT, new KeyExtractor(List.of("X-API-KEY"), false, null, Preflight.PASS).extract(preflight.get()).kind());
        assertEquals(Kind.MISSING, EVERYWHERE.extract(preflight.get()).kind(), "preflight=check");
        assertEquals(Kind.MISSING, HEADER_ONLY.extract(FakeHttp.request("OPTIONS", "/a")
                .header("Access-Control-Request-Method", "POST").get()).kind(), "an OPTIONS without Origin is no preflight");
        assertEquals(Kind.MISSING, HEADER_ONLY.extract(FakeHttp.request("OPTIONS", "/a").header("Origin", "https://app.example").get()).kind(),
                "an OPTIONS without Access-Control-Request-Method is no preflight");
    }

    @Test
    void shouldTakeNoOptionsWhoseRequestMethodIsNoMethodTokenForAPreflight() {
        for (String method : new String[] {"GET<bad>", "x y", "GET,POST", "", "G\u00c9T", "PUT\t"}) {
            FakeHttp.Request options = FakeHttp.request("OPTIONS", "/a").header("Origin", "https://app.example")
                    .header("Access-Control-Request-Method", method);
            assertEquals(Kind.MISSING, HEADER_ONLY.extract(options.get()).kind(), "[" + method + "] is no method");
        }
        for (String method : new String[] {"GET", "PATCH", "get", "M-SEARCH", "!#$%&'*+-.^_`|~09azAZ"}) {
            FakeHttp.Request options = FakeHttp.request("OPTIONS", "/a").header("Origin", "https://app.example")
                    .header("Access-Control-Request-Method", method);
            assertEquals(Kind.PREFLIGHT, HEADER_ONLY.extract(options.get()).kind(), "[" + method + "] is a method token");
        }
    }

    @Test
    void shouldParseThePreflightModesInAnyCaseAndNameTheRule() {
        assertEquals(Preflight.ANSWER, Preflight.parse("answer"));
        assertEquals(Preflight.PASS, Preflight.parse(" Pass "));
        assertEquals(Preflight.CHECK, Preflight.parse("CHECK"));
        for (String bad : new String[] {"skip", "", "true", null}) {
            assertEquals("must be one of [answer, check, pass]",
                    assertThrows(IllegalArgumentException.class, () -> Preflight.parse(bad)).getMessage(), "[" + bad + "]");
        }
    }

    @Test
    void shouldReadQueryParameterFromQueryStringOnly() {
        assertEquals(List.of("abc", "d e"), KeyExtractor.queryValues("x=1&api_key=abc&api_key=d+e", "api_key"));
        assertEquals(List.of(), KeyExtractor.queryValues(null, "api_key"));
        assertEquals(List.of(""), KeyExtractor.queryValues("api%5Fkey", "api_key"));
        assertEquals("", KeyExtractor.decode("%zz"), "an undecodable value is empty, never an exception");
    }
}
