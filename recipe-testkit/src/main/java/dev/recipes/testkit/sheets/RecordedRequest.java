package dev.recipes.testkit.sheets;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * A request the fake Sheets server received, as it arrived.
 *
 * <p>The accessors give everything as it arrived, for assertions. {@link #toString()}, which
 * ends up in assertion messages and test logs, masks credentials: the values of
 * {@code Authorization}, {@code Proxy-Authorization} and {@code Cookie} headers (keeping an
 * authorization's scheme), every field of a token request's form body but {@code grant_type}
 * (the JWT assertion among them), and an {@code access_token} or {@code key} in the query.
 *
 * @param method the HTTP method
 * @param path the raw (still percent-encoded) path, such as
 *     {@code /v4/spreadsheets/1AbC/values/Log%21A%3AD:append}
 * @param query the raw query, or an empty string
 * @param headers the headers, with lowercase names, sorted
 * @param body the body as UTF-8 text
 */
public record RecordedRequest(String method, String path, String query,
        Map<String, List<String>> headers, String body) {

    private static final String MASK = "***";
    private static final Set<String> SECRET_HEADERS =
            Set.of("authorization", "proxy-authorization", "cookie");
    private static final Set<String> AUTHORIZATION_HEADERS =
            Set.of("authorization", "proxy-authorization");
    private static final Set<String> SECRET_QUERY_FIELDS = Set.of("access_token", "key");
    private static final Set<String> PLAIN_TOKEN_FIELDS = Set.of("grant_type");

    /**
     * Copies the headers, with their names in lowercase and sorted.
     *
     * @param method the HTTP method
     * @param path the raw (still percent-encoded) path, such as
     *     {@code /v4/spreadsheets/1AbC/values/Log%21A%3AD:append}
     * @param query the raw query, or an empty string
     * @param headers the headers, with lowercase names, sorted
     * @param body the body as UTF-8 text
     */
    public RecordedRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(headers, "headers");
        query = query == null ? "" : query;
        Map<String, List<String>> lower = new TreeMap<>();
        headers.forEach((name, values) -> lower.put(name.toLowerCase(Locale.ROOT),
                List.copyOf(values)));
        headers = Collections.unmodifiableMap(lower);
        Objects.requireNonNull(body, "body");
    }

    /**
     * Returns the first value of a header.
     *
     * @param name the header's name, in any case
     * @return the value, if the request had the header
     */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty()
                : Optional.of(values.get(0));
    }

    /**
     * Tells whether this was a request to the token endpoint.
     *
     * @return {@code true} for {@code POST /token}
     */
    public boolean isTokenRequest() {
        return path.equals(FakeSheetsServer.TOKEN_PATH);
    }

    /**
     * Tells whether this was a request to {@code spreadsheets.values.append}.
     *
     * @return {@code true} for a path ending in {@code :append}
     */
    public boolean isAppend() {
        return path.startsWith("/v4/spreadsheets/") && path.endsWith(":append");
    }

    /**
     * Tells whether this was a request to {@code spreadsheets.values.get}.
     *
     * @return {@code true} for a {@code GET} of {@code /v4/spreadsheets/{id}/values/{range}}
     */
    public boolean isValuesGet() {
        return method.equals("GET") && path.startsWith("/v4/spreadsheets/")
                && path.contains("/values/") && !path.endsWith(":append");
    }

    /**
     * Shows the request with its credentials masked; see the type's description.
     *
     * @return such as {@code RecordedRequest[POST /token, headers {...}, body grant_type=...&
     *     assertion=***]}
     */
    @Override
    public String toString() {
        StringJoiner shown = new StringJoiner(", ", "{", "}");
        headers.forEach((name, values) -> shown.add(name + "=" + maskHeader(name, values)));
        String maskedQuery = maskForm(query, field -> !SECRET_QUERY_FIELDS.contains(field));
        String maskedBody = isTokenRequest()
                ? maskForm(body, PLAIN_TOKEN_FIELDS::contains) : body;
        return "RecordedRequest[" + method + " " + path
                + (maskedQuery.isEmpty() ? "" : "?" + maskedQuery)
                + ", headers " + shown + ", body " + maskedBody + "]";
    }

    private static List<String> maskHeader(String name, List<String> values) {
        if (!SECRET_HEADERS.contains(name)) {
            return values;
        }
        return values.stream().map(value -> {
            int space = value.indexOf(' ');
            return AUTHORIZATION_HEADERS.contains(name) && space > 0
                    ? value.substring(0, space) + " " + MASK : MASK;
        }).toList();
    }

    /**
     * Masks each {@code name=value} field of a form whose decoded name the predicate does not
     * let through; a field without {@code =} is masked whole unless its name is let through.
     */
    private static String maskForm(String form, Predicate<String> plain) {
        if (form.isEmpty()) {
            return form;
        }
        StringJoiner masked = new StringJoiner("&");
        for (String field : form.split("&", -1)) {
            int equals = field.indexOf('=');
            String name = equals < 0 ? field : field.substring(0, equals);
            if (plain.test(decode(name))) {
                masked.add(field);
            } else {
                masked.add(equals < 0 ? MASK : name + "=" + MASK);
            }
        }
        return masked.toString();
    }

    private static String decode(String name) {
        try {
            return URLDecoder.decode(name, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return name;
        }
    }
}
