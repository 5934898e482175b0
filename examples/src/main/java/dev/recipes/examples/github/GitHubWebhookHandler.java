package dev.recipes.examples.github;

import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.core.Event;
import dev.recipes.core.IdempotencyStore;
import dev.recipes.core.signature.GitHubSignature;
import dev.recipes.core.signature.SignatureException;
import dev.recipes.core.spi.ServiceContext;
import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
    private static final Duration PUBLISH_LEASE = Duration.ofSeconds(10);
    private static final Duration DUPLICATE_WAIT = Duration.ofSeconds(2);

    private final ServiceContext context;
    private final GitHubSignature signature;
    // The deliveries being published now, by dedupe key, with whether they reached the bus.
    private final ConcurrentMap<String, CompletableFuture<Boolean>> publishing =
            new ConcurrentHashMap<>();

    GitHubWebhookHandler(ServiceContext context, GitHubSignature signature) {
        this.context = context;
        this.signature = signature;
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
        return publishOnce(event);
    }

    // A copy that arrives while another is publishing waits for that outcome and answers the
    // same, so it cannot answer 200 for an event that then fails to reach the bus.
    private WebhookResponse publishOnce(Event event) {
        String key = DEDUPE_PREFIX + event.id();
        CompletableFuture<Boolean> mine = new CompletableFuture<>();
        CompletableFuture<Boolean> other = publishing.putIfAbsent(key, mine);
        if (other != null) {
            return published(other) ? WebhookResponse.ok() : notYet(event);
        }
        try {
            IdempotencyStore.Claim claim = context.idempotency().begin(key, PUBLISH_LEASE);
            if (claim == IdempotencyStore.Claim.DONE) {
                LOG.debug("GitHub delivery '{}' was published before", event.id());
                mine.complete(true);
                return WebhookResponse.ok();
            }
            if (claim == IdempotencyStore.Claim.HELD) {
                return notYet(event);
            }
            try {
                context.publish(event);
            } catch (RuntimeException e) {
                context.idempotency().release(key);
                throw e;
            }
            context.idempotency().complete(key);
            mine.complete(true);
            LOG.debug("GitHub delivery '{}' published as '{}'", event.id(), event.type());
            return WebhookResponse.ok();
        } finally {
            mine.complete(false);
            publishing.remove(key, mine);
        }
    }

    private static boolean published(CompletableFuture<Boolean> other) {
        try {
            return other.get(DUPLICATE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static WebhookResponse notYet(Event event) {
        return WebhookResponse.text(503, "github webhook: delivery '" + event.id()
                + "' is not on the bus yet; send it again").withHeader("Retry-After", "1");
    }

    private static WebhookResponse badRequest(String reason) {
        LOG.warn("GitHub webhook refused with 400: {}", reason);
        return WebhookResponse.text(400, "github webhook: " + reason);
    }
}
