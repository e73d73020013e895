package dev.tollgate.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tollgate.testing.FakeHttp;
import dev.tollgate.testing.Fakes;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Map;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

/** {@link ErrorRenderingFilter.Builder}: the init-params' defaults and rules, in code. */
class ErrorRenderingFilterBuilderTest {

    /** Starts {@code filter} as a container would, with {@code params} (which a filter built in code does not read). */
    private static ErrorRenderingFilter started(ErrorRenderingFilter filter, Map<String, String> params) throws ServletException {
        filter.init(Fakes.filterConfig("errors-builder", params, Fakes.context(Map.of())));
        return filter;
    }

    private static ErrorRenderingFilter fromParams(Map<String, String> params) throws ServletException {
        return started(new ErrorRenderingFilter(), params);
    }

    private static String answer(ErrorRenderingFilter filter, FilterChain chain) throws Exception {
        FakeHttp.Response response = FakeHttp.response();
        filter.doFilter(FakeHttp.request("GET", "/api/users").get(), response.get(), chain);
        return String.valueOf(response.status());
    }

    /** {@code api} wrapped in {@code wrappers} exceptions: found at cause depth {@code wrappers + 1}. */
    private static RuntimeException wrapped(int wrappers, RuntimeException api) {
        RuntimeException thrown = api;
        for (int i = 0; i < wrappers; i++) {
            thrown = new RuntimeException("wrapper " + i, thrown);
        }
        return thrown;
    }

    /**
     * What {@code filter} answers to: a {@code NoSuchElementException}; a 409 {@code ApiException}
     * 10 and 11 deep in a cause chain; {@code sendError(404, "No user 7")} ("shown" or "generic").
     */
    private static String behaviour(ErrorRenderingFilter filter) throws Exception {
        String unmapped = answer(filter, (req, res) -> {
            throw new NoSuchElementException("no row");
        });
        String tenDeep = answer(filter, (req, res) -> {
            throw wrapped(9, ApiException.conflict("Conflict"));
        });
        String elevenDeep = answer(filter, (req, res) -> {
            throw wrapped(10, ApiException.conflict("Conflict"));
        });
        FakeHttp.Response sent = FakeHttp.response();
        filter.doFilter(FakeHttp.request("GET", "/api/users").get(), sent.get(),
                (req, res) -> ((HttpServletResponse) res).sendError(404, "No user 7"));
        return unmapped + "," + tenDeep + "," + elevenDeep + "," + (sent.body().contains("No user 7") ? "shown" : "generic");
    }

    @Test
    void shouldBuildWithTheDefaultsOfTheInitParams() throws Exception {
        ErrorRenderingFilter byParams = fromParams(Map.of());
        ErrorRenderingFilter built = started(ErrorRenderingFilter.builder().build(), Map.of());
        try {
            assertEquals("500,409,500,generic", behaviour(byParams), "the init-param defaults");
            assertEquals(behaviour(byParams), behaviour(built));
        } finally {
            byParams.destroy();
            built.destroy();
        }
    }

    @Test
    void shouldBuildWhatEachBuilderMethodSays() throws Exception {
        assertEquals("404,409,500,generic", behaviourOf(ErrorRenderingFilter.builder()
                .exceptionMappings("java.util.NoSuchElementException=404")));
        assertEquals("500,409,409,generic", behaviourOf(ErrorRenderingFilter.builder().maxCauseDepth(11)));
        assertEquals("500,500,500,generic", behaviourOf(ErrorRenderingFilter.builder().maxCauseDepth(9)));
        assertEquals("500,409,500,shown", behaviourOf(ErrorRenderingFilter.builder().sendErrorMessage(true)));
        ErrorRenderingFilter byParams = fromParams(Map.of("exception-mappings", "java.util.NoSuchElementException=410",
                "max-cause-depth", "11", "send-error-message", "true"));
        try {
            assertEquals(behaviour(byParams), behaviourOf(ErrorRenderingFilter.builder()
                    .exceptionMappings("java.util.NoSuchElementException=410").maxCauseDepth(11).sendErrorMessage(true)));
        } finally {
            byParams.destroy();
        }
    }

    private static String behaviourOf(ErrorRenderingFilter.Builder builder) throws Exception {
        ErrorRenderingFilter filter = started(builder.build(), Map.of());
        try {
            return behaviour(filter);
        } finally {
            filter.destroy();
        }
    }

    @Test
    void shouldRenderAMappingsPublicMessage() throws Exception {
        ErrorRenderingFilter filter = started(ErrorRenderingFilter.builder()
                .exceptionMappings("java.util.NoSuchElementException=404:No such thing").build(), Map.of());
        try {
            FakeHttp.Response response = FakeHttp.response();
            filter.doFilter(FakeHttp.request("GET", "/api/users").get(), response.get(), (req, res) -> {
                throw new NoSuchElementException("row 7 of secret_table");
            });
            assertEquals(404, response.status());
            assertEquals(true, response.body().contains("\"No such thing\""), response.body());
        } finally {
            filter.destroy();
        }
    }

    @Test
    void shouldCheckBuilderValuesByTheRulesOfTheInitParams() {
        assertBadMappings("java.lang.Nope=404", "exception class [java.lang.Nope] not found");
        assertBadMappings("java.lang.String=404", "class [java.lang.String] is not a Throwable");
        assertBadMappings("java.lang.RuntimeException=302", "status [302] of [java.lang.RuntimeException] must be 400-599");
        assertBadMappings("java.lang.RuntimeException=abc", "status [abc] of [java.lang.RuntimeException] must be 400-599");
        assertBadMappings("java.lang.RuntimeException", "entry [java.lang.RuntimeException] must be <exception class>=<status>[:<message>]");
        assertBadMappings("java.lang.RuntimeException=400,java.lang.RuntimeException=404",
                "exception class [java.lang.RuntimeException] is mapped twice");
        assertEquals("max-cause-depth [0] must be an integer between 1 and 100",
                assertThrows(IllegalArgumentException.class, () -> ErrorRenderingFilter.builder().maxCauseDepth(0)).getMessage());
        assertEquals("max-cause-depth [101] must be an integer between 1 and 100",
                assertThrows(IllegalArgumentException.class, () -> ErrorRenderingFilter.builder().maxCauseDepth(101)).getMessage());
        ErrorRenderingFilter.builder().maxCauseDepth(1).maxCauseDepth(100).exceptionMappings("").exceptionMappings(" ,\n ");
    }

    private static void assertBadMappings(String spec, String rule) {
        assertEquals(rule, assertThrows(IllegalArgumentException.class,
                () -> ErrorRenderingFilter.builder().exceptionMappings(spec)).getMessage());
    }

    @Test
    void shouldFindMappedClassesThroughTheContextClassLoaderOfTheCaller() {
        Thread thread = Thread.currentThread();
        ClassLoader previous = thread.getContextClassLoader();
        try {
            // Sees the JDK's classes only.
            thread.setContextClassLoader(new ClassLoader(null) { });
            ErrorRenderingFilter.builder().exceptionMappings("java.util.NoSuchElementException=404");
            assertEquals("exception class [dev.tollgate.error.ApiException] not found", assertThrows(IllegalArgumentException.class,
                    () -> ErrorRenderingFilter.builder().exceptionMappings("dev.tollgate.error.ApiException=400")).getMessage());
            thread.setContextClassLoader(null);
            ErrorRenderingFilter.builder().exceptionMappings("dev.tollgate.error.ApiException=400");
        } finally {
            thread.setContextClassLoader(previous);
        }
    }

    @Test
    void shouldKeepTheBuilderSettingsThroughInitAndReadNoInitParams() throws Exception {
        ErrorRenderingFilter filter = started(ErrorRenderingFilter.builder().maxCauseDepth(11).build(),
                Map.of("max-cause-depth", "nonsense", "unknown", "x"));
        try {
            assertEquals("500,409,409,generic", behaviour(filter));
        } finally {
            filter.destroy();
        }
    }

    @Test
    void shouldFailStartupOnBadParamsWithTheSameMessagesAsBefore() {
        assertBadParam("exception-mappings", " java.lang.Nope=404\n", "[java.lang.Nope=404]: exception class [java.lang.Nope] not found");
        assertBadParam("exception-mappings", "java.lang.RuntimeException=400,\njava.lang.RuntimeException=404",
                "[java.lang.RuntimeException=400,\njava.lang.RuntimeException=404]: exception class [java.lang.RuntimeException] is mapped twice");
        assertBadParam("exception-mappings", "java.lang.RuntimeException=600",
                "[java.lang.RuntimeException=600]: status [600] of [java.lang.RuntimeException] must be 400-599");
        assertBadParam("max-cause-depth", "0", "[0]: must be an integer between 1 and 100");
        assertBadParam("max-cause-depth", "ten", "[ten]: must be an integer between 1 and 100");
        assertBadParam("send-error-message", "yes", "[yes]: must be true or false");
    }

    private static void assertBadParam(String name, String value, String rest) {
        assertEquals("ErrorRenderingFilter: init-param [" + name + "] has invalid value " + rest,
                assertThrows(ServletException.class, () -> fromParams(Map.of(name, value))).getMessage());
    }
}
