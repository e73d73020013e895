package dev.tollgate.internal;

import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Finds the client address to count a request against. {@code X-Forwarded-For} is believed only
 * when the request comes from a trusted proxy (as Tomcat's {@code RemoteIpFilter} does): the header
 * is then walked from the right, skipping trusted proxies, and the first untrusted address is the
 * client; the left end is whatever the client wrote, so it is never taken on trust. An entry that
 * is not an IP literal stops the walk: the request is counted against the last trusted hop, the
 * proxy that passed the entry on. IPv6 clients are counted per /64 (one host can own a whole /64).
 * IPv4-mapped IPv6 addresses ({@code ::ffff:203.0.113.9}, written by dual-stack proxies) are the
 * IPv4 address, in the header, as the socket address and in the trusted proxies.
 *
 * <p>Addresses are parsed strictly, byte by byte, as IP literals: ASCII digits only, dotted-quad
 * IPv4 without leading zeros, IPv6 in the RFC 4291 text forms (with {@code ::} and an embedded
 * IPv4 tail); an IPv6 zone id ({@code %eth0}) is ignored. Never through the system resolver, so a
 * hostile header cannot cause a DNS or {@code /etc/hosts} lookup on a request thread.
 *
 * <p>Both gates use it, from their {@code trusted-proxies} init-param: the rate-limit filter to
 * count a client, the key filter to name it in its report-only log.
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

    /**
     * The value of a {@code trusted-proxies} init-param: IPs or CIDRs separated by commas or
     * white space; empty trusts nobody.
     *
     * @throws IllegalArgumentException naming the entry that is neither
     */
    public static ClientIpResolver fromParam(String text) {
        return trusting(List.of(text.split("[,\\s]+")).stream().filter(s -> !s.isEmpty()).toList());
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
            boolean mapped = address.length == 4 && text.indexOf(':') >= 0;
            int prefix = address.length * 8;
            if (slash >= 0) {
                String digits = text.substring(slash + 1);
                prefix = digits.isEmpty() || digits.length() > 3 || !digits.chars().allMatch(c -> c >= '0' && c <= '9')
                        ? -1 : Integer.parseInt(digits);
                if (mapped) {
                    if (prefix < 96 || prefix > 128) {
                        throw new IllegalArgumentException("trusted proxy [" + text + "]: prefix length of an IPv4-mapped address must be 96-128");
                    }
                    prefix -= 96;
                } else if (prefix < 0 || prefix > address.length * 8) {
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
            String[] hops = forwardedFor.get(h).split(",", -1);
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

    /** The client of {@code req}: its socket peer, or the address that {@code X-Forwarded-For} names past the trusted proxies. */
    public String clientAddress(HttpServletRequest req) {
        if (trusted.isEmpty()) {
            return resolve(req.getRemoteAddr(), null);
        }
        return resolve(req.getRemoteAddr(), Collections.list(req.getHeaders("X-Forwarded-For")));
    }

    /** Whether the socket peer {@code remoteAddr} is one of the trusted proxies; never when none is set. */
    public boolean trusts(String remoteAddr) {
        if (trusted.isEmpty()) {
            return false;
        }
        byte[] peer = parse(remoteAddr);
        return peer != null && isTrusted(peer);
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
        if (bytes == null) {
            return address;
        }
        if (bytes.length == 4) {
            // An IPv4-mapped IPv6 address: the IPv4 client.
            return (bytes[0] & 0xFF) + "." + (bytes[1] & 0xFF) + "." + (bytes[2] & 0xFF) + "." + (bytes[3] & 0xFF);
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

    /**
     * Whether {@code address} is a loopback IP literal ({@code 127.x.x.x}, {@code ::1}, also in
     * brackets or IPv4-mapped); a name, or anything else that is not a literal, is not: never a lookup.
     */
    public static boolean isLoopback(String address) {
        byte[] parsed = parse(address);
        if (parsed == null) {
            return false;
        }
        if (parsed.length == 4) {
            return parsed[0] == 127;
        }
        for (int i = 0; i < 15; i++) {
            if (parsed[i] != 0) {
                return false;
            }
        }
        return parsed[15] == 1;
    }

    /**
     * The bytes of an IPv4 or IPv6 literal (4 bytes for IPv4 and IPv4-mapped IPv6, else 16), or
     * {@code null}. Never a lookup: this class does not use {@link java.net.InetAddress}.
     */
    static byte[] parse(String text) {
        if (text == null || text.isEmpty() || text.length() > 64) {
            return null;
        }
        if (text.indexOf(':') < 0) {
            return parseIpv4(text, 0, text.length());
        }
        int start = 0;
        int end = text.length();
        if (text.charAt(0) == '[') {
            if (text.charAt(end - 1) != ']') {
                return null;
            }
            start = 1;
            end--;
        }
        int zone = text.indexOf('%', start);
        if (zone >= 0 && zone < end) {
            if (!isZoneId(text, zone + 1, end)) {
                return null;
            }
            end = zone;
        }
        byte[] address = parseIpv6(text, start, end);
        if (address == null) {
            return null;
        }
        for (int i = 0; i < 10; i++) {
            if (address[i] != 0) {
                return address;
            }
        }
        return address[10] == (byte) 0xFF && address[11] == (byte) 0xFF ? Arrays.copyOfRange(address, 12, 16) : address;
    }

    private static boolean isZoneId(String text, int start, int end) {
        if (start >= end) {
            return false;
        }
        for (int i = start; i < end; i++) {
            char c = text.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.')) {
                return false;
            }
        }
        return true;
    }

    /** RFC 4291 text forms: eight groups of 1-4 hex digits, one {@code ::} at most, an IPv4 tail. */
    private static byte[] parseIpv6(String text, int start, int end) {
        byte[] out = new byte[16];
        int filled = 0;
        int gap = -1;
        int i = start;
        if (i < end && text.charAt(i) == ':') {
            if (i + 1 >= end || text.charAt(i + 1) != ':') {
                return null;
            }
            gap = 0;
            i += 2;
        }
        while (i < end) {
            if (filled == 16) {
                return null;
            }
            int groupStart = i;
            int value = 0;
            while (i < end && i - groupStart < 4 && hex(text.charAt(i)) >= 0) {
                value = (value << 4) | hex(text.charAt(i));
                i++;
            }
            if (i < end && text.charAt(i) == '.') {
                byte[] ipv4 = filled <= 12 ? parseIpv4(text, groupStart, end) : null;
                if (ipv4 == null) {
                    return null;
                }
                System.arraycopy(ipv4, 0, out, filled, 4);
                filled += 4;
                break;
            }
            if (i == groupStart || (i < end && hex(text.charAt(i)) >= 0)) {
                return null;
            }
            out[filled++] = (byte) (value >>> 8);
            out[filled++] = (byte) value;
            if (i == end) {
                break;
            }
            if (text.charAt(i) != ':') {
                return null;
            }
            i++;
            if (i < end && text.charAt(i) == ':') {
                if (gap >= 0) {
                    return null;
                }
                gap = filled;
                i++;
            } else if (i == end) {
                return null;
            }
        }
        if (gap < 0) {
            return filled == 16 ? out : null;
        }
        if (filled == 16) {
            return null;
        }
        int tail = filled - gap;
        System.arraycopy(out, gap, out, 16 - tail, tail);
        Arrays.fill(out, gap, 16 - tail, (byte) 0);
        return out;
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /** A dotted quad of ASCII decimals 0-255 without leading zeros (which some parsers read as octal). */
    private static byte[] parseIpv4(String text, int start, int end) {
        byte[] out = new byte[4];
        int part = 0;
        int value = -1;
        int digits = 0;
        for (int i = start; i <= end; i++) {
            char c = i < end ? text.charAt(i) : '.';
            if (c >= '0' && c <= '9') {
                if (digits == 1 && value == 0) {
                    return null;
                }
                value = value < 0 ? c - '0' : value * 10 + (c - '0');
                digits++;
                if (value > 255) {
                    return null;
                }
            } else if (c == '.' && value >= 0 && part < 4) {
                out[part++] = (byte) value;
                value = -1;
                digits = 0;
            } else {
                return null;
            }
        }
        return part == 4 ? out : null;
    }
}
