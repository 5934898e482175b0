package dev.recipes.webhooks;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Event;
import dev.recipes.core.signature.SignatureException;
import dev.recipes.core.signature.StandardWebhooksSignature;
import dev.recipes.core.spi.ServiceContext;
import dev.recipes.core.webhook.PublishOnce;
import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.io.IOException;
import java.net.URI;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles {@code POST /hooks/webhook/<source>}: finds the source, verifies the signature on the
 * raw body, then publishes each message once per {@code webhook-id}. Thread-safe.
 */
final class SourcesHandler implements WebhookHandler {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookService.class);
    private static final String PATH = "/hooks/" + WebhookService.ID;
    // The spec's ids are short ("msg_p5jXN8AQM9LWM0D4loKWxJek"); the bound keeps a signed but
    // absurd id out of the dedupe store and the logs.
    private static final Pattern MESSAGE_ID = Pattern.compile("[A-Za-z0-9_.:~-]{1,128}");
    private static final String DEDUPE_PREFIX = WebhookService.ID + ":";

    private final ServiceContext context;
    private final Map<String, WebhookSource> sources;
    private final PublishOnce once;

    SourcesHandler(ServiceContext context, Map<String, WebhookSource> sources) {
        this.context = context;
        this.sources = Map.copyOf(sources);
        this.once = PublishOnce.of(context, "standard webhook", DEDUPE_PREFIX);
    }

    @Override
    public WebhookResponse handle(WebhookRequest request) {
        String path = request.path();
        if (!path.startsWith(PATH + "/")) {
            return WebhookResponse.text(404, "webhook: name a source, as in POST " + PATH
                    + "/<source>");
        }
        String name = path.substring(PATH.length() + 1);
        WebhookSource source = sources.get(name);
        if (source == null) {
            return unknownSource(name);
        }
        try {
            source.verify(request);
        } catch (SignatureException e) {
            LOG.warn("Webhook from source '{}' refused with 401: {}", name, e.getMessage());
            return WebhookResponse.text(401, "webhook '" + name + "': signature refused");
        }

        String id = request.header(StandardWebhooksSignature.ID_HEADER).orElseThrow();
        if (!MESSAGE_ID.matcher(id).matches()) {
            return badRequest(name, "header " + StandardWebhooksSignature.ID_HEADER
                    + " is not up to 128 letters, digits, '_', '.', ':', '~' or '-'");
        }
        JsonNode payload;
        try {
            payload = context.json().readTree(request.body());
        } catch (IOException e) {
            return badRequest(name, "message '" + id + "': body is not JSON" + location(e));
        }
        if (payload == null || payload.isMissingNode()) {
            return badRequest(name, "message '" + id + "': body is empty, not JSON");
        }
        return once.publish(event(name, id, payload, request), name + ":" + id);
    }

    private Event event(String source, String id, JsonNode payload, WebhookRequest request) {
        ObjectNode data = context.json().createObjectNode();
        data.put("source", source);
        data.put("id", id);
        JsonNode type = payload.path("type");
        if (type.isTextual()) {
            data.put("type", type.asText());
        }
        data.set("payload", payload);
        return new Event(id, URI.create("/" + WebhookService.ID + "/" + source),
                WebhookService.ID + "." + source, null, time(payload, request), null, data);
    }

    // When the payload says when its event happened, that time; else when the message was sent.
    private static Instant time(JsonNode payload, WebhookRequest request) {
        JsonNode timestamp = payload.path("timestamp");
        if (timestamp.isTextual()) {
            try {
                return OffsetDateTime.parse(timestamp.asText()).toInstant();
            } catch (DateTimeException e) {
                // falls back to the time the message was sent
            }
        }
        String sent = request.header(StandardWebhooksSignature.TIMESTAMP_HEADER).orElseThrow();
        return Instant.ofEpochSecond(Long.parseLong(sent));
    }

    private WebhookResponse unknownSource(String name) {
        boolean configured = WebhookSource.NAME.matcher(name).matches()
                && (context.config(name + "." + WebhookSource.SECRETS).isPresent()
                        || context.config(name + "." + WebhookSource.PUBLIC_KEYS).isPresent());
        if (configured) {
            LOG.warn("Webhook for source '{}' refused with 404: it has keys configured but is "
                    + "not listed in config '{}.{}'", name, WebhookService.ID,
                    WebhookService.SOURCES_KEY);
        } else {
            LOG.debug("Webhook for unknown source '{}' refused with 404", abbreviate(name));
        }
        return WebhookResponse.text(404, "webhook: no source '" + abbreviate(name) + "'");
    }

    private static WebhookResponse badRequest(String source, String reason) {
        LOG.warn("Webhook from source '{}' refused with 400: {}", source, reason);
        return WebhookResponse.text(400, "webhook '" + source + "': " + reason);
    }

    // Where the JSON broke, without the offending text: the body may carry private content.
    private static String location(IOException e) {
        JsonLocation at = e instanceof JsonProcessingException json ? json.getLocation() : null;
        return at == null ? ""
                : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
    }

    private static String abbreviate(String value) {
        return value.length() <= 64 ? value : value.substring(0, 64) + "...";
    }
}
