package dev.tollgate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tollgate.testing.FuzzInput;
import java.util.List;

/**
 * Any incoming {@code X-Request-ID}: safe exactly when it is 1 to {@code max-length} characters of
 * {@code [A-Za-z0-9._:-]}, at every length limit around its own length. Inputs:
 * {@code RequestIdsFuzzTestInputs/}.
 */
class RequestIdsFuzzTest {

    @FuzzTest
    void shouldAcceptExactlyTheSafeRequestIds(byte[] input) {
        String id = FuzzInput.latin1(input);
        boolean safeCharacters = id.matches("[A-Za-z0-9._:-]+");
        for (int max : List.of(1, Math.max(1, id.length() - 1), Math.max(1, id.length()), id.length() + 1,
                RequestIds.DEFAULT_MAX_LENGTH, 1024)) {
            assertEquals(safeCharacters && id.length() <= max, RequestIds.isSafe(id, max), () -> "[" + id + "] at most " + max);
        }
    }
}
