package dev.tollgate.ratelimit;

import dev.tollgate.ClientIdentity;
import dev.tollgate.internal.ClientIpResolver;
import dev.tollgate.internal.JoinedKeys;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who a request is counted as ({@code key-by}) and on which plan. The bucket key is
 * {@code client:<id>} for the client of the request's {@link ClientIdentity}, for a
 * {@code key-by=header:<Name>} value {@code header:#<hash>} (its {@link HeaderHash}: the value may
 * be a credential, and bucket keys are stored in Redis and logged), for a
 * {@code key-by=header:<Name>;plain} value {@code header:<value>} when it is short and safe (else
 * hashed too), else {@code ip:<address>}. The plan is the identity's plan, else the client's (or
 * header value's) entry in {@code client-plans}, else the default plan; the entries are hashed
 * once, so a hashed header value finds its plan without its raw value. Thread-safe.
 */
final class ClientKeys {

    /** What {@code key-by} counts. */
    enum KeyBy { AUTO, CLIENT, IP, HEADER }

    private static final Logger LOG = LoggerFactory.getLogger(ClientKeys.class);
    private static final HexFormat HEX = HexFormat.of();
    /** {@code header:<Name>}, optionally {@code ;plain}: any case, spaces around the name and the {@code ;}. */
    private static final Pattern HEADER = Pattern.compile("header:\\s*([A-Za-z0-9-]+)\\s*(;\\s*plain)?", Pattern.CASE_INSENSITIVE);
    private static final String RULE = "must be auto, client, ip, header:<Header-Name> or header:<Header-Name>;plain";
    /** Longest value a {@code ;plain} header keeps readable. */
    static final int MAX_PLAIN_LENGTH = 64;

    private final KeyBy keyBy;
    private final String keyHeader;
    /** With {@code ;plain}: short safe values are kept as they are. */
    private final boolean plain;
    private final HeaderHash hash;
    private final ClientIpResolver ipResolver;
    private final Plans plans;
    /** With a key header: the {@code client-plans} entries by the bucket key their value gets. */
    private final Map<String, Plan> headerPlans;
    private final Set<String> warnedPlans = ConcurrentHashMap.newKeySet();
    private final JoinedKeys joined = new JoinedKeys();

    private ClientKeys(KeyBy keyBy, String keyHeader, boolean plain, String namespace, ClientIpResolver ipResolver, Plans plans) {
        this.keyBy = keyBy;
        this.keyHeader = keyHeader;
        this.plain = plain;
        this.hash = keyBy == KeyBy.HEADER ? new HeaderHash(namespace) : null;
        this.ipResolver = ipResolver;
        this.plans = plans;
        Map<String, Plan> byKey = new HashMap<>();
        if (keyBy == KeyBy.HEADER) {
            plans.clientPlans().forEach((client, plan) -> byKey.put(headerKey(client), plan));
        }
        this.headerPlans = Map.copyOf(byKey);
    }

    /**
     * From a {@code key-by} value: {@code auto}, {@code client}, {@code ip},
     * {@code header:<Header-Name>} or {@code header:<Header-Name>;plain}. A header's values are
     * hashed with the key {@code namespace}: the filter's, the same on every node sharing its store.
     *
     * @throws IllegalArgumentException stating that rule
     */
    static ClientKeys of(String keyBy, String namespace, ClientIpResolver ipResolver, Plans plans) {
        String text = keyBy.strip();
        switch (text.toLowerCase(Locale.ROOT)) {
            case "auto" -> {
                return new ClientKeys(KeyBy.AUTO, null, false, namespace, ipResolver, plans);
            }
            case "client" -> {
                return new ClientKeys(KeyBy.CLIENT, null, false, namespace, ipResolver, plans);
            }
            case "ip" -> {
                return new ClientKeys(KeyBy.IP, null, false, namespace, ipResolver, plans);
            }
            default -> {
                Matcher header = HEADER.matcher(text);
                if (!header.matches()) {
                    throw new IllegalArgumentException(RULE);
                }
                return new ClientKeys(KeyBy.HEADER, header.group(1), header.group(2) != null, namespace, ipResolver, plans);
            }
        }
    }

    /** Checks a {@code key-by} value as {@link #of} reads it. @throws IllegalArgumentException stating the rule */
    static void check(String keyBy) {
        String text = keyBy.strip().toLowerCase(Locale.ROOT);
        if (!text.equals("auto") && !text.equals("client") && !text.equals("ip") && !HEADER.matcher(keyBy.strip()).matches()) {
            throw new IllegalArgumentException(RULE);
        }
    }

    /** The bucket key: {@code client:<id>}, {@code ip:<address>}, {@code header:#<hash>} or {@code header:<value>}. */
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
                    return headerKey(value.strip());
                }
            }
            default -> {
                // Counted by IP below.
            }
        }
        return joined.join("ip:", ipResolver.clientAddress(req));
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
        } else if (keyBy == KeyBy.HEADER) {
            Plan plan = headerPlans.get(key);
            if (plan != null) {
                return plan;
            }
        }
        return plans.defaultPlan();
    }

    /** The bucket key of a header value: its keyed hash, or with {@code ;plain} a short safe value as it is. */
    private String headerKey(String value) {
        return plain && readable(value) ? joined.join("header:", value) : hash.key(value);
    }

    /** At most {@value #MAX_PLAIN_LENGTH} ASCII letters, digits and {@code ._:@-}. */
    static boolean readable(String value) {
        if (value.length() > MAX_PLAIN_LENGTH) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "._:@-".indexOf(c) >= 0)) {
                return false;
            }
        }
        return true;
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
