package dev.recipes.core.webhook;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The answer to a webhook request, which an HTTP server writes back as it is.
 *
 * @param status the HTTP status code
 * @param headers single-valued response headers
 * @param body the body, possibly empty
 */
public record WebhookResponse(int status, Map<String, String> headers, byte[] body) {

    // Immutable, and the usual answer to a webhook: made once.
    private static final WebhookResponse OK = status(200);

    /**
     * Validates and copies.
     *
     * @param status the HTTP status code
     * @param headers single-valued response headers
     * @param body the body, possibly empty
     */
    public WebhookResponse {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("webhook response: status " + status
                    + " is not an HTTP status code");
        }
        TreeMap<String, String> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        copy.putAll(headers);
        headers = java.util.Collections.unmodifiableMap(copy);
        body = body == null ? new byte[0] : body.clone();
    }

    /**
     * Returns an empty response with a status.
     *
     * @param status the status code
     * @return the response
     */
    public static WebhookResponse status(int status) {
        return new WebhookResponse(status, Map.of(), new byte[0]);
    }

    /**
     * Returns an empty 200 response.
     *
     * @return the response
     */
    public static WebhookResponse ok() {
        return OK;
    }

    /**
     * Returns a plain text response.
     *
     * @param status the status code
     * @param text the body, written as UTF-8
     * @return the response
     */
    public static WebhookResponse text(int status, String text) {
        return new WebhookResponse(status,
                Map.of("Content-Type", "text/plain; charset=utf-8"),
                text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Returns a JSON response.
     *
     * @param status the status code
     * @param json the body, a JSON document written as UTF-8
     * @return the response
     */
    public static WebhookResponse json(int status, String json) {
        return new WebhookResponse(status, Map.of("Content-Type", "application/json"),
                json.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Returns a copy of this response with one more header.
     *
     * @param name the header name
     * @param value the value
     * @return a new response
     */
    public WebhookResponse withHeader(String name, String value) {
        Map<String, String> more = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        more.putAll(headers);
        more.put(Objects.requireNonNull(name, "name"), Objects.requireNonNull(value, "value"));
        return new WebhookResponse(status, more, body);
    }

    /**
     * Returns the body.
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

    @Override
    public boolean equals(Object other) {
        return other instanceof WebhookResponse that && status == that.status
                && headers.equals(that.headers) && Arrays.equals(body, that.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(status, headers, Arrays.hashCode(body));
    }

    @Override
    public String toString() {
        return "WebhookResponse[" + status + ", " + body.length + " bytes]";
    }
}
