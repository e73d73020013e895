package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;

/**
 * The rate-limit filter fed by the application's own authentication ({@link IdentityFilter}, no
 * key filter), deploying {@code src/test/webapps/ratelimit-identity}: default plan {@code 2/1m},
 * plan gold {@code 4/1m}, client-plans {@code erin=gold}. Each test has its own clients.
 */
class ClientIdentityIT extends ContainerCases {

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        deploy("ratelimit-identity");
    }

    private Http.Response getAs(String address, String user, String plan) throws Exception {
        return plan == null
                ? Http.sendFrom(address, port, "GET", "/x", null, "X-User: " + user)
                : Http.sendFrom(address, port, "GET", "/x", null, "X-User: " + user, "X-Plan: " + plan);
    }

    @Test
    void shouldCountAClientSetByAnotherFilterOnItsPlan() throws Exception {
        for (int remaining = 3; remaining >= 0; remaining--) {
            Http.Response r = getAs("127.0.0.1", "carol", "gold");
            assertEquals(200, r.status(), r::toString);
            assertEquals("4", r.header("X-Throttle-Limit"));
            assertEquals(String.valueOf(remaining), r.header("X-Throttle-Remaining"));
        }
        assertEquals(429, getAs("127.0.0.1", "carol", "gold").status());
        assertEquals(429, getAs("127.0.0.2", "carol", "gold").status(), "the client is counted, not its address");
        Http.Response dave = getAs("127.0.0.1", "dave", null);
        assertEquals(200, dave.status(), "another client on the same address has its own bucket");
        assertEquals("2", dave.header("X-Throttle-Limit"), "no plan: the default plan");
    }

    @Test
    void shouldFindTheClientPlanOfAnIdentityWithoutPlan() throws Exception {
        Http.Response r = getAs("127.0.0.3", "erin", null);
        assertEquals(200, r.status(), r::toString);
        assertEquals("4", r.header("X-Throttle-Limit"));
    }

    @Test
    void shouldUseTheDefaultPlanForAnUndefinedPlan() throws Exception {
        Http.Response r = getAs("127.0.0.4", "frank", "platinum");
        assertEquals(200, r.status(), r::toString);
        assertEquals("2", r.header("X-Throttle-Limit"));
        assertEquals("1", r.header("X-Throttle-Remaining"));
    }
}
