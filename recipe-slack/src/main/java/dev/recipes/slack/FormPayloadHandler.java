package dev.recipes.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Event;
import dev.recipes.core.spi.ServiceContext;
import dev.recipes.core.webhook.PublishOnce;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles the form-encoded requests Slack sends for slash commands and interactivity, once
 * their signature was verified on the raw body: decodes the form, publishes one event per
 * invocation, deduplicated by {@code trigger_id}, and acknowledges at once. Thread-safe.
 */
final class FormPayloadHandler {

    static final String FORM = "application/x-www-form-urlencoded";

    // The payload types Slack's interactivity sends; anything else (such as 'message') would
    // publish as an Events API type and reach recipes meant for events.
    private static final Set<String> INTERACTION_TYPES = Set.of("block_actions",
            "block_suggestion", "view_submission", "view_closed", "shortcut", "message_action",
            "interactive_message", "dialog_submission", "dialog_cancellation",
            "dialog_suggestion");

    private static final Logger LOG = LoggerFactory.getLogger(SlackService.class);
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    // The legacy verification token is a shared secret: it never reaches the event.
    private static final String LEGACY_TOKEN = "token";

    private final ServiceContext context;
    private final PublishOnce once;
    private final String slashCommandAck;

    FormPayloadHandler(ServiceContext context, PublishOnce once, String slashCommandAck) {
        this.context = context;
        this.once = once;
        this.slashCommandAck = slashCommandAck;
    }

    static boolean isForm(WebhookRequest request) {
        return request.header("Content-Type")
                .map(type -> {
                    String media = type.toLowerCase(Locale.ROOT);
                    int semicolon = media.indexOf(';');
                    return (semicolon < 0 ? media : media.substring(0, semicolon)).trim()
                            .equals(FORM);
                })
                .orElse(false);
    }

    /** Handles a request whose signature was verified. */
    WebhookResponse handle(WebhookRequest request) {
        Map<String, String> form;
        try {
            form = decode(request.body());
        } catch (IllegalArgumentException e) {
            return EventsApiHandler.badRequest("form body: " + e.getMessage());
        }
        if (form.containsKey("payload")) {
            return interaction(form.get("payload"), request);
        }
        if (form.containsKey("command")) {
            return slashCommand(form, request);
        }
        return EventsApiHandler.badRequest("form body has neither 'command' (a slash command) "
                + "nor 'payload' (an interaction)");
    }

    private WebhookResponse slashCommand(Map<String, String> form, WebhookRequest request) {
        String command = form.get("command");
        String teamId = form.get("team_id");
        if (!command.startsWith("/")) {
            return EventsApiHandler.badRequest("slash command: field 'command' '"
                    + EventsApiHandler.abbreviate(command) + "' does not start with '/'");
        }
        if (!isId(teamId)) {
            return EventsApiHandler.badRequest("slash command '"
                    + EventsApiHandler.abbreviate(command) + "': field 'team_id' is missing "
                    + "or not a team id");
        }
        ObjectNode data = context.json().createObjectNode();
        form.forEach((name, value) -> {
            if (!LEGACY_TOKEN.equals(name)) {
                data.put(name, value);
            }
        });
        String id = deliveryId("slash_command", form.get("trigger_id"), request);
        Event event = new Event(id, URI.create("/slack/" + teamId),
                Slack.eventType("slash_command"), nonBlank(form.get("channel_id")),
                context.clock().instant(), null, data);
        WebhookResponse answer = once.publish(event, id);
        return answer.status() == 200 && slashCommandAck != null
                ? WebhookResponse.text(200, slashCommandAck) : answer;
    }

    private WebhookResponse interaction(String json, WebhookRequest request) {
        JsonNode payload;
        try {
            payload = context.json().readTree(json);
        } catch (IOException e) {
            return EventsApiHandler.badRequest("interaction: field 'payload' is not JSON");
        }
        if (payload == null || !payload.isObject()) {
            return EventsApiHandler.badRequest("interaction: field 'payload' is not a JSON "
                    + "object");
        }
        String type = payload.path("type").asText("");
        if (!payload.path("type").isTextual() || !INTERACTION_TYPES.contains(type)) {
            return EventsApiHandler.badRequest("interaction: field 'type' "
                    + (type.isEmpty() ? "is missing or not text"
                            : "'" + EventsApiHandler.abbreviate(type)
                                    + "' is not an interaction type"));
        }
        ObjectNode data = ((ObjectNode) payload).deepCopy();
        data.remove(LEGACY_TOKEN);
        String id = deliveryId(type, payload.path("trigger_id").asText(null), request);
        Event event = new Event(id, URI.create("/slack/" + teamOf(payload)),
                Slack.eventType(type), nonBlank(payload.path("channel").path("id").asText(null)),
                context.clock().instant(), null, data);
        // Limitation: the answer is always an empty 200, so a view_submission cannot get
        // validation errors (response_action) and a block_suggestion gets no options.
        return once.publish(event, id);
    }

    // A trigger_id names one invocation. Without one (view_closed, for one), the delivery is
    // named by its body, which a redelivery repeats byte for byte.
    private static String deliveryId(String type, String triggerId, WebhookRequest request) {
        if (isId(triggerId)) {
            return type + ":" + triggerId;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(request.body());
            return type + ":sha256-" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static String teamOf(JsonNode payload) {
        String team = payload.path("team").path("id").asText(null);
        if (!isId(team)) {
            team = payload.path("user").path("team_id").asText(null);
        }
        return isId(team) ? team : "unknown";
    }

    private static Map<String, String> decode(byte[] body) {
        Map<String, String> form = new LinkedHashMap<>();
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("the body is not UTF-8");
        }
        if (text.isEmpty()) {
            return form;
        }
        for (String pair : text.split("&", -1)) {
            int equals = pair.indexOf('=');
            if (pair.isEmpty() || equals == 0) {
                throw new IllegalArgumentException("a field has no name ('&&', '&=' or a "
                        + "leading or trailing '&')");
            }
            String name = decode(equals < 0 ? pair : pair.substring(0, equals));
            String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
            if (form.putIfAbsent(name, value) != null) {
                throw new IllegalArgumentException("field '" + EventsApiHandler.abbreviate(name)
                        + "' appears twice");
            }
        }
        return form;
    }

    private static String decode(String encoded) {
        String decoded;
        try {
            decoded = URLDecoder.decode(encoded, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a field is not URL-encoded (bad '%' escape)");
        }
        // The decoder puts U+FFFD for bytes that are not UTF-8; Slack sends UTF-8 only.
        if (decoded.indexOf('\uFFFD') > encoded.indexOf('\uFFFD')
                && !encoded.toUpperCase(Locale.ROOT).contains("%EF%BF%BD")) {
            throw new IllegalArgumentException("a field is not UTF-8 once decoded");
        }
        return decoded;
    }

    private static boolean isId(String value) {
        return value != null && ID.matcher(value).matches();
    }

    private static String nonBlank(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
