package dev.recipes.webhooks;

import dev.recipes.core.RecipeException;
import dev.recipes.core.spi.Service;
import dev.recipes.core.spi.ServiceContext;
import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code webhook} service: takes webhooks from any sender that follows the Standard Webhooks
 * specification at {@code POST /hooks/webhook/<source>}, and publishes each message as an event
 * for recipes to react to. Sources are configured, not coded:
 * <pre>{@code
 * RecipeEngine engine = RecipeEngine.builder()
 *         .config("webhook.sources", "billing")
 *         .config("webhook.billing.secrets", System.getenv("BILLING_WEBHOOK_SECRET"))
 *         .recipe(Recipe.named("paid")
 *                 .when(Webhooks.from("billing").ofType("invoice.paid"))
 *                 .then(step)
 *                 .build())
 *         .build();
 * }</pre>
 *
 * <p>Configuration keys, each read when the service starts:
 * <ul>
 *   <li>{@code webhook.sources}: the names of the sources, separated by commas or whitespace;
 *       each is lowercase letters, digits, '_' or '-', and is the last segment of its path;</li>
 *   <li>{@code webhook.<source>.secrets}: the source's {@code whsec_...} secrets for {@code v1}
 *       HMAC signatures, separated by commas or whitespace; several while one is rotated
 *       out;</li>
 *   <li>{@code webhook.<source>.public-keys}: the source's {@code whpk_...} Ed25519 public keys
 *       for {@code v1a} signatures, likewise; a source needs secrets, public keys or both;</li>
 *   <li>{@code webhook.<source>.tolerance}: how far {@code webhook-timestamp} may be from the
 *       engine's clock, either way; seconds or ISO-8601, five minutes by default, from one
 *       second to an hour.</li>
 * </ul>
 *
 * <p>Each request is answered:
 * <ul>
 *   <li>404 if its path names no configured source;</li>
 *   <li>401 if {@code webhook-id}, {@code webhook-timestamp} or {@code webhook-signature} is
 *       missing or malformed, the timestamp is outside the tolerance, or no signature entry
 *       matches under any of the source's secrets and keys; no event is published;</li>
 *   <li>400 if the body is not JSON, or {@code webhook-id} is not up to 128 letters, digits,
 *       '_', '.', ':', '~' or '-';</li>
 *   <li>200 once the message is published as an event of type {@code webhook.<source>}, with
 *       the {@code webhook-id} as its id, source {@code /webhook/<source>}, the payload's
 *       {@code timestamp} (or else the time it was sent) as its time, and the data
 *       {@code {"source": ..., "id": ..., "type": ..., "payload": ...}}, where {@code type} is
 *       the payload's own {@code type} when it has one. A message whose {@code webhook-id} was
 *       published before is answered 200 and not published again.</li>
 * </ul>
 *
 * <p>An instance serves one engine. It is thread-safe once started.
 */
public final class WebhookService implements Service {

    /** The service id, which names its webhook path, {@code /hooks/webhook/<source>}. */
    public static final String ID = "webhook";

    /** The key of the list of sources, given to the engine as {@code webhook.sources}. */
    public static final String SOURCES_KEY = "sources";

    private static final Logger LOG = LoggerFactory.getLogger(WebhookService.class);

    private final WebhookHandler webhook = this::handle;
    private volatile SourcesHandler sources;

    /** Creates the service; {@link java.util.ServiceLoader} uses this constructor. */
    public WebhookService() {
    }

    /**
     * Returns the service id.
     *
     * @return {@value #ID}
     */
    @Override
    public String id() {
        return ID;
    }

    /**
     * Reads the sources and their keys.
     *
     * <p>Without {@code webhook.sources} the service starts with no source, so that finding it
     * with {@link java.util.ServiceLoader} does not stop an engine that has no use for it; every
     * webhook then gets 404.
     *
     * @param context the service's dependencies and configuration
     * @throws RecipeException if a source's name is not valid or appears twice, or a source
     *     has neither secrets nor public keys, or one of its settings is malformed
     * @throws IllegalStateException if the service was started before
     */
    @Override
    public synchronized void start(ServiceContext context) {
        if (sources != null) {
            throw new IllegalStateException("service '" + ID + "': already started; give each "
                    + "engine its own WebhookService");
        }
        Map<String, WebhookSource> read = new LinkedHashMap<>();
        for (String name : ConfigValues.list(context.config(SOURCES_KEY).orElse(""))) {
            if (!WebhookSource.NAME.matcher(name).matches()) {
                throw new RecipeException("config '" + ID + "." + SOURCES_KEY + "': source '"
                        + name + "' is not 1 to 64 lowercase letters, digits, '_' or '-'");
            }
            if (read.put(name, WebhookSource.read(context, name)) != null) {
                throw new RecipeException("config '" + ID + "." + SOURCES_KEY + "': source '"
                        + name + "' is listed twice");
            }
        }
        sources = new SourcesHandler(context, read);
        LOG.info("Webhook service started with sources {}", read.keySet());
    }

    /**
     * Returns the handler for {@code POST /hooks/webhook/<source>}.
     *
     * @return the handler; it answers 503 until the service is started
     */
    @Override
    public Optional<WebhookHandler> webhook() {
        return Optional.of(webhook);
    }

    private WebhookResponse handle(WebhookRequest request) {
        SourcesHandler started = sources;
        if (started == null) {
            return WebhookResponse.text(503, "service '" + ID + "': not started")
                    .withHeader("Retry-After", "1");
        }
        return started.handle(request);
    }

    @Override
    public String toString() {
        return "WebhookService[" + (sources == null ? "not started" : "started") + "]";
    }
}
