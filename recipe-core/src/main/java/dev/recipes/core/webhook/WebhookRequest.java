package dev.recipes.core.webhook;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * An HTTP request as a webhook handler sees it: the exact bytes of the body, so that signatures
 * can be checked on what the sender signed.
 *
 * <p>Header names are matched without regard to case. The body array is copied in and out.
 * {@link #toString()} shows neither headers nor body, which may carry secrets.
 *
 * @param method the HTTP method, upper case
 * @param path the request path, without the query
 * @param query the raw query string without {@code ?}, or empty
 * @param headers the headers, each name with its values in order
 * @param body the raw body
 */
public record WebhookRequest(
        String method, String path, String query, Map<String, List<String>> headers, byte[] body) {

    /**
     * Validates and copies.
     *
     * @param method the HTTP method, upper case
     * @param path the request path, without the query
     * @param query the raw query string without {@code ?}, or empty
     * @param headers the headers, each name with its values in order
     * @param body the raw body
     */
    public WebhookRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(headers, "headers");
        query = query == null ? "" : query;
        headers = java.util.Collections.unmodifiableMap(copyHeaders(headers));
        body = body == null ? new byte[0] : body.clone();
    }

    // Names that differ only in case become one, their values joined in the order met; each
    // list is copied as it is when its name is met once, which is the usual case.
    private static TreeMap<String, List<String>> copyHeaders(Map<String, List<String>> headers) {
        TreeMap<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (Map.Entry<String, List<String>> header : headers.entrySet()) {
            String name = header.getKey();
            List<String> values = header.getValue();
            List<String> earlier = copy.get(name);
            if (earlier == null) {
                Objects.requireNonNull(name);
                copy.put(name, List.copyOf(values));
            } else {
                List<String> joined = new ArrayList<>(earlier);
                joined.addAll(values);
                copy.put(name, List.copyOf(joined));
            }
        }
        return copy;
    }

    /**
     * Makes a POST request.
     *
     * @param path the path, such as {@code /hooks/slack}
     * @param headers single-valued headers
     * @param body the raw body
     * @return the request
     */
    public static WebhookRequest post(String path, Map<String, String> headers, byte[] body) {
        Map<String, List<String>> multi = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, value) -> multi.put(name, List.of(value)));
        return new WebhookRequest("POST", path, "", multi, body);
    }

    /**
     * Returns the first value of a header.
     *
     * @param name the header name, in any case
     * @return the value, if the header is present
     */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /**
     * Returns the values of a query parameter, decoded from the query string as an HTML form
     * ({@code +} is a space, {@code %XX} are UTF-8 bytes).
     *
     * @param name the parameter's name, matched exactly after decoding
     * @return its values in order; empty if absent
     * @throws IllegalArgumentException if the query string is not well-formed: a bad
     *     {@code %} escape, or bytes that are not UTF-8
     */
    public List<String> queryParameters(String name) {
        Objects.requireNonNull(name, "name");
        List<String> values = new ArrayList<>();
        if (query.isEmpty()) {
            return values;
        }
        for (String pair : query.split("&", -1)) {
            int equals = pair.indexOf('=');
            String key = FormDecoding.decode(equals < 0 ? pair : pair.substring(0, equals));
            if (key.equals(name)) {
                values.add(equals < 0 ? "" : FormDecoding.decode(pair.substring(equals + 1)));
            }
        }
        return values;
    }

    /**
     * Returns the value of a query parameter that must appear at most once.
     *
     * @param name the parameter's name
     * @return the value, if present
     * @throws IllegalArgumentException if it appears more than once, or the query string is
     *     not well-formed
     */
    public Optional<String> queryParameter(String name) {
        List<String> values = queryParameters(name);
        if (values.size() > 1) {
            throw new IllegalArgumentException("query parameter '" + name + "' appears "
                    + values.size() + " times");
        }
        return values.stream().findFirst();
    }

    /**
     * Returns the value of a cookie sent in the {@code Cookie} headers (RFC 6265).
     *
     * @param name the cookie's name, matched exactly
     * @return the value of its first occurrence, without surrounding quotes, if sent
     */
    public Optional<String> cookie(String name) {
        Objects.requireNonNull(name, "name");
        for (String header : headers.getOrDefault("Cookie", List.of())) {
            for (String pair : header.split(";")) {
                int equals = pair.indexOf('=');
                if (equals > 0 && pair.substring(0, equals).trim().equals(name)) {
                    String value = pair.substring(equals + 1).trim();
                    if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                        value = value.substring(1, value.length() - 1);
                    }
                    return Optional.of(value);
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Returns the raw body.
     *
     * @return a copy of the bytes
     */
    @Override
    public byte[] body() {
        return body.clone();
    }

    /**
     * Returns the body's length without copying it.
     *
     * @return the number of bytes
     */
    public int bodyLength() {
        return body.length;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof WebhookRequest that
                && method.equals(that.method) && path.equals(that.path)
                && query.equals(that.query) && headers.equals(that.headers)
                && java.util.Arrays.equals(body, that.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(method, path, query, java.util.Arrays.hashCode(body));
    }

    @Override
    public String toString() {
        return "WebhookRequest[" + method + " " + path + ", " + body.length + " bytes]";
    }
}
