package dev.tollgate.it;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tollgate.apikey.ApiKeys;
import java.time.Duration;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A web application whose key filter fails {@code init()} on a bad param after its keys file was
 * read ({@code src/test/webapps/apikey-bad-param}): the deployment fails, and no keys-file reload
 * thread (which would pin the application's class loader) is left alive.
 */
class FailedKeyFilterStartupIT extends ContainerCases {

    @Test
    void shouldLeaveNoReloadThreadWhenTheKeyFilterFailsToStart() throws Exception {
        Set<Thread> before = reloadThreads();
        assertThrows(Exception.class, () -> deploy("apikey-bad-param", "alice " + ApiKeys.sha256Hex("alice-key-0123456789") + "\n"));
        Set<Thread> left = Wait.poll(Duration.ofSeconds(3), () -> newReloadThreads(before), Set::isEmpty);
        assertTrue(left.isEmpty(), "reload threads left alive: " + left);
    }

    private static Set<Thread> newReloadThreads(Set<Thread> before) {
        Set<Thread> now = reloadThreads();
        now.removeAll(before);
        return now;
    }

    private static Set<Thread> reloadThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("tollgate-apikeys-reload") && t.isAlive())
                .collect(Collectors.toSet());
    }
}
