package dev.recipes.testkit.slack;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Secret;
import dev.recipes.core.signature.SlackSignature;
import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.testkit.internal.HeaderChecks;
import dev.recipes.testkit.internal.SimulatorSupport;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * Builds one request from {@link SlackSimulator}: what it carries, how it is signed, and what
 * is broken on purpose for negative tests. Each setting may be set once. Not thread-safe.
 *
 * <pre>{@code
 * slack.message("C0CHAN001", "U0USER001", "deploy finished")
 *         .eventId("Ev0MSG0001")
 *         .redelivery(1, "http_timeout")
 *         .send();
 * }</pre>
 */
public final class SlackRequestBuilder {

    /** The {@code User-Agent} Slack sends with Events API requests. */
    public static final String USER_AGENT = "Slackbot 1.0 (+https://api.slack.com/robots)";

    /** The header that numbers a redelivery: 1, 2 or 3. */
    public static final String RETRY_NUM_HEADER = "X-Slack-Retry-Num";

    /** The header that says why Slack delivers again, such as {@code http_timeout}. */
    public static final String RETRY_REASON_HEADER = "X-Slack-Retry-Reason";

    /** How far {@link #stale()} sets the timestamp back: one minute past Slack's window. */
    public static final Duration STALE_BY = Duration.ofMinutes(6);

    private static final String LEGACY_TOKEN = "legacy";
    private static final String JSON = "application/json";
    private static final String ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private static final int EVENT_ID_LENGTH = 10;
    private static final String SUBJECT = "slack request";

    private static final String FORM = "application/x-www-form-urlencoded";

    private enum Kind { MESSAGE, EVENT, URL_VERIFICATION, RAW, SLASH_COMMAND, INTERACTION }

    private final SlackSimulator simulator;
    private final Kind kind;
    private final ObjectNode innerEvent;
    private final String challenge;
    private final String contentType;
    private final byte[] rawBody;
    private final Map<String, String> extraHeaders =
            new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    private final List<Consumer<ObjectNode>> envelopeEdits = new ArrayList<>();
    private final List<Consumer<ObjectNode>> eventEdits = new ArrayList<>();
    private String teamId;
    private String eventId;
    private Instant eventTime;
    private Instant requestTimestamp;
    private Integer retryNum;
    private String retryReason;
    private Secret signingSecret;
    private Boolean unsigned;
    private UnaryOperator<byte[]> tamper;

    private SlackRequestBuilder(SlackSimulator simulator, Kind kind, ObjectNode innerEvent,
            String challenge, String contentType, byte[] rawBody) {
        this.simulator = simulator;
        this.kind = kind;
        this.innerEvent = innerEvent;
        this.challenge = challenge;
        this.contentType = contentType;
        this.rawBody = rawBody;
    }

    static SlackRequestBuilder message(SlackSimulator simulator, String channel, String user,
            String text) {
        ObjectNode event = JsonNodeFactory.instance.objectNode()
                .put("type", "message")
                .put("channel", channel)
                .put("channel_type", channelType(channel))
                .put("user", user)
                .put("text", text);
        return new SlackRequestBuilder(simulator, Kind.MESSAGE, event, null, JSON, null);
    }

    static SlackRequestBuilder botMessage(SlackSimulator simulator, String channel,
            String botId, String text) {
        ObjectNode event = JsonNodeFactory.instance.objectNode()
                .put("type", "message")
                .put("subtype", "bot_message")
                .put("channel", channel)
                .put("channel_type", channelType(channel))
                .put("bot_id", botId)
                .put("text", text);
        return new SlackRequestBuilder(simulator, Kind.MESSAGE, event, null, JSON, null);
    }

    static SlackRequestBuilder event(SlackSimulator simulator, String type, ObjectNode inner) {
        String declared = inner.path("type").asText(type);
        if (!declared.equals(type)) {
            throw new IllegalArgumentException("slack event '" + type
                    + "': the inner event's type is '" + declared + "'");
        }
        ObjectNode event = JsonNodeFactory.instance.objectNode().put("type", type);
        event.setAll(inner.deepCopy());
        return new SlackRequestBuilder(simulator, Kind.EVENT, event, null, JSON, null);
    }

    static SlackRequestBuilder slashCommand(SlackSimulator simulator, ObjectNode fields) {
        return new SlackRequestBuilder(simulator, Kind.SLASH_COMMAND, fields, null, FORM, null);
    }

    static SlackRequestBuilder interaction(SlackSimulator simulator, ObjectNode payload) {
        return new SlackRequestBuilder(simulator, Kind.INTERACTION, payload, null, FORM, null);
    }

    static SlackRequestBuilder urlVerification(SlackSimulator simulator, String challenge) {
        return new SlackRequestBuilder(simulator, Kind.URL_VERIFICATION, null, challenge, JSON,
                null);
    }

    static SlackRequestBuilder raw(SlackSimulator simulator, String contentType, byte[] body) {
        return new SlackRequestBuilder(simulator, Kind.RAW, null, null,
                requireHeaderValue("Content-Type", contentType), body);
    }

    /**
     * Sets the workspace, in {@code team_id} and in {@code authorizations}; the simulator's by
     * default.
     *
     * @param teamId the workspace id
     * @return this builder
     */
    public SlackRequestBuilder teamId(String teamId) {
        requireEvent("team_id");
        this.teamId = setOnce(this.teamId, requireText(teamId, "team id"), "team id");
        return this;
    }

    /**
     * Sets {@code event_id}, the key Slack keeps across redeliveries; {@code Ev} and ten random
     * capitals and digits by default.
     *
     * @param eventId the event id
     * @return this builder
     */
    public SlackRequestBuilder eventId(String eventId) {
        requireEvent("event_id");
        this.eventId = setOnce(this.eventId, requireText(eventId, "event id"), "event id");
        return this;
    }

    /**
     * Sets when the event happened: {@code event_time}, and for messages {@code ts} and
     * {@code event_ts}; the clock's time at {@link #build()} by default.
     *
     * @param eventTime the time
     * @return this builder
     */
    public SlackRequestBuilder eventTime(Instant eventTime) {
        requireEvent("event_time");
        this.eventTime = setOnce(this.eventTime, Objects.requireNonNull(eventTime, "eventTime"),
                "event time");
        return this;
    }

    /**
     * Sets the signing timestamp, sent in {@code X-Slack-Request-Timestamp}; the clock's time at
     * {@link #build()} by default.
     *
     * @param timestamp the time; whole seconds are used
     * @return this builder
     */
    public SlackRequestBuilder requestTimestamp(Instant timestamp) {
        this.requestTimestamp = setOnce(this.requestTimestamp,
                Objects.requireNonNull(timestamp, "timestamp"), "request timestamp");
        return this;
    }

    /**
     * Signs with a timestamp {@link #STALE_BY} before the clock, outside Slack's five-minute
     * replay window, so that verification must refuse it.
     *
     * @return this builder
     */
    public SlackRequestBuilder stale() {
        return requestTimestamp(simulator.clock().instant().minus(STALE_BY));
    }

    /**
     * Marks the request as a redelivery, as Slack does when an earlier delivery failed.
     *
     * @param retryNum the attempt, 1 to 3 for Slack
     * @param reason why, such as {@code http_timeout} or {@code http_error}
     * @return this builder
     * @throws IllegalArgumentException if the number is not positive, or the reason is blank or
     *     holds a control character
     */
    public SlackRequestBuilder redelivery(int retryNum, String reason) {
        if (retryNum < 1) {
            throw new IllegalArgumentException("slack request: retry number " + retryNum
                    + " must be positive");
        }
        this.retryNum = setOnce(this.retryNum, retryNum, "redelivery");
        this.retryReason = requireHeaderValue(RETRY_REASON_HEADER,
                requireText(reason, "retry reason"));
        return this;
    }

    /**
     * Adds a header, or replaces one the simulator would send. Names are matched without regard
     * to case, so {@code header("x-slack-signature", ...)} replaces the simulator's
     * {@code X-Slack-Signature}, and the request carries the name as spelled here; in-process
     * and over HTTP the handler then sees the same single value.
     *
     * @param name the header name, an HTTP token
     * @param value the value; may be empty
     * @return this builder
     * @throws IllegalArgumentException if the name is not an HTTP token, is one the JDK's HTTP
     *     client sets itself ({@code Host}, {@code Content-Length}, {@code Connection},
     *     {@code Expect}, {@code Upgrade}), or the value holds a line break or other control
     *     character
     * @throws IllegalStateException if the header was already set here, in any case
     */
    public SlackRequestBuilder header(String name, String value) {
        requireHeaderName(name);
        requireHeaderValue(name, value);
        extraHeaders.put(name, setOnce(extraHeaders.get(name), value, "header '" + name + "'"));
        return this;
    }

    /**
     * Changes the JSON payload before it is signed; edits run in the order given.
     *
     * @param edit changes the whole payload, such as the {@code event_callback} envelope, the
     *     JSON of an interaction, or the fields of a slash command (one text field each, sent
     *     form-encoded in their order)
     * @return this builder
     * @throws IllegalStateException if the body was given as raw bytes
     */
    public SlackRequestBuilder editPayload(Consumer<ObjectNode> edit) {
        if (kind == Kind.RAW) {
            throw new IllegalStateException("slack request: a raw body has no JSON payload to "
                    + "edit");
        }
        envelopeEdits.add(Objects.requireNonNull(edit, "edit"));
        return this;
    }

    /**
     * Changes the inner event before it is signed, for example to add {@code bot_id},
     * {@code subtype} or {@code thread_ts}; edits run in the order given.
     *
     * @param edit changes the inner event
     * @return this builder
     */
    public SlackRequestBuilder editEvent(Consumer<ObjectNode> edit) {
        requireEvent("event");
        eventEdits.add(Objects.requireNonNull(edit, "edit"));
        return this;
    }

    /**
     * Signs with another secret, so that verification with the real one must fail.
     *
     * @param secret the wrong secret
     * @return this builder
     */
    public SlackRequestBuilder signedWith(Secret secret) {
        this.signingSecret = setOnce(this.signingSecret,
                Objects.requireNonNull(secret, "secret"), "signing secret");
        return this;
    }

    /**
     * Sends the request without {@code X-Slack-Signature} and {@code X-Slack-Request-Timestamp}.
     *
     * @return this builder
     */
    public SlackRequestBuilder unsigned() {
        this.unsigned = setOnce(this.unsigned, Boolean.TRUE, "unsigned");
        return this;
    }

    /**
     * Changes the body after it was signed, as a proxy that re-encodes it would.
     *
     * @param change takes a copy of the signed body and returns the body to send, never null;
     *     {@link #build()} throws a {@code NullPointerException} naming it if it returns null
     * @return this builder
     */
    public SlackRequestBuilder tamperAfterSigning(UnaryOperator<byte[]> change) {
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
    public SlackRequestBuilder tamperAfterSigning() {
        return tamperAfterSigning(SimulatorSupport.appendSpace());
    }

    /**
     * Builds the request: assembles the payload, signs it, then applies any tampering. Each call
     * builds anew, so an event id, {@code ts} or time left unset differs between calls; send one
     * built request twice to simulate a duplicate delivery.
     *
     * @return the request, ready to send any number of times
     */
    public SlackRequest build() {
        Instant now = simulator.clock().instant();
        String id = kind == Kind.MESSAGE || kind == Kind.EVENT
                ? (eventId != null ? eventId : newEventId()) : null;
        byte[] signed = switch (kind) {
            case MESSAGE, EVENT -> toBytes(eventCallback(id, eventTime != null ? eventTime : now));
            case URL_VERIFICATION -> toBytes(edited(JsonNodeFactory.instance.objectNode()
                    .put("token", LEGACY_TOKEN)
                    .put("challenge", challenge)
                    .put("type", "url_verification")));
            case RAW -> rawBody.clone();
            case SLASH_COMMAND -> formEncoded(edited(innerEvent.deepCopy()));
            case INTERACTION -> ("payload=" + URLEncoder.encode(new String(
                    toBytes(edited(innerEvent.deepCopy())), StandardCharsets.UTF_8),
                    StandardCharsets.UTF_8)).getBytes(StandardCharsets.US_ASCII);
        };
        long timestamp = (requestTimestamp != null ? requestTimestamp : now).getEpochSecond();
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.put("Content-Type", contentType);
        headers.put("User-Agent", USER_AGENT);
        headers.put("Accept", "*/*");
        if (unsigned == null) {
            Secret secret = signingSecret != null ? signingSecret : simulator.secret();
            headers.put(SlackSignature.TIMESTAMP_HEADER, Long.toString(timestamp));
            headers.put(SlackSignature.SIGNATURE_HEADER,
                    SlackSignature.of(secret).sign(timestamp, signed));
        }
        if (retryNum != null) {
            headers.put(RETRY_NUM_HEADER, retryNum.toString());
            headers.put(RETRY_REASON_HEADER, retryReason);
        }
        SimulatorSupport.override(headers, extraHeaders);
        byte[] body = SimulatorSupport.tamper(SUBJECT, tamper, signed);
        return new SlackRequest(simulator, headers, body, id);
    }

    /**
     * Builds the request and returns it as the engine's webhook request, for in-process
     * delivery with {@code engine.webhooks().handle(...)}.
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

    private ObjectNode eventCallback(String id, Instant time) {
        String team = teamId != null ? teamId : simulator.teamId();
        ObjectNode envelope = JsonNodeFactory.instance.objectNode()
                .put("token", LEGACY_TOKEN)
                .put("team_id", team)
                .put("api_app_id", simulator.apiAppId())
                .put("type", "event_callback")
                .put("event_id", id)
                .put("event_time", time.getEpochSecond());
        envelope.putArray("authorizations").addObject()
                .putNull("enterprise_id")
                .put("team_id", team)
                .put("user_id", simulator.botUserId())
                .put("is_bot", true)
                .put("is_enterprise_install", false);
        envelope.set("event", innerEvent(time));
        return edited(envelope);
    }

    private ObjectNode innerEvent(Instant time) {
        ObjectNode event = innerEvent.deepCopy();
        String ts = time.getEpochSecond() + "."
                + String.format("%06d", simulator.nextSequence() * 100 % 1_000_000);
        if (kind == Kind.MESSAGE) {
            event.put("ts", ts).put("event_ts", ts)
                    .put("client_msg_id", UUID.randomUUID().toString());
        } else if (!event.has("event_ts")) {
            event.put("event_ts", ts);
        }
        eventEdits.forEach(edit -> edit.accept(event));
        return event;
    }

    private ObjectNode edited(ObjectNode payload) {
        envelopeEdits.forEach(edit -> edit.accept(payload));
        return payload;
    }

    // Fields in their order, each URL-encoded as Slack sends them.
    private static byte[] formEncoded(ObjectNode fields) {
        StringBuilder form = new StringBuilder();
        fields.fields().forEachRemaining(field -> form.append(form.length() == 0 ? "" : "&")
                .append(URLEncoder.encode(field.getKey(), StandardCharsets.UTF_8)).append('=')
                .append(URLEncoder.encode(field.getValue().asText(), StandardCharsets.UTF_8)));
        return form.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] toBytes(ObjectNode payload) {
        return SimulatorSupport.toBytes(SUBJECT, payload);
    }

    private static String newEventId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        StringBuilder id = new StringBuilder("Ev");
        for (int i = 0; i < EVENT_ID_LENGTH; i++) {
            id.append(ID_ALPHABET.charAt(random.nextInt(ID_ALPHABET.length())));
        }
        return id.toString();
    }

    private static String channelType(String channel) {
        return switch (channel.charAt(0)) {
            case 'G' -> "group";
            case 'D' -> "im";
            default -> "channel";
        };
    }

    private void requireEvent(String what) {
        if (kind != Kind.MESSAGE && kind != Kind.EVENT) {
            throw new IllegalStateException("slack request: " + what + " belongs to an "
                    + "event_callback, not to " + describe());
        }
    }

    private String describe() {
        return switch (kind) {
            case URL_VERIFICATION -> "url_verification";
            case SLASH_COMMAND -> "a slash command";
            case INTERACTION -> "an interaction";
            default -> "a raw body";
        };
    }

    private static String requireText(String value, String what) {
        return SimulatorSupport.requireText(SUBJECT, value, what);
    }

    private static void requireHeaderName(String name) {
        SimulatorSupport.requireSettableHeader(SUBJECT, name);
    }

    /**
     * Checks a header value as the JDK's HTTP client does, so that a request built for
     * in-process delivery can be sent over HTTP too.
     */
    static String requireHeaderValue(String name, String value) {
        return HeaderChecks.requireValue(SUBJECT, name, value);
    }

    private static <T> T setOnce(T current, T value, String what) {
        return SimulatorSupport.setOnce(SUBJECT, current, value, what);
    }
}
