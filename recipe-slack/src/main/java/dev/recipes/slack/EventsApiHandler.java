package dev.recipes.slack;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.core.Event;
import dev.recipes.core.signature.SignatureException;
import dev.recipes.core.signature.SlackSignature;
import dev.recipes.core.spi.ServiceContext;
import dev.recipes.core.webhook.PublishOnce;
import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.io.IOException;
import java.net.URI;
import java.time.DateTimeException;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles Slack's webhook: verifies the signature on the raw body, then hands form-encoded
 * slash commands and interactions to {@link FormPayloadHandler}, and answers the Events API's
 * URL challenge or publishes its event once per {@code event_id}. Thread-safe.
 */
final class EventsApiHandler implements WebhookHandler {

    static final String RETRY_NUM_HEADER = "X-Slack-Retry-Num";
    static final String NO_RETRY_HEADER = "X-Slack-No-Retry";

    private static final Logger LOG = LoggerFactory.getLogger(SlackService.class);
    // Checked by hand rather than with a regular expression: they run on every delivery.
    private static final String TEAM_ID_PUNCTUATION = "_-";
    // Slack's event ids are short and alphanumeric ("Ev0PV52K25"); the bound keeps a signed but
    // absurd id out of the dedupe store and the logs.
    private static final String EVENT_ID_PUNCTUATION = "._-";
    private static final String DEDUPE_PREFIX = "slack:";

    private final ServiceContext context;
    private final SlackSignature signature;
    private final PublishOnce once;
    private final FormPayloadHandler forms;

    EventsApiHandler(ServiceContext context, SlackSignature signature) {
        this.context = context;
        this.signature = signature;
        this.once = PublishOnce.of(context, "slack webhook", DEDUPE_PREFIX);
        this.forms = new FormPayloadHandler(context, once,
                context.config(SlackService.SLASH_COMMAND_ACK_KEY)
                        .filter(text -> !text.isBlank()).orElse(null));
    }

    @Override
    public WebhookResponse handle(WebhookRequest request) {
        try {
            signature.verify(request);
        } catch (SignatureException e) {
            LOG.warn("Slack webhook refused with 401: {}", e.getMessage());
            return WebhookResponse.text(401, "slack webhook: signature refused");
        }
        return handleVerified(request);
    }

    /**
     * Handles a request known to come from Slack: one whose signature was verified, or one
     * rebuilt from a Socket Mode envelope, which arrives on a connection opened with the
     * app-level token and carries no signature.
     */
    WebhookResponse handleVerified(WebhookRequest request) {
        if (FormPayloadHandler.isForm(request)) {
            return forms.handle(request);
        }

        JsonNode envelope;
        try {
            envelope = context.json().readTree(request.body());
        } catch (IOException e) {
            return badRequest("body is not JSON" + location(e) + "; slash commands and "
                    + "interactions must be sent as " + FormPayloadHandler.FORM);
        }
        if (envelope == null || !envelope.isObject()) {
            return badRequest("body is not a JSON object");
        }

        String type = text(envelope, "type");
        if (type == null) {
            return badRequest("field 'type' is missing or not text");
        }
        return switch (type) {
            case "url_verification" -> answerChallenge(envelope);
            case "event_callback" -> publishCallback(envelope, request);
            case "app_rate_limited" -> publishRateLimited(envelope, request);
            default -> ignore(type);
        };
    }

    private WebhookResponse answerChallenge(JsonNode envelope) {
        String challenge = text(envelope, "challenge");
        if (challenge == null) {
            return badRequest("url_verification: field 'challenge' is missing or not text");
        }
        LOG.info("Slack URL verification answered");
        return WebhookResponse.text(200, challenge);
    }

    private WebhookResponse publishCallback(JsonNode envelope, WebhookRequest request) {
        String eventId = text(envelope, "event_id");
        if (eventId == null) {
            return badRequest("event_callback: field 'event_id' is missing or not text");
        }
        if (!isToken(eventId, 128, EVENT_ID_PUNCTUATION)) {
            return badRequest("event_callback: field 'event_id' '" + abbreviate(eventId)
                    + "' is not a Slack event id (up to 128 letters, digits, '.', '_', '-')");
        }
        JsonNode inner = envelope.get("event");
        if (inner == null || !inner.isObject()) {
            return badRequest(subject(eventId) + "field 'event' is missing or not an object");
        }
        String innerType = text(inner, "type");
        if (innerType == null || !Slack.isSlackType(innerType)) {
            return badRequest(subject(eventId) + "field 'event.type' "
                    + (innerType == null ? "is missing or not text"
                            : "'" + abbreviate(innerType) + "' is not a Slack event type"));
        }
        String teamId = text(envelope, "team_id");
        if (teamId == null || !isToken(teamId, 64, TEAM_ID_PUNCTUATION)) {
            return badRequest(subject(eventId) + "field 'team_id' is missing or not a team id");
        }

        // The envelope was parsed for this event alone: it is handed over, not copied.
        Event event = Event.withOwnData(eventId, URI.create("/slack/" + teamId),
                Slack.eventType(innerType), channelOf(inner), time(envelope, eventId), null,
                envelope);
        return publishOnce(event, request);
    }

    private static String subject(String eventId) {
        return "event_callback '" + eventId + "': ";
    }

    private WebhookResponse publishRateLimited(JsonNode envelope, WebhookRequest request) {
        String teamId = text(envelope, "team_id");
        JsonNode minute = envelope.path("minute_rate_limited");
        LOG.warn("Slack is rate limiting the events of app '{}' for team '{}' since minute {}: "
                + "it drops events while an app gets more than 30,000 an hour from one team",
                abbreviate(envelope.path("api_app_id").asText("?")),
                teamId == null ? "?" : abbreviate(teamId), minute.asText("?"));
        if (teamId == null || !isToken(teamId, 64, TEAM_ID_PUNCTUATION)
                || !minute.canConvertToLong() || !minute.isIntegralNumber()) {
            return WebhookResponse.ok();
        }

        Event event = new Event("app_rate_limited:" + teamId + ":" + minute.asLong(),
                URI.create("/slack/" + teamId), Slack.eventType("app_rate_limited"), null,
                epochSeconds(minute), null, envelope);
        return publishOnce(event, request);
    }

    // Redeliveries are deduplicated whether or not they carry X-Slack-Retry-Num: the first try
    // may have failed here, so a retry alone proves nothing.
    private WebhookResponse publishOnce(Event event, WebhookRequest request) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("Slack event '{}' (retry {}) received", event.id(),
                    abbreviate(request.header(RETRY_NUM_HEADER).orElse("0")));
        }
        return once.publish(event, event.id());
    }

    private static WebhookResponse ignore(String type) {
        LOG.warn("Slack webhook of unknown type '{}' answered 200 and ignored; this service "
                + "takes url_verification, event_callback and app_rate_limited",
                abbreviate(type));
        return WebhookResponse.ok();
    }

    static WebhookResponse badRequest(String reason) {
        LOG.warn("Slack webhook refused with 400: {}", reason);
        return WebhookResponse.text(400, "slack webhook: " + reason)
                .withHeader(NO_RETRY_HEADER, "1");
    }

    // The channel the event is about: a message's channel id, a channel event's channel
    // object, or the channel of the item a reaction or pin is on.
    private static String channelOf(JsonNode inner) {
        JsonNode channel = inner.path("channel");
        String id = channel.isObject() ? text(channel, "id") : text(inner, "channel");
        return id != null ? id : text(inner.path("item"), "channel");
    }

    private Instant time(JsonNode envelope, String eventId) {
        Instant time = epochSeconds(envelope.path("event_time"));
        if (time == null) {
            LOG.debug("Slack event '{}' has no valid event_time; using the time it arrived",
                    eventId);
            return context.clock().instant();
        }
        return time;
    }

    private static Instant epochSeconds(JsonNode seconds) {
        if (!seconds.isIntegralNumber() || !seconds.canConvertToLong()) {
            return null;
        }
        try {
            return Instant.ofEpochSecond(seconds.asLong());
        } catch (DateTimeException e) {
            return null;
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() && !value.asText().isBlank()
                ? value.asText() : null;
    }

    // Where the JSON broke, without the offending text: the body may carry message content.
    private static String location(IOException e) {
        JsonLocation at = e instanceof JsonProcessingException json ? json.getLocation() : null;
        return at == null ? ""
                : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    }

    // Shortens text from outside for a message or log line, and escapes control characters so
    // that it cannot start a forged log line.
    static String abbreviate(String value) {
        String shown = value.length() <= 64 ? value : value.substring(0, 64) + "...";
        StringBuilder out = new StringBuilder(shown.length());
        shown.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    /**
     * Tells whether text is 1 to {@code max} ASCII letters, digits and the given punctuation.
     *
     * @param text the text
     * @param max the longest it may be
     * @param punctuation the other characters it may hold
     * @return {@code true} if it is such a token
     */
    static boolean isToken(String text, int max, String punctuation) {
        int length = text.length();
        if (length == 0 || length > max) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9');
            if (!plain && punctuation.indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }
}
