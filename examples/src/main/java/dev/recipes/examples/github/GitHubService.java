package dev.recipes.examples.github;

import dev.recipes.core.Secret;
import dev.recipes.core.signature.GitHubSignature;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.Service;
import dev.recipes.core.spi.ServiceContext;
import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An example GitHub service: takes GitHub webhooks at {@code POST /hooks/github} and publishes
 * each event for recipes to react to, and offers the {@code log-line} action.
 *
 * <p>Every request's {@code X-Hub-Signature-256} is checked on the raw body before anything
 * else; one that fails gets 401 and produces no event. Then a {@code ping} is answered 200 and
 * not published, and every other event, named by {@code X-GitHub-Event}, is published as type
 * {@code github.<event>} with id {@code X-GitHub-Delivery}, source
 * {@code /github/<repository.full_name>} ({@code /github/unknown} without a repository) and the
 * JSON payload as data. A delivery id seen before is answered 200 and not published again. A
 * request without a delivery id or event name, or whose body is not a JSON object, gets 400.
 *
 * <p>The webhook secret comes from {@link #withWebhookSecret(Secret)} or else from the engine
 * configuration key {@code github.webhook-secret}; without either, every webhook gets 401.
 * An instance serves one engine; it is thread-safe once started.
 */
public final class GitHubService implements Service {

    /** The service id, which names its webhook path, {@code /hooks/github}. */
    public static final String ID = "github";

    /** The key of the webhook secret, given to the engine as {@code github.webhook-secret}. */
    public static final String WEBHOOK_SECRET_KEY = "webhook-secret";

    private static final Logger LOG = LoggerFactory.getLogger(GitHubService.class);
    private static final String NO_SECRET = "service '" + ID + "': no webhook secret; set "
            + "config '" + ID + "." + WEBHOOK_SECRET_KEY + "' to the GitHub webhook's secret, "
            + "or register GitHubService.withWebhookSecret(...)";

    private final Secret webhookSecret;
    private final WebhookHandler webhook = this::handle;
    private volatile WebhookHandler handler;

    /**
     * Creates a service that reads its webhook secret from the engine configuration key
     * {@code github.webhook-secret} when it starts. This is the constructor
     * {@link java.util.ServiceLoader} uses.
     */
    public GitHubService() {
        this.webhookSecret = null;
    }

    private GitHubService(Secret webhookSecret) {
        this.webhookSecret = Objects.requireNonNull(webhookSecret, "webhookSecret");
    }

    /**
     * Creates a service with a webhook secret given by hand; it wins over the engine
     * configuration key {@code github.webhook-secret}.
     *
     * @param webhookSecret the secret set on the GitHub webhook
     * @return a new service, to register with {@code RecipeEngine.Builder.service(...)}
     */
    public static GitHubService withWebhookSecret(Secret webhookSecret) {
        return new GitHubService(webhookSecret);
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
     * Returns the one key the service reads, {@value #WEBHOOK_SECRET_KEY}.
     *
     * @return the keys
     */
    @Override
    public Set<String> configKeys() {
        return Set.of(WEBHOOK_SECRET_KEY);
    }

    /**
     * Starts taking webhooks, verified with the webhook secret.
     *
     * <p>Without a secret given by hand or configured, the service still starts, so that
     * finding it with {@link java.util.ServiceLoader} does not stop an engine that has no use
     * for GitHub; it then logs a WARN and refuses every webhook with 401.
     *
     * @param context the service's dependencies and configuration
     * @throws IllegalStateException if the service was started before
     */
    @Override
    public synchronized void start(ServiceContext context) {
        if (handler != null) {
            throw new IllegalStateException("service '" + ID + "': already started; give each "
                    + "engine its own GitHubService");
        }
        Optional<Secret> secret = webhookSecret != null ? Optional.of(webhookSecret)
                : context.secret(WEBHOOK_SECRET_KEY);
        if (secret.isPresent()) {
            handler = new GitHubWebhookHandler(context, GitHubSignature.of(secret.get()));
            return;
        }
        LOG.warn("{}; every GitHub webhook is refused with 401", NO_SECRET);
        handler = request -> {
            LOG.warn("GitHub webhook refused with 401: {}", NO_SECRET);
            return WebhookResponse.text(401, "github webhook: signature refused");
        };
    }

    /**
     * Returns the handler for GitHub webhooks.
     *
     * @return the handler; it answers 503 until the service is started
     */
    @Override
    public Optional<WebhookHandler> webhook() {
        return Optional.of(webhook);
    }

    /**
     * Returns the service's one action, {@code log-line}.
     *
     * @return the actions
     */
    @Override
    public List<Action> actions() {
        return List.of(new LogLineAction());
    }

    private WebhookResponse handle(WebhookRequest request) {
        WebhookHandler started = handler;
        if (started == null) {
            return WebhookResponse.text(503, "service '" + ID + "': not started")
                    .withHeader("Retry-After", "1");
        }
        return started.handle(request);
    }

    @Override
    public String toString() {
        return "GitHubService[webhook secret " + (webhookSecret == null
                ? "from config '" + ID + "." + WEBHOOK_SECRET_KEY + "'" : "given by hand") + "]";
    }
}
