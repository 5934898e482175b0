package dev.recipes.testkit.webhook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.testkit.internal.Delivery;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One request built by a simulator: its path, headers and the exact body bytes that are sent.
 * It can be delivered any number of times, which is how a sender's duplicate deliveries look.
 * What each sender adds, such as an event or delivery id, sits on the subclass. Immutable and
 * thread-safe.
 */
public abstract class SimulatedRequest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Delivery delivery;
    private final Map<String, String> headers;
    private final byte[] body;

    /**
     * Creates a request; for the testkit's simulators.
     *
     * @param delivery the simulator's path and targets
     * @param headers the headers, one value per name; copied
     * @param body the body to send; copied
     */
    // Only the testkit's own simulators can make a Delivery, whose package is not exported.
    @SuppressWarnings("exports")
    protected SimulatedRequest(Delivery delivery, Map<String, String> headers, byte[] body) {
        this.delivery = Objects.requireNonNull(delivery, "delivery");
        this.headers = Collections.unmodifiableMap(caseInsensitive(headers));
        this.body = body.clone();
    }

    /**
     * Returns the path the request is posted to.
     *
     * @return the path, the simulator's default unless it was given another
     */
    public String path() {
        return delivery.path();
    }

    /**
     * Returns the headers, one value per name, in the order they are sent: sorted by name
     * without regard to case. Lookups with {@code get} ignore case too.
     *
     * @return an unmodifiable map
     */
    public Map<String, String> headers() {
        return headers;
    }

    /**
     * Returns one header.
     *
     * @param name the header name, in any case
     * @return the value, if the request has the header
     */
    public Optional<String> header(String name) {
        return Optional.ofNullable(headers.get(Objects.requireNonNull(name, "name")));
    }

    /**
     * Returns the body exactly as it is sent.
     *
     * @return a copy of the bytes
     */
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
     * Parses the body as JSON, for assertions on the payload.
     *
     * @return the parsed body
     * @throws IllegalStateException if the body is not JSON
     */
    public JsonNode json() {
        try {
            JsonNode parsed = MAPPER.readTree(body);
            if (parsed == null || parsed.isMissingNode()) {
                throw new IOException("empty body");
            }
            return parsed;
        } catch (IOException e) {
            throw new IllegalStateException(delivery.requestSubject() + ": body is not JSON", e);
        }
    }

    /**
     * Returns the request as the engine's webhook request, for in-process delivery with
     * {@code engine.webhooks().handle(...)}.
     *
     * @return a {@code POST} to {@link #path()} with these headers and body
     */
    public WebhookRequest toWebhookRequest() {
        return WebhookRequest.post(path(), headers, body);
    }

    /**
     * Hands the request to a webhook handler in-process.
     *
     * @param handler the handler, such as {@code engine.webhooks()}
     * @return the handler's answer
     */
    public WebhookResponse sendTo(WebhookHandler handler) {
        return WebhookTarget.of(handler).deliver(toWebhookRequest());
    }

    /**
     * Posts the request over HTTP to {@link #path()} under a base URL, with these headers and
     * exactly these body bytes, using the simulator's HTTP client.
     *
     * @param baseUrl the server's base URL, such as {@code http://127.0.0.1:8080}
     * @return the server's status, headers (the first value of each) and body
     * @throws java.io.UncheckedIOException if the request cannot be sent, or the thread is
     *     interrupted while waiting (the interrupt flag is then set again)
     * @throws IllegalArgumentException if the URL is not an {@code http(s)} URL with a host
     */
    public WebhookResponse sendTo(URI baseUrl) {
        return delivery.overHttp(baseUrl).deliver(toWebhookRequest());
    }

    /**
     * Delivers the request to the simulator's target, set with its {@code withTarget} methods.
     *
     * @return the answer
     * @throws IllegalStateException if the simulator has no target
     * @throws java.io.UncheckedIOException if the target is a server that cannot be reached
     */
    public WebhookResponse send() {
        return delivery.target().deliver(toWebhookRequest());
    }

    /**
     * Returns the simulator's path and targets, for subclasses that make a new request from
     * this one.
     *
     * @return the delivery settings this request was built with
     */
    @SuppressWarnings("exports")
    protected final Delivery delivery() {
        return delivery;
    }

    private static Map<String, String> caseInsensitive(Map<String, String> headers) {
        Map<String, String> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        copy.putAll(headers);
        return copy;
    }
}
