package dev.recipes.testkit.standardwebhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Secret;
import dev.recipes.core.signature.StandardWebhooksSignature;
import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.testkit.internal.HeaderChecks;
import dev.recipes.testkit.internal.SimulatorSupport;
import java.net.URI;
import java.security.PrivateKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Builds one request from {@link StandardWebhooksSimulator}: what it carries, how it is signed,
 * and what is broken on purpose for negative tests. Each setting may be set once. Not
 * thread-safe.
 *
 * <pre>{@code
 * sender.event("invoice.paid", data)
 *         .messageId("msg_2b5Yx3kQ9CwTnKb0fDzLrVh1aPe")
 *         .timestampInFuture()                          // refused: outside the window
 *         .send();
 * }</pre>
 */
public final class StandardWebhooksRequestBuilder {

    /**
     * How far {@link #stale()} and {@link #timestampInFuture()} move the timestamp from the
     * clock: one minute past the usual five-minute replay window.
     */
    public static final Duration STALE_BY = Duration.ofMinutes(6);

    private static final String SUBJECT = "standard webhooks request";
    private static final String JSON = "application/json";
    private static final String ID_ALPHABET =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final int ID_LENGTH = 27;

    private final StandardWebhooksSimulator simulator;
    private final String type;
    private final JsonNode data;
    private final String contentType;
    private final byte[] rawBody;
    private final Map<String, String> extraHeaders = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private final Set<String> omittedHeaders = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    private final List<Consumer<ObjectNode>> edits = new ArrayList<>();
    private String messageId;
    private Instant timestamp;
    private Instant eventTime;
    private Signer signer;
    private Boolean unsigned;
    private UnaryOperator<byte[]> tamper;

    private StandardWebhooksRequestBuilder(StandardWebhooksSimulator simulator, String type,
            JsonNode data, String contentType, byte[] rawBody) {
        this.simulator = simulator;
        this.type = type;
        this.data = data;
        this.contentType = contentType;
        this.rawBody = rawBody;
    }

    static StandardWebhooksRequestBuilder event(StandardWebhooksSimulator simulator, String type,
            JsonNode data) {
        return new StandardWebhooksRequestBuilder(simulator, type, data, JSON, null);
    }

    static StandardWebhooksRequestBuilder raw(StandardWebhooksSimulator simulator,
            String contentType, byte[] body) {
        HeaderChecks.requireValue(SUBJECT, "Content-Type", contentType);
        return new StandardWebhooksRequestBuilder(simulator, null, null, contentType, body);
    }

    /**
     * Sets {@code webhook-id}, which a sender keeps when it delivers the same message again;
     * {@code msg_} and 27 random letters and digits by default.
     *
     * @param messageId the message id
     * @return this builder
     * @throws IllegalArgumentException if it is blank or holds a control character
     */
    public StandardWebhooksRequestBuilder messageId(String messageId) {
        SimulatorSupport.requireText(SUBJECT, messageId, "message id");
        HeaderChecks.requireValue(SUBJECT, StandardWebhooksSignature.ID_HEADER, messageId);
        this.messageId = setOnce(this.messageId, messageId, "message id");
        return this;
    }

    /**
     * Sets the signing time, sent in {@code webhook-timestamp}; the clock's time at
     * {@link #build()} by default.
     *
     * @param timestamp the time; whole seconds are used
     * @return this builder
     * @throws IllegalArgumentException if it is before 1970
     */
    public StandardWebhooksRequestBuilder timestamp(Instant timestamp) {
        Objects.requireNonNull(timestamp, "timestamp");
        if (timestamp.getEpochSecond() < 0) {
            throw new IllegalArgumentException(SUBJECT + ": timestamp " + timestamp
                    + " is before 1970");
        }
        this.timestamp = setOnce(this.timestamp, timestamp, "timestamp");
        return this;
    }

    /**
     * Signs with a timestamp {@link #STALE_BY} before the clock, outside the replay window, so
     * that verification must refuse it.
     *
     * @return this builder
     */
    public StandardWebhooksRequestBuilder stale() {
        return timestamp(simulator.clock().instant().minus(STALE_BY));
    }

    /**
     * Signs with a timestamp {@link #STALE_BY} after the clock, outside the replay window on the
     * other side, so that verification must refuse it.
     *
     * @return this builder
     */
    public StandardWebhooksRequestBuilder timestampInFuture() {
        return timestamp(simulator.clock().instant().plus(STALE_BY));
    }

    /**
     * Sets the payload's {@code timestamp}, when the event happened; the clock's time at
     * {@link #build()} by default.
     *
     * @param eventTime the time
     * @return this builder
     * @throws IllegalStateException if the body was given as raw bytes
     */
    public StandardWebhooksRequestBuilder eventTime(Instant eventTime) {
        requirePayload("event time");
        this.eventTime = setOnce(this.eventTime, Objects.requireNonNull(eventTime, "eventTime"),
                "event time");
        return this;
    }

    /**
     * Changes the JSON payload before it is signed; edits run in the order given.
     *
     * @param edit changes the whole payload
     * @return this builder
     * @throws IllegalStateException if the body was given as raw bytes
     */
    public StandardWebhooksRequestBuilder editPayload(Consumer<ObjectNode> edit) {
        requirePayload("JSON payload to edit");
        edits.add(Objects.requireNonNull(edit, "edit"));
        return this;
    }

    /**
     * Adds a header, or replaces one the simulator would send. Names are matched without regard
     * to case, and the request carries the name as spelled here.
     *
     * @param name the header name, an HTTP token
     * @param value the value; may be empty
     * @return this builder
     * @throws IllegalArgumentException if the name is not an HTTP token, is one the JDK's HTTP
     *     client sets itself, or the value holds a control character
     * @throws IllegalStateException if the header was already set or left out here
     */
    public StandardWebhooksRequestBuilder header(String name, String value) {
        SimulatorSupport.requireSettableHeader(SUBJECT, name);
        HeaderChecks.requireValue(SUBJECT, name, value);
        requireNotOmitted(name);
        extraHeaders.put(name, setOnce(extraHeaders.get(name), value, "header '" + name + "'"));
        return this;
    }

    /**
     * Leaves out a header the simulator would send, such as {@code webhook-id}.
     *
     * @param name the header name, in any case
     * @return this builder
     * @throws IllegalStateException if the header was set or left out here already
     */
    public StandardWebhooksRequestBuilder withoutHeader(String name) {
        HeaderChecks.requireName(SUBJECT, name);
        if (extraHeaders.containsKey(name)) {
            throw new IllegalStateException(SUBJECT + ": header '" + name + "' was set here; "
                    + "it cannot be left out too");
        }
        requireNotOmitted(name);
        omittedHeaders.add(name);
        return this;
    }

    /**
     * Signs with other secrets instead of the simulator's keys, so that verification with the
     * real ones must fail; one {@code v1} entry each.
     *
     * @param first the first secret
     * @param more further secrets
     * @return this builder
     * @throws IllegalArgumentException if a secret is not base64 after its optional
     *     {@code whsec_} prefix
     */
    public StandardWebhooksRequestBuilder signedWith(Secret first, Secret... more) {
        Objects.requireNonNull(more, "more");
        List<Secret> secrets = new ArrayList<>();
        secrets.add(first);
        secrets.addAll(Arrays.asList(more));
        this.signer = setOnce(this.signer, Signer.ofSecrets(secrets), "signing keys");
        return this;
    }

    /**
     * Signs with other Ed25519 private keys instead of the simulator's keys; one {@code v1a}
     * entry each.
     *
     * @param first the first key
     * @param more further keys
     * @return this builder
     * @throws IllegalArgumentException if a key is not an Ed25519 private key
     */
    public StandardWebhooksRequestBuilder signedWithEd25519(PrivateKey first,
            PrivateKey... more) {
        Objects.requireNonNull(more, "more");
        List<PrivateKey> keys = new ArrayList<>();
        keys.add(first);
        keys.addAll(Arrays.asList(more));
        this.signer = setOnce(this.signer, Signer.ofKeys(keys), "signing keys");
        return this;
    }

    /**
     * Sends the request without {@code webhook-signature}; {@code webhook-id} and
     * {@code webhook-timestamp} are still sent.
     *
     * @return this builder
     */
    public StandardWebhooksRequestBuilder unsigned() {
        this.unsigned = setOnce(this.unsigned, Boolean.TRUE, "unsigned");
        return this;
    }

    /**
     * Changes the body after it was signed, as a proxy that re-encodes it would.
     *
     * @param change takes a copy of the signed body and returns the body to send, never null
     * @return this builder
     */
    public StandardWebhooksRequestBuilder tamperAfterSigning(UnaryOperator<byte[]> change) {
        this.tamper = setOnce(this.tamper, Objects.requireNonNull(change, "change"),
                "tampering");
        return this;
    }

    /**
     * Adds one space to the end of the body after it was signed: the JSON means the same, the
     * bytes differ, so verification must fail.
     *
     * @return this builder
     */
    public StandardWebhooksRequestBuilder tamperAfterSigning() {
        return tamperAfterSigning(SimulatorSupport.appendSpace());
    }

    /**
     * Builds the request: writes the payload, signs it, then applies any tampering. Each call
     * builds anew, so a message id or time left unset differs between calls; send one built
     * request twice, or {@link StandardWebhooksRequest#redelivered()}, to simulate a
     * redelivery.
     *
     * @return the request, ready to send any number of times
     */
    public StandardWebhooksRequest build() {
        Instant now = simulator.clock().instant();
        String id = messageId != null ? messageId : newMessageId();
        long seconds = (timestamp != null ? timestamp : now).getEpochSecond();
        byte[] signed = data != null ? payload(eventTime != null ? eventTime : now)
                : rawBody.clone();
        Signer used = unsigned != null ? null : signer != null ? signer : simulator.signer();
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.put("Content-Type", contentType);
        headers.put(StandardWebhooksSignature.ID_HEADER, id);
        headers.put(StandardWebhooksSignature.TIMESTAMP_HEADER, Long.toString(seconds));
        if (used != null) {
            headers.put(StandardWebhooksSignature.SIGNATURE_HEADER,
                    used.sign(id, seconds, signed));
        }
        SimulatorSupport.override(headers, extraHeaders);
        omittedHeaders.forEach(headers::remove);
        // A signature or timestamp header the test set or left out by hand stays so on
        // redelivery: such a request was meant to be refused.
        boolean signatureByHand = byHand(StandardWebhooksSignature.SIGNATURE_HEADER)
                || byHand(StandardWebhooksSignature.TIMESTAMP_HEADER);
        return new StandardWebhooksRequest(simulator, headers, signed,
                SimulatorSupport.tamper(SUBJECT, tamper, signed), id,
                signatureByHand ? null : used);
    }

    private boolean byHand(String header) {
        return extraHeaders.containsKey(header) || omittedHeaders.contains(header);
    }

    /**
     * Builds the request and returns it as the engine's webhook request.
     *
     * @return the webhook request
     */
    public WebhookRequest toWebhookRequest() {
        return build().toWebhookRequest();
    }

    /**
     * Builds the request and hands it to a webhook handler in-process.
     *
     * @param handler the handler, such as {@code engine.webhooks()}
     * @return the handler's answer
     */
    public WebhookResponse sendTo(WebhookHandler handler) {
        return build().sendTo(handler);
    }

    /**
     * Builds the request and posts it over HTTP.
     *
     * @param baseUrl the server's base URL, such as {@code http://127.0.0.1:8080}
     * @return the server's answer
     * @throws java.io.UncheckedIOException if the request cannot be sent or is interrupted
     */
    public WebhookResponse sendTo(URI baseUrl) {
        return build().sendTo(baseUrl);
    }

    /**
     * Builds the request and delivers it to the simulator's target.
     *
     * @return the answer
     * @throws IllegalStateException if the simulator has no target
     */
    public WebhookResponse send() {
        return build().send();
    }

    private byte[] payload(Instant time) {
        ObjectNode payload = JsonNodeFactory.instance.objectNode()
                .put("type", type)
                .put("timestamp", time.toString());
        payload.set("data", data.deepCopy());
        edits.forEach(edit -> edit.accept(payload));
        return SimulatorSupport.toBytes(SUBJECT, payload);
    }

    private static String newMessageId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        StringBuilder id = new StringBuilder("msg_");
        for (int i = 0; i < ID_LENGTH; i++) {
            id.append(ID_ALPHABET.charAt(random.nextInt(ID_ALPHABET.length())));
        }
        return id.toString();
    }

    private void requirePayload(String what) {
        if (data == null) {
            throw new IllegalStateException(SUBJECT + ": a raw body has no " + what
                    + "; it was given byte for byte");
        }
    }

    private void requireNotOmitted(String name) {
        if (omittedHeaders.contains(name)) {
            throw new IllegalStateException(SUBJECT + ": header '" + name + "' is left out "
                    + "already");
        }
    }

    private static <T> T setOnce(T current, T value, String what) {
        return SimulatorSupport.setOnce(SUBJECT, current, value, what);
    }
}
