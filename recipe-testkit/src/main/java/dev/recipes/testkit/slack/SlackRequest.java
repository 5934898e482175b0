package dev.recipes.testkit.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.signature.SlackSignature;
import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One request built by {@link SlackSimulator}: its headers and the exact body bytes that were
 * signed (or, when tampered with, the bytes that will be sent). It can be delivered any number
 * of times, which is how Slack's duplicate deliveries look. Immutable and thread-safe.
 */
public final class SlackRequest {

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final SlackSimulator simulator;
    private final Map<String, String> headers;
    private final byte[] body;
    private final String eventId;

    SlackRequest(SlackSimulator simulator, Map<String, String> headers, byte[] body,
            String eventId) {
        this.simulator = simulator;
        this.headers = Collections.unmodifiableMap(caseInsensitive(headers));
        this.body = body.clone();
        this.eventId = eventId;
    }

    /**
     * Returns the path the request is posted to.
     *
     * @return the path, {@value SlackSimulator#DEFAULT_PATH} unless the simulator says otherwise
     */
    public String path() {
        return simulator.path();
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
            return MAPPER.readTree(body);
        } catch (IOException e) {
            throw new IllegalStateException("slack request: body is not JSON", e);
        }
    }

    /**
     * Returns the {@code event_id} of an {@code event_callback}.
     *
     * @return the event id, or empty for other requests
     */
    public Optional<String> eventId() {
        return Optional.ofNullable(eventId);
    }

    /**
     * Returns the same body delivered again as Slack redelivers it: signed anew with the
     * simulator's secret at the clock's current time, with the retry headers set.
     *
     * @param retryNum the attempt, 1 to 3 for Slack
     * @param reason why, such as {@code http_timeout}
     * @return a new request with the same body and event id
     * @throws IllegalArgumentException if the number is not positive, or the reason is blank or
     *     holds a control character
     */
    public SlackRequest redelivered(int retryNum, String reason) {
        if (retryNum < 1) {
            throw new IllegalArgumentException("slack request: retry number " + retryNum
                    + " must be positive");
        }
        if (Objects.requireNonNull(reason, "reason").isBlank()) {
            throw new IllegalArgumentException("slack request: retry reason is blank");
        }
        Map<String, String> again = caseInsensitive(headers);
        if (again.containsKey(SlackSignature.SIGNATURE_HEADER)) {
            long now = simulator.clock().instant().getEpochSecond();
            again.put(SlackSignature.TIMESTAMP_HEADER, Long.toString(now));
            again.put(SlackSignature.SIGNATURE_HEADER,
                    SlackSignature.of(simulator.secret()).sign(now, body));
        }
        again.put(SlackRequestBuilder.RETRY_NUM_HEADER, Integer.toString(retryNum));
        again.put(SlackRequestBuilder.RETRY_REASON_HEADER,
                SlackRequestBuilder.requireHeaderValue(SlackRequestBuilder.RETRY_REASON_HEADER,
                        reason));
        return new SlackRequest(simulator, again, body, eventId);
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
        return Objects.requireNonNull(handler, "handler").handle(toWebhookRequest());
    }

    /**
     * Posts the request over HTTP to {@link #path()} under a base URL, with these headers and
     * exactly these body bytes.
     *
     * @param baseUrl the server's base URL, such as {@code http://127.0.0.1:8080}
     * @return the server's status, headers (the first value of each) and body
     * @throws UncheckedIOException if the request cannot be sent, or the thread is interrupted
     *     while waiting (the interrupt flag is then set again)
     */
    public WebhookResponse sendTo(URI baseUrl) {
        URI target = resolve(Objects.requireNonNull(baseUrl, "baseUrl"));
        HttpRequest.Builder request = HttpRequest.newBuilder(target)
                .timeout(REQUEST_TIMEOUT)
                .POST(BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        try {
            HttpResponse<byte[]> response = simulator.httpClient()
                    .send(request.build(), BodyHandlers.ofByteArray());
            return new WebhookResponse(response.statusCode(), firstValues(response.headers()),
                    response.body());
        } catch (IOException e) {
            throw new UncheckedIOException("slack simulator: POST " + target + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException("slack simulator: POST " + target + " interrupted",
                    new InterruptedIOException(e.getMessage()));
        }
    }

    /**
     * Delivers the request to the simulator's target, set with
     * {@link SlackSimulator#withTarget(WebhookHandler)} or
     * {@link SlackSimulator#withTarget(URI)}.
     *
     * @return the answer
     * @throws IllegalStateException if the simulator has no target
     */
    public WebhookResponse send() {
        return simulator.target().deliver(this);
    }

    private URI resolve(URI baseUrl) {
        String base = baseUrl.toString();
        String trimmed = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
        return URI.create(trimmed + path());
    }

    private static Map<String, String> caseInsensitive(Map<String, String> headers) {
        Map<String, String> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        copy.putAll(headers);
        return copy;
    }

    private static Map<String, String> firstValues(HttpHeaders headers) {
        Map<String, String> first = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.map().forEach((name, values) -> {
            if (!name.startsWith(":") && !values.isEmpty()) {
                first.putIfAbsent(name, values.get(0));
            }
        });
        return first;
    }

    @Override
    public String toString() {
        return "SlackRequest[POST " + path() + (eventId == null ? "" : ", event " + eventId)
                + ", " + body.length + " bytes]";
    }
}
