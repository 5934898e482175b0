package dev.recipes.webhooks;

import dev.recipes.core.Connection;
import dev.recipes.core.Secret;
import dev.recipes.core.spi.ActionException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What an {@code http} connection adds to a request: headers from its settings and secrets
 * named {@code header.<Name>}, and optionally its own narrower list of hosts. Every header value
 * is treated as a secret: it is never shown, and is masked in text that quotes a response.
 *
 * @param headers header names and values
 * @param hosts the connection's {@code allowed-hosts}, if set
 */
record ConnectionHeaders(Map<String, Secret> headers, Optional<HostRules> hosts) {

    static final String HEADER_PREFIX = "header.";
    static final String ALLOWED_HOSTS = "allowed-hosts";

    private static final String TOKEN_SYMBOLS = "!#$%&'*+-.^_`|~";
    private static final int MIN_MASKED_LENGTH = 4;
    /** Headers that frame or route the request, which the HTTP client or the action set. */
    private static final Set<String> RESERVED = Set.of("host", "content-length", "content-type",
            "connection", "expect", "upgrade", "transfer-encoding", "te", "trailer",
            "keep-alive", "proxy-connection", "date", "from", "via", "warning");

    /** Copies the headers, names compared without regard to case. */
    ConnectionHeaders {
        TreeMap<String, Secret> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        copy.putAll(headers);
        headers = Collections.unmodifiableMap(copy);
    }

    /**
     * Reads a connection.
     *
     * @param connection the connection, or {@code null} for none
     * @param subject what error messages start with
     * @return its headers and hosts; none for no connection
     * @throws ActionException (permanent) for a setting or secret that is not a header or
     *     {@code allowed-hosts}, a header the action may not set, or a header value that cannot
     *     be sent; the message names the header, never its value
     */
    static ConnectionHeaders of(Connection connection, String subject) {
        if (connection == null) {
            return new ConnectionHeaders(Map.of(), Optional.empty());
        }
        String owner = subject + ": connection '" + connection.service() + "/"
                + connection.id() + "'";
        Map<String, Secret> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        Optional<HostRules> hosts = Optional.empty();
        for (Map.Entry<String, String> setting : connection.settings().entrySet()) {
            if (setting.getKey().equals(ALLOWED_HOSTS)) {
                hosts = Optional.of(hosts(owner, setting.getValue()));
            } else {
                add(headers, owner, "setting", setting.getKey(), setting.getValue());
            }
        }
        for (Map.Entry<String, Secret> secret : connection.secrets().entrySet()) {
            add(headers, owner, "secret", secret.getKey(), secret.getValue().reveal());
        }
        return new ConnectionHeaders(headers, hosts);
    }

    /**
     * Replaces every header value, and the credential after an authorization scheme, in a text
     * such as a quoted response, so that an answer that echoes a request shows no secret.
     *
     * @param text any text
     * @return the text with those values replaced by {@code ***}
     */
    String mask(String text) {
        String masked = text;
        List<String> values = maskedValues();
        for (String value : values) {
            masked = Pattern.compile(Pattern.quote(value), Pattern.CASE_INSENSITIVE)
                    .matcher(masked).replaceAll("***");
        }
        // A quote cut short may end in the start of a value.
        for (String value : values) {
            for (int length = value.length() - 1; length >= MIN_MASKED_LENGTH; length--) {
                if (masked.regionMatches(true, masked.length() - length, value, 0, length)) {
                    return masked.substring(0, masked.length() - length) + "***";
                }
            }
        }
        return masked;
    }

    // Each value as sent, its credential after an authorization scheme, and both as a server
    // may echo them: JSON-escaped or URL-encoded (case is ignored when masking).
    private List<String> maskedValues() {
        List<String> values = new ArrayList<>();
        for (Secret secret : headers.values()) {
            String value = secret.reveal().strip();
            int space = value.lastIndexOf(' ');
            List<String> forms = new ArrayList<>(List.of(value));
            if (space > 0) {
                forms.add(value.substring(space + 1));
            }
            for (String form : forms) {
                values.add(form);
                values.add(form.replace("\\", "\\\\").replace("\"", "\\\"")
                        .replace("/", "\\/"));
                values.add(URLEncoder.encode(form, StandardCharsets.UTF_8));
                values.add(URLEncoder.encode(form, StandardCharsets.UTF_8).replace("+", "%20"));
            }
        }
        // Longest first, so that a whole value goes before a part of it.
        values.removeIf(value -> value.length() < MIN_MASKED_LENGTH);
        values.sort((a, b) -> b.length() - a.length());
        return values.stream().distinct().toList();
    }

    private static HostRules hosts(String owner, String value) {
        try {
            HostRules rules = HostRules.parse(value, false);
            if (rules.isEmpty()) {
                throw new IllegalArgumentException("it names no host");
            }
            return rules;
        } catch (IllegalArgumentException e) {
            throw ActionException.permanent(owner + ": setting '" + ALLOWED_HOSTS + "': "
                    + e.getMessage(), null);
        }
    }

    private static void add(Map<String, Secret> headers, String owner, String kind, String key,
            String value) {
        if (!key.startsWith(HEADER_PREFIX)) {
            throw ActionException.permanent(owner + ": " + kind + " '" + key + "' is not '"
                    + HEADER_PREFIX + "<Name>'" + (kind.equals("secret") ? ""
                            : " or '" + ALLOWED_HOSTS + "'"), null);
        }
        String name = key.substring(HEADER_PREFIX.length());
        String problem = nameProblem(name);
        if (problem == null) {
            problem = valueProblem(value);
        }
        if (problem != null) {
            throw ActionException.permanent(owner + ": header '" + name + "' " + problem, null);
        }
        if (headers.containsKey(name)) {
            throw ActionException.permanent(owner + ": header '" + name + "' is given twice, "
                    + "as a setting and as a secret, or in two cases", null);
        }
        headers.put(name, Secret.of(value));
    }

    private static String nameProblem(String name) {
        boolean token = !name.isEmpty() && name.chars().allMatch(c -> c < 128
                && (Character.isLetterOrDigit(c) || TOKEN_SYMBOLS.indexOf(c) >= 0));
        if (!token) {
            return "is not an HTTP token (letters, digits and " + TOKEN_SYMBOLS + ")";
        }
        if (RESERVED.contains(name.toLowerCase(Locale.ROOT))) {
            return "is set by the action or the HTTP client, not by a connection";
        }
        return null;
    }

    private static String valueProblem(String value) {
        if (value.isEmpty()) {
            return "has an empty value";
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c != '\t' && (c < ' ' || c == 0x7f || c > 0xff)) {
                return "has a value with a control character or one outside ISO-8859-1 at "
                        + "index " + i;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "ConnectionHeaders[" + headers.keySet() + ", hosts "
                + hosts.map(HostRules::toString).orElse("(any allowed)") + "]";
    }
}
