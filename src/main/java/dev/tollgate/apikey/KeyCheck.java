package dev.tollgate.apikey;

import dev.tollgate.error.ApiError;
import dev.tollgate.error.ErrorCodes;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides a request: a preflight is answered or passes (as {@code preflight} says); no key is 401
 * {@code missing_api_key}; several keys, an implausible or unknown key 401 {@code invalid_api_key};
 * an expired key 401 {@code expired_api_key}; a key not allowed the method or path 403
 * {@code access_denied}; else the key's entry is accepted. Each 401 carries the
 * {@code WWW-Authenticate} challenges. The rejections are made once; immutable and thread-safe.
 */
final class KeyCheck {

    private static final Logger LOG = LoggerFactory.getLogger(KeyCheck.class);

    /**
     * The decision: the accepted entry, or the rejection, or neither (a preflight passes, or
     * {@code answer}: the filter answers it itself). {@code refused}: the entry of a known key
     * that is rejected (expired, or not allowed here).
     */
    record Verdict(ApiKeyEntry accepted, ApiError rejection, ApiKeyEntry refused, boolean answer) {
        static final Verdict PASS = new Verdict(null, null);
        static final Verdict ANSWER = new Verdict(null, null, null, true);

        Verdict(ApiKeyEntry accepted, ApiError rejection) {
            this(accepted, rejection, null);
        }

        Verdict(ApiKeyEntry accepted, ApiError rejection, ApiKeyEntry refused) {
            this(accepted, rejection, refused, false);
        }
    }

    private final KeyExtractor extractor;
    private final ApiKeyStore store;
    private final Clock clock;
    private final Verdict missing;
    private final Verdict invalid;
    private final Verdict expired;
    private final Verdict denied;

    /** {@code challengeHeader}: the key header the {@code ApiKey} challenge names; {@code bearer}: also a Bearer challenge. */
    KeyCheck(KeyExtractor extractor, ApiKeyStore store, Clock clock, String realm, String challengeHeader, boolean bearer) {
        this.extractor = extractor;
        this.store = store;
        this.clock = clock;
        String apiKey = "ApiKey realm=\"" + realm + "\", header=\"" + challengeHeader + "\"";
        String bearerChallenge = bearer ? "Bearer realm=\"" + realm + "\"" : null;
        this.missing = rejection(ErrorCodes.MISSING_API_KEY, "Authentication required", apiKey, bearerChallenge);
        this.invalid = rejection(ErrorCodes.INVALID_API_KEY, "Invalid API key", apiKey, bearerChallenge);
        this.expired = rejection(ErrorCodes.EXPIRED_API_KEY, "API key expired", apiKey, bearerChallenge);
        this.denied = new Verdict(null, ApiError.of(403, ErrorCodes.ACCESS_DENIED, "Permission denied"));
    }

    private static Verdict rejection(String code, String message, String apiKey, String bearer) {
        ApiError.Builder error = ApiError.builder(401).code(code).message(message).header("WWW-Authenticate", apiKey);
        if (bearer != null) {
            error.header("WWW-Authenticate", bearer);
        }
        return new Verdict(null, error.build());
    }

    /** The entry of {@code key}; this package's stores get the hash in a reused buffer, others a new array. */
    private ApiKeyEntry find(String key) {
        if (store instanceof FileApiKeyStore file) {
            return ApiKeys.find(file.table(), key);
        }
        if (store instanceof KeyTable table) {
            return ApiKeys.find(table, key);
        }
        return store.find(ApiKeys.sha256(key));
    }

    /** The verdict on {@code request}, whose path within the application is {@code path}. */
    Verdict check(HttpServletRequest request, String path) {
        KeyExtractor.Presented presented = extractor.extract(request);
        switch (presented.kind()) {
            case PREFLIGHT -> {
                return extractor.answersPreflights() ? Verdict.ANSWER : Verdict.PASS;
            }
            case MISSING -> {
                return missing;
            }
            case SEVERAL -> {
                return invalid;
            }
            default -> {
                // One key: decided below.
            }
        }
        String key = presented.key();
        ApiKeyEntry entry = ApiKeys.isPlausible(key) ? find(key) : null;
        if (entry == null) {
            return invalid;
        }
        // Only keys with an expiry need the time.
        if (entry.expiresAt() != null && entry.isExpired(clock.instant())) {
            return new Verdict(null, expired.rejection(), entry);
        }
        if (!entry.allowsMethod(request.getMethod()) || !entry.allowsPath(path)) {
            LOG.debug("Key of client {} not allowed {} {}", entry.clientId(), request.getMethod(), path);
            return new Verdict(null, denied.rejection(), entry);
        }
        return entry.accepted();
    }
}
