package dev.tollgate.ratelimit;

import dev.tollgate.ClientIdentity;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who a request is counted as ({@code key-by}) and on which plan. The bucket key is
 * {@code client:<id>} for the client of the request's {@link ClientIdentity}, {@code header:<value>}
 * for a {@code key-by=header:<Name>} value, else {@code ip:<address>}. The plan is the identity's
 * plan, else the client's (or header value's) entry in {@code client-plans}, else the default
 * plan. Thread-safe.
 */
final class ClientKeys {

    /** What {@code key-by} counts. */
    enum KeyBy { AUTO, CLIENT, IP, HEADER }

    private static final Logger LOG = LoggerFactory.getLogger(ClientKeys.class);
    private static final HexFormat HEX = HexFormat.of();
    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9-]+");

    private final KeyBy keyBy;
    private final String keyHeader;
    private final ClientIpResolver ipResolver;
    private final Plans plans;
    private final Set<String> warnedPlans = ConcurrentHashMap.newKeySet();
    private final JoinedKeys joined = new JoinedKeys();

    private ClientKeys(KeyBy keyBy, String keyHeader, ClientIpResolver ipResolver, Plans plans) {
        this.keyBy = keyBy;
        this.keyHeader = keyHeader;
        this.ipResolver = ipResolver;
        this.plans = plans;
    }

    /**
     * From a {@code key-by} value: {@code auto}, {@code client}, {@code ip} or
     * {@code header:<Header-Name>}.
     *
     * @throws IllegalArgumentException stating that rule
     */
    static ClientKeys of(String keyBy, ClientIpResolver ipResolver, Plans plans) {
        switch (keyBy.toLowerCase(Locale.ROOT)) {
            case "auto" -> {
                return new ClientKeys(KeyBy.AUTO, null, ipResolver, plans);
            }
            case "client" -> {
                return new ClientKeys(KeyBy.CLIENT, null, ipResolver, plans);
            }
            case "ip" -> {
                return new ClientKeys(KeyBy.IP, null, ipResolver, plans);
            }
            default -> {
                String header = keyBy.regionMatches(true, 0, "header:", 0, 7) ? keyBy.substring(7).strip() : "";
                if (!HEADER_NAME.matcher(header).matches()) {
                    throw new IllegalArgumentException("must be auto, client, ip or header:<Header-Name>");
                }
                return new ClientKeys(KeyBy.HEADER, header, ipResolver, plans);
            }
        }
    }

    /** The bucket key: {@code client:<id>}, {@code ip:<address>} or {@code header:<value>}. */
    String key(HttpServletRequest req, ClientIdentity identity) {
        switch (keyBy) {
            case AUTO, CLIENT -> {
                if (identity != null) {
                    return joined.join("client:", identity.clientId());
                }
            }
            case HEADER -> {
                // Any client can set the header: with trusted-proxies, only theirs is believed.
                String value = ipResolver == ClientIpResolver.DIRECT || ipResolver.trusts(req.getRemoteAddr())
                        ? req.getHeader(keyHeader) : null;
                if (value != null && !value.isBlank()) {
                    return "header:" + headerKey(value.strip());
                }
            }
            default -> {
                // Counted by IP below.
            }
        }
        return joined.join("ip:", clientIp(req));
    }

    private String clientIp(HttpServletRequest req) {
        if (ipResolver == ClientIpResolver.DIRECT) {
            return ipResolver.resolve(req.getRemoteAddr(), null);
        }
        return ipResolver.resolve(req.getRemoteAddr(), Collections.list(req.getHeaders("X-Forwarded-For")));
    }

    /** The plan of a request with {@code identity} (or none) counted under {@code key}. */
    Plan plan(ClientIdentity identity, String key) {
        if (identity != null && identity.plan() != null) {
            Plan plan = plans.byName(identity.plan());
            if (plan != null) {
                return plan;
            }
            if (warnedPlans.add(identity.plan())) {
                LOG.warn("Client {} ({}) names plan [{}], which is not defined; using the default plan",
                        identity.clientId(), identity.method(), identity.plan());
            }
        }
        if (identity != null) {
            Plan plan = plans.byClient(identity.clientId());
            if (plan != null) {
                return plan;
            }
        } else if (keyBy == KeyBy.HEADER && key.startsWith("header:")) {
            Plan plan = plans.byClient(key.substring(7));
            if (plan != null) {
                return plan;
            }
        }
        return plans.defaultPlan();
    }

    /** Short safe values as they are; anything else (it may be a credential) as a hash. */
    static String headerKey(String value) {
        if (value.length() <= 64 && value.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || "._:@-".indexOf(c) >= 0))) {
            return value;
        }
        return "#" + hexHash(value, 16);
    }

    /** The first {@code bytes} bytes of the SHA-256 of {@code text}, in hex. */
    static String hexHash(String text, int bytes) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HEX.formatHex(hash, 0, bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Every Java platform has SHA-256", e);
        }
    }
}
