package dev.recipes.webhooks;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * Tells public addresses from those a request must not reach unless allowed by name: loopback,
 * private, link-local, unspecified, multicast and other special-purpose ranges, including IPv6
 * forms that carry such an IPv4 address.
 */
final class AddressKind {

    private AddressKind() {
    }

    /**
     * Names the kind of a non-public address.
     *
     * @param address an address
     * @return what it is, such as {@code loopback}; {@code null} for a public address
     */
    static String restricted(InetAddress address) {
        byte[] bytes = address.getAddress();
        return address instanceof Inet4Address ? ipv4(bytes) : ipv6((Inet6Address) address,
                bytes);
    }

    private static String ipv4(byte[] b) {
        int first = b[0] & 0xff;
        int second = b[1] & 0xff;
        if (first == 0) {
            return "unspecified ('this network', 0.0.0.0/8)";
        }
        if (first == 127) {
            return "loopback";
        }
        if (first == 10 || first == 172 && (second & 0xf0) == 16
                || first == 192 && second == 168) {
            return "private";
        }
        if (first == 169 && second == 254) {
            return "link-local";
        }
        if (first == 100 && (second & 0xc0) == 64) {
            return "shared (carrier-grade NAT, 100.64.0.0/10)";
        }
        if (first == 192 && second == 0 && (b[2] & 0xff) == 0) {
            return "special-purpose (192.0.0.0/24)";
        }
        if (first == 198 && (second & 0xfe) == 18) {
            return "benchmarking (198.18.0.0/15)";
        }
        if (first == 192 && second == 0 && (b[2] & 0xff) == 2
                || first == 198 && second == 51 && (b[2] & 0xff) == 100
                || first == 203 && second == 0 && (b[2] & 0xff) == 113) {
            // Reserved for documentation, yet found on internal networks, so not public.
            return "documentation (TEST-NET)";
        }
        if (first == 192 && second == 88 && (b[2] & 0xff) == 99) {
            return "6to4 relay anycast (192.88.99.0/24)";
        }
        if (first >= 224 && first <= 239) {
            return "multicast";
        }
        if (first >= 240) {
            return "reserved or broadcast (240.0.0.0/4)";
        }
        return null;
    }

    private static String ipv6(Inet6Address address, byte[] b) {
        if (address.isAnyLocalAddress()) {
            return "unspecified";
        }
        if (address.isLoopbackAddress()) {
            return "loopback";
        }
        if (isZero(b, 0, 10) && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
            return embedded(b, 12, "IPv4-mapped");
        }
        if (isZero(b, 0, 12)) {
            // ::a.b.c.d, the deprecated IPv4-compatible form
            return embedded(b, 12, "IPv4-compatible");
        }
        if (isZero(b, 0, 8) && (b[8] & 0xff) == 0xff && (b[9] & 0xff) == 0xff
                && isZero(b, 10, 12)) {
            return embedded(b, 12, "IPv4-translated (::ffff:0:0/96)");
        }
        if ((b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff
                && (b[3] & 0xff) == 0x9b && (b[4] & 0xff) == 0x00 && (b[5] & 0xff) == 0x01) {
            // Where a local-use prefix carries the IPv4 address is up to the network.
            return "local-use NAT64 (64:ff9b:1::/48)";
        }
        if ((b[0] & 0xff) == 0x01 && isZero(b, 1, 7) && (b[7] & 0xfe) == 0) {
            return "discard-only or dummy (100::/64, 100:0:0:1::/64)";
        }
        if ((b[0] & 0xff) == 0x3f && (b[1] & 0xff) == 0xff && (b[2] & 0xf0) == 0) {
            return "documentation (3fff::/20)";
        }
        if ((b[0] & 0xff) == 0x5f && b[1] == 0) {
            return "segment routing (5f00::/16)";
        }
        if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x01) {
            int third = b[2] & 0xff;
            int fourth = b[3] & 0xff;
            if (third == 0x00 && fourth == 0x00) {
                return "Teredo (2001::/32)";
            }
            if (third == 0x0d && fourth == 0xb8) {
                return "documentation (2001:db8::/32)";
            }
            if (third == 0x00 && fourth == 0x02 && isZero(b, 4, 6)) {
                return "benchmarking (2001:2::/48)";
            }
            if (third == 0x00 && ((fourth & 0xf0) == 0x10 || (fourth & 0xf0) == 0x20)) {
                return "ORCHID (2001:10::/28, 2001:20::/28)";
            }
        }
        if ((b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff
                && (b[3] & 0xff) == 0x9b && isZero(b, 4, 12)) {
            return embedded(b, 12, "NAT64 (64:ff9b::/96)");
        }
        if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x02) {
            return embedded(b, 2, "6to4 (2002::/16)");
        }
        if ((b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0x80) {
            return "link-local";
        }
        if ((b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0xc0) {
            return "site-local";
        }
        if ((b[0] & 0xfe) == 0xfc) {
            return "unique local (fc00::/7)";
        }
        if ((b[0] & 0xff) == 0xff) {
            return "multicast";
        }
        return null;
    }

    /** The kind of an IPv4 address carried inside an IPv6 one, if that is not public. */
    private static String embedded(byte[] b, int from, String form) {
        try {
            InetAddress inner = InetAddress.getByAddress(Arrays.copyOfRange(b, from, from + 4));
            String kind = ipv4(inner.getAddress());
            return kind == null ? null : kind + " (" + inner.getHostAddress() + " in " + form
                    + " form)";
        } catch (UnknownHostException e) {
            throw new IllegalStateException("four bytes are always an IPv4 address", e);
        }
    }

    private static boolean isZero(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
