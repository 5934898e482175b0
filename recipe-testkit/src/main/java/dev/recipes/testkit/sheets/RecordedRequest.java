package dev.recipes.testkit.sheets;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A request the fake Sheets server received, as it arrived.
 *
 * @param method the HTTP method
 * @param path the raw (still percent-encoded) path, such as
 *     {@code /v4/spreadsheets/1AbC/values/Log%21A%3AD:append}
 * @param query the raw query, or an empty string
 * @param headers the headers, with lowercase names
 * @param body the body as UTF-8 text
 */
public record RecordedRequest(String method, String path, String query,
        Map<String, List<String>> headers, String body) {

    /** Copies the headers, with their names in lowercase. */
    public RecordedRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        query = query == null ? "" : query;
        Map<String, List<String>> lower = new TreeMap<>();
        headers.forEach((name, values) -> lower.put(name.toLowerCase(Locale.ROOT),
                List.copyOf(values)));
        headers = Map.copyOf(lower);
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
}
