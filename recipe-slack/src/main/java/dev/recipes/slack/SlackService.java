package dev.recipes.slack;

import dev.recipes.core.RecipeException;
import dev.recipes.core.Secret;
import dev.recipes.core.signature.SlackSignature;
import dev.recipes.core.spi.Service;
import dev.recipes.core.spi.ServiceContext;
import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Slack service: takes Slack's Events API webhooks at {@code POST /hooks/slack} and
 * publishes each event for recipes to react to.
 *
 * <p>Every request's {@code v0} signature is checked on the raw body, with the engine's clock
 * and a five-minute replay window either way, before anything else; a request that fails gets
 * 401 and produces no event. Then:
 * <ul>
 *   <li>{@code url_verification} is answered with its challenge as plain text;</li>
 *   <li>{@code event_callback} is published as one event of type {@code slack.<event.type>}
 *       with id {@code event_id}, source {@code /slack/<team_id>}, the channel as subject, the
 *       time from {@code event_time}, and the whole envelope as data. An {@code event_id} seen
 *       before is answered 200 and not published again, whether or not Slack marked the
 *       delivery as a retry. If the bus cannot take the event, the engine answers 503 and a
 *       later redelivery is published;</li>
 *   <li>{@code app_rate_limited} is logged at WARN and published as
 *       {@code slack.app_rate_limited}, once per team and minute;</li>
 *   <li>other types are logged at WARN and answered 200;</li>
 *   <li>a body that is not a JSON object, or lacks a field its type needs, gets 400 with
 *       {@code X-Slack-No-Retry: 1}, since sending it again cannot help.</li>
 * </ul>
 *
 * <p>The signing secret comes from {@link #withSigningSecret(Secret)} or else from the engine
 * configuration key {@code slack.signing-secret}:
 * <pre>{@code
 * RecipeEngine engine = RecipeEngine.builder()
 *         .config("slack.signing-secret", System.getenv("SLACK_SIGNING_SECRET"))
 *         .recipe(salesLog)
 *         .build();
 * }</pre>
 *
 * <p>An instance serves one engine. It is thread-safe once started.
 */
public final class SlackService implements Service {

    /** The service id, which names its webhook path, {@code /hooks/slack}. */
    public static final String ID = "slack";

    /** The key of the signing secret, given to the engine as {@code slack.signing-secret}. */
    public static final String SIGNING_SECRET_KEY = "signing-secret";

    /**
     * The key of an optional second secret that still verifies, given to the engine as
     * {@code slack.previous-signing-secret}: while a regenerated signing secret is being
     * rolled out, requests signed with the old one are accepted too. Remove it once the new
     * secret is in place everywhere.
     */
    public static final String PREVIOUS_SIGNING_SECRET_KEY = "previous-signing-secret";

    private static final Logger LOG = LoggerFactory.getLogger(SlackService.class);
    private static final Duration REPLAY_WINDOW = Duration.ofMinutes(5);

    private final Secret signingSecret;
    private final WebhookHandler webhook = this::handle;
    private volatile EventsApiHandler events;

    /**
     * Creates a service that reads its signing secret from the engine configuration key
     * {@code slack.signing-secret} when it starts. This is the constructor
     * {@link java.util.ServiceLoader} uses.
     */
    public SlackService() {
        this.signingSecret = null;
    }

    private SlackService(Secret signingSecret) {
        this.signingSecret = Objects.requireNonNull(signingSecret, "signingSecret");
    }

    /**
     * Creates a service with a signing secret given by hand; it wins over the engine
     * configuration key {@code slack.signing-secret}.
     *
     * @param signingSecret the Slack app's signing secret
     * @return a new service, to register with {@code RecipeEngine.Builder.service(...)}
     */
    public static SlackService withSigningSecret(Secret signingSecret) {
        return new SlackService(signingSecret);
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
     * Returns the keys the service reads, {@value #SIGNING_SECRET_KEY} and
     * {@value #PREVIOUS_SIGNING_SECRET_KEY}.
     *
     * @return the keys
     */
    @Override
    public Set<String> configKeys() {
        return Set.of(SIGNING_SECRET_KEY, PREVIOUS_SIGNING_SECRET_KEY);
    }

    /**
     * Starts taking webhooks, verified with the signing secret and the engine's clock.
     *
     * @param context the service's dependencies and configuration
     * @throws RecipeException if no signing secret was given by hand or configured
     * @throws IllegalStateException if the service was started before
     */
    @Override
    public synchronized void start(ServiceContext context) {
        if (events != null) {
            throw new IllegalStateException("service '" + ID + "': already started; give each "
                    + "engine its own SlackService");
        }
        List<Secret> secrets = new ArrayList<>(2);
        secrets.add(signingSecret(context));
        context.secret(PREVIOUS_SIGNING_SECRET_KEY).ifPresent(previous -> {
            LOG.info("Slack service also accepts the previous signing secret from config "
                    + "'{}.{}'", ID, PREVIOUS_SIGNING_SECRET_KEY);
            secrets.add(previous);
        });
        SlackSignature signature = SlackSignature.of(secrets)
                .withClock(context.clock())
                .withWindow(REPLAY_WINDOW);
        events = new EventsApiHandler(context, signature);
    }

    private Secret signingSecret(ServiceContext context) {
        String key = ID + "." + SIGNING_SECRET_KEY;
        if (signingSecret != null) {
            LOG.info("Slack service started with a signing secret given by hand{}",
                    context.config(SIGNING_SECRET_KEY).isPresent()
                            ? "; config '" + key + "' is ignored" : "");
            return signingSecret;
        }
        Secret configured = context.secret(SIGNING_SECRET_KEY).orElseThrow(() ->
                new RecipeException("service '" + ID + "': no signing secret; set config '"
                        + key + "' to the Slack app's signing secret, or register "
                        + "SlackService.withSigningSecret(...)"));
        LOG.info("Slack service started with the signing secret from config '{}'", key);
        return configured;
    }

    /**
     * Returns the handler for Slack's Events API webhooks.
     *
     * @return the handler; it answers 503 until the service is started
     */
    @Override
    public Optional<WebhookHandler> webhook() {
        return Optional.of(webhook);
    }

    private WebhookResponse handle(WebhookRequest request) {
        EventsApiHandler started = events;
        if (started == null) {
            return WebhookResponse.text(503, "service '" + ID + "': not started")
                    .withHeader("Retry-After", "1");
        }
        return started.handle(request);
    }

    @Override
    public String toString() {
        return "SlackService[signing secret " + (signingSecret == null
                ? "from config '" + ID + "." + SIGNING_SECRET_KEY + "'" : "given by hand") + "]";
    }
}
