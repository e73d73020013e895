package dev.tollgate.apikey;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import org.junit.jupiter.api.Test;

class KeysFileLocationTest {

    private static final Map<String, String> ENV = Map.of("TOLLGATE_KEYS_FILE", " /env/keys.txt ");
    private static final Map<String, String> PROPS = Map.of("tollgate.keys-file", "/prop/keys.txt");

    @Test
    void shouldPreferTheParamThenTheEnvironmentThenTheProperty() {
        assertEquals(new FileApiKeyStore.Location("/param/keys.txt", "init-param [keys-file]"),
                FileApiKeyStore.locate("/param/keys.txt", ENV::get, PROPS::get));
        assertEquals(new FileApiKeyStore.Location("/env/keys.txt", "environment variable TOLLGATE_KEYS_FILE"),
                FileApiKeyStore.locate(null, ENV::get, PROPS::get));
        assertEquals(new FileApiKeyStore.Location("/prop/keys.txt", "system property tollgate.keys-file"),
                FileApiKeyStore.locate(" ", Map.of("TOLLGATE_KEYS_FILE", "")::get, PROPS::get));
    }

    @Test
    void shouldFindNoneWhenNothingNamesAFile() {
        assertNull(FileApiKeyStore.locate(null, Map.<String, String>of()::get, Map.of("tollgate.keys-file", "  ")::get));
    }
}
