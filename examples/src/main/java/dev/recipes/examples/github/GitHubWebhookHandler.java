package dev.recipes.examples.github;

import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.core.Event;
import dev.recipes.core.signature.GitHubSignature;
import dev.recipes.core.signature.SignatureException;
import dev.recipes.core.spi.ServiceContext;
import dev.recipes.core.webhook.PublishOnce;
import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.io.IOException;
import java.net.URI;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Handles GitHub webhooks: verifies the signature on the raw body, then publishes each delivery
 * once. Thread-safe.
 */
final class GitHubWebhookHandler implements WebhookHandler {

    static final String EVENT_HEADER = "X-GitHub-Event";
    static final String DELIVERY_HEADER = "X-GitHub-Delivery";

    private static final Logger LOG = LoggerFactory.getLogger(GitHubService.class);
    // GitHub's delivery ids are GUIDs; the bound keeps an absurd id out of the store and logs.
    private static final Pattern DELIVERY_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final Pattern FULL_NAME = Pattern.compile("[A-Za-z0-9._-]+/[A-Za-z0-9._-]+");
    private static final String DEDUPE_PREFIX = "github:";

    private final ServiceContext context;
    private final GitHubSignature signature;
    private final PublishOnce once;

    GitHubWebhookHandler(ServiceContext context, GitHubSignature signature) {
        this.context = context;
        this.signature = signature;
        this.once = PublishOnce.of(context, "github webhook", DEDUPE_PREFIX);
    }

    @Override
    public WebhookResponse handle(WebhookRequest request) {
        try {
            signature.verify(request);
        } catch (SignatureException e) {
            LOG.warn("GitHub webhook refused with 401: {}", e.getMessage());
            return WebhookResponse.text(401, "github webhook: signature refused");
        }

        String name = request.header(EVENT_HEADER).orElse("");
        if (!GitHubTrigger.EVENT_NAME.matcher(name).matches()) {
            return badRequest("header " + EVENT_HEADER + " is missing or not an event name");
        }
        if ("ping".equals(name)) {
            LOG.info("GitHub ping answered");
            return WebhookResponse.ok();
        }
        String delivery = request.header(DELIVERY_HEADER).orElse("");
        if (!DELIVERY_ID.matcher(delivery).matches()) {
            return badRequest("header " + DELIVERY_HEADER + " is missing or not a delivery id");
        }

        JsonNode payload;
        try {
            payload = context.json().readTree(request.body());
        } catch (IOException e) {
            return badRequest("delivery '" + delivery + "': body is not JSON; set the webhook's "
                    + "content type to application/json");
        }
        if (payload == null || !payload.isObject()) {
            return badRequest("delivery '" + delivery + "': body is not a JSON object");
        }
        JsonNode fullName = payload.path("repository").path("full_name");
        if (!fullName.isMissingNode() && !FULL_NAME.matcher(fullName.asText()).matches()) {
            return badRequest("delivery '" + delivery + "': field 'repository.full_name' is "
                    + "not of the form owner/name");
        }

        String repository = fullName.isMissingNode() ? "unknown" : fullName.asText();
        Event event = new Event(delivery, URI.create("/github/" + repository),
                GitHubService.ID + "." + name, null, context.clock().instant(), null, payload);
        return once.publish(event, event.id());
    }

    private static WebhookResponse badRequest(String reason) {
        LOG.warn("GitHub webhook refused with 400: {}", reason);
        return WebhookResponse.text(400, "github webhook: " + reason);
    }
}
