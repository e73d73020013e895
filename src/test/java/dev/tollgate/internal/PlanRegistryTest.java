package dev.tollgate.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.tollgate.testing.Fakes;
import jakarta.servlet.ServletContext;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PlanRegistryTest {

    private final ServletContext context = Fakes.context(Map.of());
    private final PlanRegistry registry = PlanRegistry.forContext(context);

    @Test
    void shouldBeOnePerContext() {
        assertSame(registry, PlanRegistry.forContext(context));
    }

    @Test
    void shouldRefuseAnUndefinedPlanWhenTheLimiterPublishesFirst() {
        registry.publishDefinitions("RateLimitFilter [rate-limit]", Set.of("default", "gold"));
        registry.publishDefinitions("RateLimitFilter [other]", Set.of("default", "gold", "platinum"));
        assertEquals("plan [platinum], named by the API key of client [acme], is not defined by RateLimitFilter [rate-limit], "
                + "whose plans are [default, gold]",
                assertThrows(IllegalArgumentException.class,
                        () -> registry.publishReferences("ApiKeyFilter [api-key]", Map.of("acme", "platinum", "bob", "gold"))).getMessage());
    }

    @Test
    void shouldRefuseAnUndefinedPlanWhenTheKeysPublishFirst() {
        registry.publishReferences("ApiKeyFilter [api-key]", Map.of("acme", "platinum", "bob", "gold"));
        assertEquals("plan [platinum], named by the API key of client [acme] (ApiKeyFilter [api-key]), is not defined; "
                + "its plans are [default, gold]",
                assertThrows(IllegalArgumentException.class,
                        () -> registry.publishDefinitions("RateLimitFilter [rate-limit]", Set.of("gold", "default"))).getMessage());
    }

    @Test
    void shouldKeepThePublishedPlansWhenAReplacementIsRefused() {
        registry.publishReferences("ApiKeyFilter [api-key]", Map.of("acme", "gold"));
        registry.publishDefinitions("RateLimitFilter [rate-limit]", Set.of("default", "gold"));
        assertThrows(IllegalArgumentException.class, () -> registry.publishReferences("ApiKeyFilter [api-key]", Map.of("acme", "platinum")));
        registry.publishReferences("ApiKeyFilter [api-key]", Map.of("acme", "default"));
        assertThrows(IllegalArgumentException.class, () -> registry.publishDefinitions("RateLimitFilter [late]", Set.of("gold")),
                "a later limiter still sees the published keys");
    }
}
