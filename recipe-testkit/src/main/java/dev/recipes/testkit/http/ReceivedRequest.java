package dev.recipes.testkit.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * A request a {@link FakeHttpServer} received, as it arrived.
 *
 * <p>The accessors give everything as it arrived, for assertions. {@link #toString()}, which
 * ends up in assertion messages and test logs, masks the values of headers that carry
 * credentials: {@code Authorization} and {@code Proxy-Authorization} (keeping the scheme, such
 * as {@code Bearer ***}), {@code Cookie}, and every header whose name contains {@code auth},
 * {@code token}, {@code secret}, {@code key}, {@code password}, {@code pwd},
 * {@code signature}, {@code session}, {@code credential}, {@code bearer} or {@code jwt}.
 * Other headers are shown as they are: a test that sends a secret under another name masks
 * it itself. It shows at most the first 500 characters of the body.
 *
 * @param method the HTTP method, such as {@code POST}
 * @param path the raw (still percent-encoded) path, such as {@code /v1/orders}
 * @param query the raw query without {@code ?}, or an empty string
 * @param headers the headers, names in lowercase and sorted, each with its values in order
 * @param body the raw body
 */
public record ReceivedRequest(String method, String path, String query,
        Map<String, List<String>> headers, byte[] body) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String MASK = "***";
    private static final int SHOWN_BODY_CHARS = 500;
    private static final Set<String> AUTHORIZATION = Set.of("authorization",
            "proxy-authorization");
    private static final List<String> SECRET_PARTS = List.of("auth", "token", "secret", "key",
            "password", "pwd", "signature", "session", "cookie", "credential", "bearer",
            "jwt");

    /**
     * Copies the headers, with lowercase names, and the body.
     *
     * @param method the HTTP method, such as {@code POST}
     * @param path the raw (still percent-encoded) path, such as {@code /v1/orders}
     * @param query the raw query without {@code ?}, or an empty string
     * @param headers the headers, names in lowercase and sorted, each with its values in order
     * @param body the raw body
     */
    public ReceivedRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(headers, "headers");
        query = query == null ? "" : query;
        Map<String, List<String>> lower = new TreeMap<>();
        headers.forEach((name, values) -> lower.computeIfAbsent(name.toLowerCase(Locale.ROOT),
                key -> new ArrayList<>()).addAll(values));
        lower.replaceAll((name, values) -> List.copyOf(values));
        headers = Collections.unmodifiableMap(lower);
        body = body == null ? new byte[0] : body.clone();
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
     * Returns the raw body.
     *
     * @return a copy of the bytes
     */
    @Override
    public byte[] body() {
        return body.clone();
    }

    /**
     * Returns the body decoded as UTF-8.
     *
     * @return the text
     */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /**
     * Returns the body parsed as JSON.
     *
     * @return the JSON document
     * @throws IllegalStateException if the body is empty or not JSON
     */
    public JsonNode json() {
        try {
            JsonNode json = JSON.readTree(body);
            if (json == null || json.isMissingNode()) {
                throw new IllegalStateException(this + ": the body is empty, not JSON");
            }
            return json;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(this + ": the body is not JSON: "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Returns the path with the query, as the request line had it.
     *
     * @return such as {@code /v1/orders?page=2}
     */
    public String target() {
        return query.isEmpty() ? path : path + "?" + query;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ReceivedRequest that && method.equals(that.method)
                && path.equals(that.path) && query.equals(that.query)
                && headers.equals(that.headers) && Arrays.equals(body, that.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(method, path, query, headers, Arrays.hashCode(body));
    }

    /**
     * Shows the request with credentials masked; see the type's description.
     *
     * @return such as {@code ReceivedRequest[POST /v1/orders, headers {authorization=[Bearer
     *     ***]}, body {"id":1}]}
     */
    @Override
    public String toString() {
        StringJoiner shown = new StringJoiner(", ", "{", "}");
        headers.forEach((name, values) -> shown.add(name + "=" + mask(name, values)));
        String text = bodyText();
        String shownBody = text.length() <= SHOWN_BODY_CHARS ? text
                : text.substring(0, SHOWN_BODY_CHARS) + "... (" + body.length + " bytes)";
        return "ReceivedRequest[" + method + " " + target() + ", headers " + shown + ", body "
                + shownBody + "]";
    }

    private static boolean isSecretHeader(String name) {
        return SECRET_PARTS.stream().anyMatch(name::contains);
    }

    private static List<String> mask(String name, List<String> values) {
        if (!isSecretHeader(name)) {
            return values;
        }
        return values.stream().map(value -> {
            int space = value.indexOf(' ');
            return AUTHORIZATION.contains(name) && space > 0
                    ? value.substring(0, space) + " " + MASK : MASK;
        }).toList();
    }
}
