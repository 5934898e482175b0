package dev.recipes.webhooks;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A list of hosts: exact names, {@code *.suffix} patterns, IP addresses, and {@code *} for any
 * host. Names are compared without regard to case or a trailing dot. Immutable and thread-safe.
 */
final class HostRules {

    private static final Pattern NAME = Pattern.compile(
            "[a-z0-9]([a-z0-9_-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9_-]*[a-z0-9])?)*");
    // Octets without leading zeros, which the JDK would refuse as ambiguous and look up.
    private static final Pattern DOTTED_QUAD = Pattern.compile(
            "(0|[1-9]\\d{0,2})(\\.(0|[1-9]\\d{0,2})){3}");

    private final boolean any;
    private final List<String> names;
    private final List<String> suffixes;
    private final List<InetAddress> addresses;
    private final String text;

    private HostRules(boolean any, List<String> names, List<String> suffixes,
            List<InetAddress> addresses, String text) {
        this.any = any;
        this.names = List.copyOf(names);
        this.suffixes = List.copyOf(suffixes);
        this.addresses = List.copyOf(addresses);
        this.text = text;
    }

    /**
     * Reads a list.
     *
     * @param value entries separated by commas or whitespace
     * @param wildcard whether {@code *} is accepted
     * @return the rules
     * @throws IllegalArgumentException for an entry that is none of the accepted forms, with a
     *     message saying which
     */
    static HostRules parse(String value, boolean wildcard) {
        boolean any = false;
        List<String> names = new ArrayList<>();
        List<String> suffixes = new ArrayList<>();
        List<InetAddress> addresses = new ArrayList<>();
        List<String> entries = ConfigValues.list(value);
        for (String entry : entries) {
            String lower = entry.toLowerCase(Locale.ROOT);
            Optional<InetAddress> address = literal(lower);
            if (lower.equals("*") && wildcard) {
                any = true;
            } else if (address.isPresent()) {
                addresses.add(address.get());
            } else if (lower.startsWith("*.") && NAME.matcher(lower.substring(2)).matches()) {
                suffixes.add(lower.substring(1));
            } else if (NAME.matcher(withoutTrailingDot(lower)).matches()) {
                names.add(withoutTrailingDot(lower));
            } else {
                throw new IllegalArgumentException("entry '" + entry + "' is not a host name, "
                        + "'*.suffix'" + (wildcard ? ", an IP address or '*'"
                                : " or an IP address"));
            }
        }
        return new HostRules(any, names, suffixes, addresses, String.join(", ", entries));
    }

    /**
     * Returns rules that match nothing.
     *
     * @return empty rules
     */
    static HostRules none() {
        return new HostRules(false, List.of(), List.of(), List.of(), "");
    }

    /**
     * Tells whether the list has no entry.
     *
     * @return {@code true} if nothing matches
     */
    boolean isEmpty() {
        return !any && names.isEmpty() && suffixes.isEmpty() && addresses.isEmpty();
    }

    /**
     * Tells whether a URL's host matches an entry.
     *
     * @param host the host as {@link java.net.URI#getHost()} gives it, IPv6 in brackets
     * @return {@code true} if it matches
     */
    boolean matchesHost(String host) {
        String lower = withoutTrailingDot(host.toLowerCase(Locale.ROOT));
        Optional<InetAddress> address = literal(lower);
        if (any) {
            return true;
        }
        if (address.isPresent()) {
            return addresses.contains(address.get());
        }
        return names.contains(lower) || suffixes.stream().anyMatch(lower::endsWith);
    }

    /**
     * Tells whether an address is one of the entries.
     *
     * @param address an address
     * @return {@code true} if listed
     */
    boolean containsAddress(InetAddress address) {
        return addresses.contains(address);
    }

    /**
     * Reads an IP address literal without any name lookup: a dotted quad, or an IPv6 address
     * with or without brackets.
     *
     * @param host a host
     * @return the address, if the host is such a literal
     */
    static Optional<InetAddress> literal(String host) {
        String bare = host.startsWith("[") && host.endsWith("]")
                ? host.substring(1, host.length() - 1) : host;
        boolean quad = DOTTED_QUAD.matcher(bare).matches()
                && List.of(bare.split("\\.")).stream().allMatch(o -> Integer.parseInt(o) < 256);
        if (!quad && bare.indexOf(':') < 0) {
            return Optional.empty();
        }
        try {
            // A dotted quad or a text with ':' is parsed as a literal, never looked up.
            return Optional.of(InetAddress.getByName(bare.indexOf(':') < 0 ? bare
                    : "[" + bare + "]"));
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    private static String withoutTrailingDot(String host) {
        return host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    }

    @Override
    public String toString() {
        return text.isEmpty() ? "(none)" : text;
    }
}
