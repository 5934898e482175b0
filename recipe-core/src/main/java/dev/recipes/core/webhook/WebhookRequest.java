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

    /** Validates and copies. */
    public WebhookRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(headers, "headers");
        query = query == null ? "" : query;
        TreeMap<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) ->
                copy.computeIfAbsent(name, key -> new ArrayList<>()).addAll(values));
        copy.replaceAll((name, values) -> List.copyOf(values));
        headers = java.util.Collections.unmodifiableMap(copy);
        body = body == null ? new byte[0] : body.clone();
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
