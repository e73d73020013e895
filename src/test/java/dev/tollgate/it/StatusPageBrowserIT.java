package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;

/**
 * The status page in a real browser (headless Chromium), served by each container from
 * {@code src/test/webapps/status} (loopback only, redrawn every second): what traffic, a new key
 * and a stopped Redis change on the page without a reload, a client id that is markup shown as
 * text, and no script or style the page's policy blocks. A screenshot of each container's page
 * goes to {@code target/status-page-<container>.png}.
 */
class StatusPageBrowserIT extends ContainerCases {

    /** One browser for both containers' invocations: starting it takes a few seconds. */
    private static Chromium browser;

    private RedisServerProcess redis;
    private Path keysFile;

    @BeforeParameterizedClassInvocation
    void start() throws Exception {
        redis = RedisServerProcess.start();
        keysFile = deploy(WebappTemplate.fill("status", Map.of("REDIS_URI", redis.uri())), StatusPageIT.keysFile());
        if (browser == null) {
            browser = Chromium.start();
        }
        browser.open("http://127.0.0.1:" + port + "/tollgate/");
        browser.waitForText("#updated", Pattern.compile("^updated "));
    }

    @AfterParameterizedClassInvocation
    void stop() {
        redis.close();
    }

    @AfterAll
    static void closeBrowser() {
        if (browser != null) {
            browser.close();
            browser = null;
        }
    }

    private String section(String filter) {
        return "section[data-filter='" + filter + "']";
    }

    @Test
    void aLimitedClientAppearsInTheTopListAfterARefresh() throws Exception {
        for (int i = 0; i < 6; i++) {
            Http.get(port, "/api/orders", "X-API-Key: " + StatusPageIT.ACME);
        }
        String limiter = browser.waitForText(section("rate-limit") + " .top", Pattern.compile("client:acme\\s+3\\s+default-1m"));
        assertTrue(limiter.contains("in "), "when the next token comes: " + limiter);
        assertEquals(1L, browser.script("return document.scripts.length;"), "no script but the page's own");
        assertEquals(java.util.List.of(), browser.consoleErrors(), "nothing blocked by the policy, nothing failed to load");
        browser.screenshot(Path.of("target", "status-page-" + container.name().toLowerCase(java.util.Locale.ROOT) + ".png"));
    }

    @Test
    void aKeyAddedToTheKeysFileAppears() throws Exception {
        Files.writeString(keysFile, ApiKeyIT.line("newcomer", "newcomer-key-0123456789", "plan=gold expires=2030-01-01T00:00:00Z") + "\n",
                StandardOpenOption.APPEND);
        String keys = browser.waitForText(section("api-key"), Pattern.compile("newcomer\\s+gold"));
        assertTrue(keys.contains("acme"), keys);
    }

    @Test
    void aStoppedRedisShowsTheOpenCircuit() throws Exception {
        Http.get(port, "/shared/a");
        browser.waitForText(section("shared-limit"), Pattern.compile("circuit: closed"));
        redis.stop(true);
        try {
            Http.get(port, "/shared/a");
            String store = browser.waitForText(section("shared-limit"), Pattern.compile("circuit: open"));
            assertTrue(Pattern.compile("last failure: \\S.*\\(").matcher(store).find(), "the failure and what it said: " + store);
        } finally {
            redis.startAgain();
        }
        Wait.until("the page to show the store back", () -> {
            Http.get(port, "/shared/a");
            return browser.text(section("shared-limit"));
        }, text -> text.contains("circuit: closed") && !text.contains("recovered: —"));
    }

    @Test
    void aClientIdThatIsMarkupIsShownAsText() throws Exception {
        String user = "<img src=x onerror=\"window.pwned=1\"><script>window.pwned=2</script>";
        Http.get(port, "/app/x", "X-User: " + user);
        Http.get(port, "/app/x", "X-User: " + user);
        String shown = browser.waitForText(section("user-limit") + " .top", Pattern.compile(Pattern.quote("client:" + user)));
        assertTrue(shown.contains(user), shown);
        assertNull(browser.script("return window.pwned;"), "the client id ran as markup");
        assertEquals(0L, browser.script("return document.querySelectorAll('main img').length;"));
    }

    @Test
    void aLookupShowsOneClientsBuckets() throws Exception {
        Http.get(port, "/api/items", "X-API-Key: " + StatusPageIT.BETA);
        browser.script("document.getElementById('client').value = arguments[0];"
                + "document.getElementById('lookup').requestSubmit();", "beta");
        String found = browser.waitForText("#lookup-result", Pattern.compile("client:beta"));
        assertTrue(Pattern.compile("default-1h\\s+100\\s+\\d+").matcher(found).find(), found);
    }
}
