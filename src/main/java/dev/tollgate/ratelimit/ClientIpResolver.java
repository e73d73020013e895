package dev.tollgate.ratelimit;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the client address to count a request against. {@code X-Forwarded-For} is believed only
 * when the request comes from a trusted proxy (as Tomcat's {@code RemoteIpFilter} does): the header
 * is then walked from the right, skipping trusted proxies, and the first untrusted address is the
 * client; the left end is whatever the client wrote, so it is never taken on trust. An entry that
 * is not an IP literal stops the walk at the last trusted hop. IPv6 clients are counted per /64
 * (one host can own a whole /64). Addresses are parsed as literals only: no DNS lookups.
 */
public final class ClientIpResolver {

    /** Trusts nobody: the socket address is the client. */
    public static final ClientIpResolver DIRECT = new ClientIpResolver(List.of());

    private record Cidr(byte[] network, int prefix) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = prefix / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = prefix % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xFF << (8 - rest)) & 0xFF;
            return (address[full] & mask) == (network[full] & mask);
        }
    }

    private final List<Cidr> trusted;

    private ClientIpResolver(List<Cidr> trusted) {
        this.trusted = List.copyOf(trusted);
    }

    /** Trusts the proxies at {@code addresses}: IPs or CIDRs ({@code 10.0.0.0/8}, {@code ::1}, {@code fd00::/8}). */
    public static ClientIpResolver trusting(List<String> addresses) {
        List<Cidr> cidrs = new ArrayList<>();
        for (String text : addresses) {
            int slash = text.indexOf('/');
            byte[] address = parse(slash < 0 ? text : text.substring(0, slash));
            if (address == null) {
                throw new IllegalArgumentException("trusted proxy [" + text + "] must be an IPv4 or IPv6 address or CIDR, like 10.0.0.0/8 or fd00::/8");
            }
            int prefix = address.length * 8;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(text.substring(slash + 1));
                } catch (NumberFormatException e) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > address.length * 8) {
                    throw new IllegalArgumentException("trusted proxy [" + text + "]: prefix length must be 0-" + address.length * 8);
                }
            }
            cidrs.add(new Cidr(address, prefix));
        }
        return cidrs.isEmpty() ? DIRECT : new ClientIpResolver(cidrs);
    }

    /**
     * The client's key: an IPv4 address, or an IPv6 /64 like {@code 2001:db8:1:2::/64}.
     *
     * @param remoteAddr     the socket peer, as the container reports it
     * @param forwardedFor   the {@code X-Forwarded-For} header values in order, or {@code null}
     */
    public String resolve(String remoteAddr, List<String> forwardedFor) {
        if (trusted.isEmpty() || forwardedFor == null || forwardedFor.isEmpty()) {
            return key(remoteAddr, null);
        }
        byte[] peer = parse(remoteAddr);
        if (peer == null || !isTrusted(peer)) {
            return key(remoteAddr, peer);
        }
        String client = remoteAddr;
        byte[] clientBytes = peer;
        for (int h = forwardedFor.size() - 1; h >= 0; h--) {
            String[] hops = forwardedFor.get(h).split(",");
            for (int i = hops.length - 1; i >= 0; i--) {
                String hop = stripPort(hops[i].strip());
                byte[] bytes = parse(hop);
                if (bytes == null) {
                    return key(client, clientBytes);
                }
                client = hop;
                clientBytes = bytes;
                if (!isTrusted(bytes)) {
                    return key(client, clientBytes);
                }
            }
        }
        return key(client, clientBytes);
    }

    boolean isTrusted(byte[] address) {
        for (Cidr cidr : trusted) {
            if (cidr.contains(address)) {
                return true;
            }
        }
        return false;
    }

    private static String key(String address, byte[] parsed) {
        if (address.indexOf(':') < 0) {
            return address;
        }
        byte[] bytes = parsed != null ? parsed : parse(address);
        if (bytes == null || bytes.length != 16) {
            return address;
        }
        StringBuilder key = new StringBuilder(24);
        for (int i = 0; i < 8; i += 2) {
            key.append(Integer.toHexString(((bytes[i] & 0xFF) << 8) | (bytes[i + 1] & 0xFF))).append(':');
        }
        return key.append(":/64").toString();
    }

    private static String stripPort(String hop) {
        if (hop.startsWith("[")) {
            int end = hop.indexOf(']');
            return end > 0 ? hop.substring(1, end) : hop;
        }
        int colon = hop.indexOf(':');
        if (colon > 0 && hop.indexOf(':', colon + 1) < 0) {
            return hop.substring(0, colon);
        }
        return hop;
    }

    /** The bytes of an IPv4 or IPv6 literal, or {@code null}; never a DNS lookup. */
    static byte[] parse(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        if (text.indexOf(':') < 0) {
            return parseIpv4(text);
        }
        String literal = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        int zone = literal.indexOf('%');
        if (zone >= 0) {
            literal = literal.substring(0, zone);
        }
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            if (Character.digit(c, 16) < 0 && c != ':' && c != '.') {
                return null;
            }
        }
        try {
            // With a ':' in it, the JDK parses the text as an IPv6 literal and never resolves it.
            InetAddress address = InetAddress.getByName(literal);
            return address instanceof Inet6Address ? address.getAddress() : null;
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static byte[] parseIpv4(String text) {
        byte[] out = new byte[4];
        int part = 0;
        int value = -1;
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : '.';
            if (c >= '0' && c <= '9') {
                value = value < 0 ? c - '0' : value * 10 + (c - '0');
                if (value > 255) {
                    return null;
                }
            } else if (c == '.' && value >= 0 && part < 4) {
                out[part++] = (byte) value;
                value = -1;
            } else {
                return null;
            }
        }
        return part == 4 ? out : null;
    }
}
