package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.apikey.ApiKeyEntry;
import dev.tollgate.apikey.ApiKeyFilter;
import dev.tollgate.apikey.ApiKeyStore;
import dev.tollgate.apikey.ApiKeys;
import dev.tollgate.error.ErrorRenderingFilter;
import dev.tollgate.ratelimit.RateLimitFilter;
import dev.tollgate.requestid.RequestIdFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;

/**
 * The filters set up in code, as an application without filters in its web.xml does: built with
 * their builders and added with {@code ServletContext.addFilter(name, filter)} by a listener, on
 * each container, deploying {@code src/test/webapps/in-code}. Every value differs from its
 * init-param's default, so that each case shows the built value in force.
 */
class FiltersInCodeIT extends ContainerCases {

    static final String ALICE = "in-code-alice-key-0123";
    static final String BOB = "in-code-bob-key-456789";
    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

    /** Builds the four filters and maps them in this order: request id, errors, API key, rate limit. */
    public static final class Setup implements ServletContextListener {
        @Override
        public void contextInitialized(ServletContextEvent event) {
            ServletContext context = event.getServletContext();
            add(context, "request-id", RequestIdFilter.builder().maxLength(16).traceIdAsRequestId(true).build(), "/*");
            add(context, "errors", ErrorRenderingFilter.builder()
                    .exceptionMappings("java.util.NoSuchElementException=404:No such thing, java.lang.IllegalArgumentException=422")
                    .sendErrorMessage(true)
                    .build(), "/*");
            ApiKeyEntry alice = ApiKeyEntry.builder("alice", ApiKeys.sha256(ALICE)).build();
            ApiKeyEntry bob = ApiKeyEntry.builder("bob", ApiKeys.sha256(BOB)).build();
            add(context, "api-key", ApiKeyFilter.builder(ApiKeyStore.of(List.of(alice, bob)))
                    .bearer(true)
                    .skipPaths("/api/health")
                    .realm("in-code")
                    .build(), "/api/*");
            add(context, "rate-limit", RateLimitFilter.builder("100/1m")
                    .plans("trial: 2/1m")
                    .clientPlans("bob=trial")
                    .keyBy("client")
                    .ietfHeaders(true)
                    .skipPaths("/api/health")
                    .namespace("in-code")
                    .build(), "/api/*");
        }

        private static void add(ServletContext context, String name, Filter filter, String pattern) {
            FilterRegistration.Dynamic registration = context.addFilter(name, filter);
            registration.setAsyncSupported(true);
            registration.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), true, pattern);
        }

        @Override
        public void contextDestroyed(ServletContextEvent event) {
            // The container destroys the filters it was given.
        }
    }

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        deploy("in-code");
    }

    @Test
    void shouldTakeRequestIdsUpToTheBuiltMaxLengthAndAdoptTheTraceId() throws Exception {
        String sixteen = "a".repeat(16);
        assertEquals(sixteen, Http.get(port, "/ok", "X-Request-ID: " + sixteen).header("X-Request-ID"));
        String seventeen = "a".repeat(17);
        assertNotEquals(seventeen, Http.get(port, "/ok", "X-Request-ID: " + seventeen).header("X-Request-ID"),
                "over max-length 16, as built (the default is 128)");
        Http.Response traced = Http.get(port, "/ok", "traceparent: 00-" + TRACE + "-00f067aa0ba902b7-01");
        assertEquals(TRACE, traced.header("X-Request-ID"), "trace-id-as-request-id, as built");
        assertEquals(TRACE, traced.json().get("mdc").asText());
    }

    @Test
    void shouldRenderErrorsWithTheBuiltMappingsAndSendErrorMessages() throws Exception {
        Http.Response mapped = Http.get(port, "/boom?kind=mapped");
        assertEquals(404, mapped.status(), mapped::toString);
        JsonNode body = mapped.json();
        assertEquals("No such thing", body.get("error").asText());
        assertEquals(mapped.header("X-Request-ID"), body.get("request_id").asText());
        assertFalse(mapped.body().contains(FoundationServlets.SECRET), mapped::body);
        assertEquals(422, Http.get(port, "/boom?kind=other").status(), "IllegalArgumentException=422");
        assertEquals(500, Http.get(port, "/boom").status());
        Http.Response sent = Http.get(port, "/send-error?sc=409&msg=Name+taken");
        assertEquals(409, sent.status());
        assertEquals("Name taken", sent.json().get("error").asText(), "send-error-message, as built");
    }

    @Test
    void shouldCheckKeysWithTheBuiltKeyFilter() throws Exception {
        Http.Response missing = Http.get(port, "/api/items");
        assertEquals(401, missing.status(), missing::toString);
        assertEquals(List.of("ApiKey realm=\"in-code\", header=\"X-API-KEY\"", "Bearer realm=\"in-code\""),
                missing.headers("WWW-Authenticate"));
        assertEquals(missing.header("X-Request-ID"), missing.json().get("request_id").asText(), "rendered by the error format");
        Http.Response byHeader = Http.get(port, "/api/items", "X-API-KEY: " + ALICE);
        assertEquals(200, byHeader.status(), byHeader::toString);
        assertEquals("alice", byHeader.json().get("remote_user").asText());
        assertEquals(200, Http.get(port, "/api/items", "Authorization: Bearer " + ALICE).status(), "bearer, as built");
        assertEquals(200, Http.get(port, "/api/health").status(), "a skip path, as built");
        assertEquals(200, Http.get(port, "/ok").status(), "outside /api/*: no key needed");
    }

    @Test
    void shouldLimitWithTheBuiltRateLimitFilter() throws Exception {
        Http.Response first = Http.get(port, "/api/items", "X-API-KEY: " + BOB);
        assertEquals(200, first.status(), first::toString);
        assertEquals("2", first.header("X-Throttle-Limit"), "bob is on the built client plan trial");
        assertEquals("\"trial-1m\";q=2;w=60", first.header("RateLimit-Policy"), "ietf-headers, as built");
        assertEquals(200, Http.get(port, "/api/items", "X-API-KEY: " + BOB).status());
        Http.Response limited = Http.get(port, "/api/items", "X-API-KEY: " + BOB);
        assertEquals(429, limited.status(), limited::toString);
        assertEquals("Rate limit exceeded", limited.json().get("error").asText());
        assertEquals(limited.header("X-Request-ID"), limited.json().get("request_id").asText(), "rendered by the error format");
        for (int i = 0; i < 3; i++) {
            assertEquals(200, Http.get(port, "/api/health").status(), "a skip path of the limiter too, as built");
        }
    }
}
