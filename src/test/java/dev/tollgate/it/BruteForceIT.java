package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;

/**
 * Limits against password guessing and priced paths on each container, deploying
 * {@code src/test/webapps/ratelimit-login}: login endpoints whose limiters ({@code 3/1m}, per IP)
 * count only the 401s, with the local store and over the real Redis (exact and delayed), and an
 * API at {@code 20/1m} where {@code /api/export} costs 10 and {@code /api/reports/*} 5. Each test
 * sends from its own loopback address, since the buckets outlive a test.
 */
class BruteForceIT extends ContainerCases {

    private final String prefix = "tollgate-test-BruteForce-" + UUID.randomUUID() + ":";
    private RedisTestSupport redis;

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        BruteForceServlets.reset();
        deploy(WebappTemplate.fill("ratelimit-login", Map.of("REDIS_URI", RedisTestSupport.URI, "PREFIX", prefix)));
    }

    /** Before the container stops; a delayed node's last push may write a bucket again, which expires within 70 s. */
    @AfterParameterizedClassInvocation
    void deleteRedisKeys() {
        if (redis != null) {
            redis.deleteKeys(prefix);
            redis.close();
            redis = null;
        }
    }

    /** The real Redis (the test is skipped, or fails under {@code CI=true}, when it is unreachable). */
    private RedisTestSupport redis() {
        if (redis == null) {
            redis = RedisTestSupport.connect();
        }
        return redis;
    }

    private Http.Response login(String path, String from, String password, String how) throws Exception {
        return Http.sendFrom(from, port, "POST", how == null ? path : path + "?how=" + how, "user=alice&password=" + password,
                "Content-Type: application/x-www-form-urlencoded");
    }

    private Http.Response wrong(String path, String from) throws Exception {
        return login(path, from, "guess", null);
    }

    private Http.Response right(String path, String from) throws Exception {
        return login(path, from, BruteForceServlets.PASSWORD, null);
    }

    private static void assertRemaining(Http.Response r, int status, String limit, long remaining) {
        assertEquals(status, r.status(), r::toString);
        assertEquals(limit, r.header("X-Throttle-Limit"), r::toString);
        assertEquals(String.valueOf(remaining), r.header("X-Throttle-Remaining"), r::toString);
    }

    private static void assertRateLimited(Http.Response r, String limit, long longestWait) {
        assertEquals(429, r.status(), r::toString);
        assertEquals(limit, r.header("X-Throttle-Limit"), r::toString);
        assertEquals("0", r.header("X-Throttle-Remaining"), r::toString);
        long retryAfter = Long.parseLong(r.header("Retry-After"));
        assertTrue(retryAfter >= 1 && retryAfter <= longestWait, "Retry-After " + retryAfter);
        long reset = Long.parseLong(r.header("X-Throttle-Reset"));
        long now = System.currentTimeMillis() / 1000;
        assertTrue(reset >= now && reset <= now + longestWait + 1, "reset " + reset + " vs now " + now);
        assertEquals("Rate limit exceeded", r.json().get("error").asText(), r::toString);
    }

    /** Three wrong passwords from {@code from}, each answered 401 by the servlet, then a 429 that never reaches it. */
    private void assertFourthWrongPasswordIsRejected(String path, String from) throws Exception {
        for (int remaining = 2; remaining >= 0; remaining--) {
            assertRemaining(wrong(path, from), 401, "3", remaining);
        }
        assertRateLimited(wrong(path, from), "3", 20);
        assertEquals(3, BruteForceServlets.calls(path, from), "the fourth attempt never reached the servlet");
    }

    /**
     * Logs in with the right password (never counted) until the headers say the answers counted so
     * far have landed: {@code remaining} left if this one counted. An answer can reach the client
     * a moment before it is counted when it is complete before the limiter's chain returns (an
     * async answer on Jetty, an error body of an error filter mapped inside the limiter); the
     * count is never lost. Returns the requests it took.
     */
    private int awaitCounted(String path, String from, long remaining) throws Exception {
        for (int attempt = 1; attempt <= 100; attempt++) {
            Http.Response r = right(path, from);
            assertEquals(200, r.status(), r::toString);
            if (String.valueOf(remaining).equals(r.header("X-Throttle-Remaining"))) {
                return attempt;
            }
        }
        throw new AssertionError("the counts of " + from + " on " + path + " never landed");
    }

    /**
     * Logs in with the right password until the last count has landed and the client is blocked;
     * returns how many of those requests went through before.
     */
    private int awaitBlocked(String path, String from) throws Exception {
        for (int passed = 0; passed < 100; passed++) {
            Http.Response r = right(path, from);
            if (r.status() == 429) {
                assertRateLimited(r, "3", 20);
                return passed;
            }
            assertRemaining(r, 200, "3", 0);
        }
        throw new AssertionError("the last count of " + from + " on " + path + " never landed");
    }

    /**
     * Three wrong passwords, each answered 401 and counted, though perhaps a moment after the
     * client read the answer, then a wrong password that never reaches the servlet.
     */
    private void assertFourthWrongPasswordIsRejectedOnceCounted(String path, String from, String... hows) throws Exception {
        int calls = BruteForceServlets.calls(path, from);
        for (int i = 0; i < 3; i++) {
            assertRemaining(login(path, from, "guess", hows.length == 0 ? null : hows[i]), 401, "3", 2 - i);
            calls++;
            calls += i < 2 ? awaitCounted(path, from, 1 - i) : awaitBlocked(path, from);
        }
        assertRateLimited(wrong(path, from), "3", 20);
        assertEquals(calls, BruteForceServlets.calls(path, from), "the fourth wrong password never reached the servlet");
    }

    @Test
    void shouldRejectTheFourthWrongPasswordWithoutReachingTheServlet() throws Exception {
        assertFourthWrongPasswordIsRejected("/login", "127.0.1.1");
        assertRateLimited(right("/login", "127.0.1.1"), "3", 20);
        assertEquals(3, BruteForceServlets.calls("/login", "127.0.1.1"), "a blocked client is blocked, right password or not");
        assertEquals(401, wrong("/login", "127.0.1.2").status(), "another address has its own bucket");
    }

    @Test
    void shouldNeverLimitAClientThatLogsInSuccessfully() throws Exception {
        for (int i = 0; i < 10; i++) {
            Http.Response r = right("/login", "127.0.1.3");
            // The headers tell what is left if this answer counts: they are set before the application answers.
            assertRemaining(r, 200, "3", 2);
            assertTrue(r.header("RateLimit").startsWith("\"default-1m\";r=2;t="), r::toString);
        }
        assertEquals(10, BruteForceServlets.calls("/login", "127.0.1.3"));
    }

    @Test
    void shouldCountA401WhetherTheApplicationSetsItSendsItOrThrowsIt() throws Exception {
        assertRemaining(login("/login", "127.0.1.4", "guess", "status"), 401, "3", 2);
        assertRemaining(login("/login", "127.0.1.4", "guess", "throw"), 401, "3", 1);
        assertRemaining(login("/login", "127.0.1.4", "guess", "send-error"), 401, "3", 0);
        assertRateLimited(login("/login", "127.0.1.4", "guess", "status"), "3", 20);
        assertEquals(3, BruteForceServlets.calls("/login", "127.0.1.4"));
    }

    @Test
    void shouldCountAnAsyncAnswerWhenTheRequestCompletes() throws Exception {
        assertRemaining(right("/async/login", "127.0.1.5"), 200, "3", 2);
        // Counted when the request completes, which Jetty does after the answer is written.
        assertFourthWrongPasswordIsRejectedOnceCounted("/async/login", "127.0.1.5", "status", "send-error", "status");
    }

    @Test
    void shouldCountTheAnswerOfAnErrorFilterMappedInsideTheLimiter() throws Exception {
        // outer-login-limit comes before the error filter and counts 4xx. The error filter's body
        // is complete before the limiter's chain returns, so Jetty may send it before the count.
        assertFourthWrongPasswordIsRejectedOnceCounted("/outer/login", "127.0.1.6");
    }

    @Test
    void shouldCountTheContainersOwnSendErrorWithoutTheErrorFilter() throws Exception {
        assertFourthWrongPasswordIsRejected("/bare/login", "127.0.1.7");
    }

    @Test
    void shouldLetEveryAttemptThroughInReportOnlyModeWithoutCountingTheOnesItWouldHaveRejected() throws Exception {
        for (int remaining = 2; remaining >= 0; remaining--) {
            assertRemaining(wrong("/trial/login", "127.0.1.8"), 401, "3", remaining);
        }
        Http.Response fourth = wrong("/trial/login", "127.0.1.8");
        Http.Response fifth = wrong("/trial/login", "127.0.1.8");
        for (Http.Response r : new Http.Response[] {fourth, fifth}) {
            assertRemaining(r, 401, "3", 0);
            assertNull(r.header("Retry-After"), "a passing answer asks nobody to wait");
        }
        assertEquals(5, BruteForceServlets.calls("/trial/login", "127.0.1.8"), "report-only lets every attempt through");
        // An enforcing filter would not have let the fourth reach the application, so it is not
        // counted: the fifth is told the same moment for the next token.
        long gap = Long.parseLong(fifth.header("X-Throttle-Reset")) - Long.parseLong(fourth.header("X-Throttle-Reset"));
        assertTrue(gap >= 0 && gap <= 1, "reset moved by " + gap + " s");
    }

    @Test
    void shouldChargeAPricedPathItsCost() throws Exception {
        assertRemaining(Http.sendFrom("127.0.2.1", port, "GET", "/api/export", null), 200, "20", 10);
        assertRemaining(Http.sendFrom("127.0.2.1", port, "GET", "/api/export", null), 200, "20", 0);
        // Ten tokens come back in 30 s (one every 3 s).
        assertRateLimited(Http.sendFrom("127.0.2.1", port, "GET", "/api/export", null), "20", 30);
        assertEquals(2, BruteForceServlets.calls("/api/export", "127.0.2.1"));

        assertRemaining(Http.sendFrom("127.0.2.2", port, "GET", "/api/reports/weekly", null), 200, "20", 15);
        assertRemaining(Http.sendFrom("127.0.2.2", port, "GET", "/api/items", null), 200, "20", 14);
        assertRemaining(Http.sendFrom("127.0.2.2", port, "GET", "/api/reports", null), 200, "20", 9);
    }

    @Test
    void shouldCountOnlyFailuresInRedis() throws Exception {
        redis();
        assertFourthWrongPasswordIsRejected("/redis/login", "127.0.3.1");
        for (int i = 0; i < 10; i++) {
            assertRemaining(right("/redis/login", "127.0.3.2"), 200, "3", 2);
        }
        assertTrue(redis.keys(prefix).contains(prefix + "redis-login-limit:default:ip:127.0.3.1"), () -> redis.keys(prefix).toString());
    }

    @Test
    void shouldCountOnlyFailuresInRedisWithTheDelayedSync() throws Exception {
        redis();
        assertFourthWrongPasswordIsRejected("/delayed/login", "127.0.3.3");
        for (int i = 0; i < 10; i++) {
            assertRemaining(right("/delayed/login", "127.0.3.4"), 200, "3", 2);
        }
    }

    @Test
    void shouldChargeAPricedPathItsCostInRedis() throws Exception {
        redis();
        assertRemaining(Http.sendFrom("127.0.3.5", port, "GET", "/redis/api/export", null), 200, "20", 10);
        assertRemaining(Http.sendFrom("127.0.3.5", port, "GET", "/redis/api/export", null), 200, "20", 0);
        assertRateLimited(Http.sendFrom("127.0.3.5", port, "GET", "/redis/api/export", null), "20", 30);
        assertEquals(2, BruteForceServlets.calls("/redis/api/export", "127.0.3.5"));
        assertRemaining(Http.sendFrom("127.0.3.6", port, "GET", "/redis/api/other", null), 200, "20", 19);
    }
}
