package dev.recipes.slack;

import dev.recipes.core.RecipeException;
import dev.recipes.core.Secret;
import dev.recipes.core.signature.SlackSignature;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.Service;
import dev.recipes.core.spi.ServiceContext;
import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Slack service: takes Slack's Events API webhooks, slash commands and interactions at
 * {@code POST /hooks/slack} and publishes each event for recipes to react to.
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
 *   <li>a form-encoded body ({@code application/x-www-form-urlencoded}) is a slash command,
 *       published as {@code slack.slash_command} with its form fields as data, or an
 *       interaction (one field {@code payload} holding JSON), published as
 *       {@code slack.<payload type>} such as {@code slack.block_actions}, with the payload as
 *       data. Both are answered 200 at once and published once per {@code trigger_id}; the
 *       legacy verification {@code token} is left out of the data;</li>
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
 * <p>With an app-level token ({@code slack.app-token}) the service also receives the same
 * events over Socket Mode, acknowledging each envelope once its event is on the bus; see
 * docs/slack.md.
 *
 * <p>With the app's client credentials ({@code slack.client-id} and the keys it needs) the
 * service offers the OAuth v2 install at {@code GET /oauth/slack/start}: each workspace that
 * installs the app gets a connection of its own, keyed by enterprise and team (see
 * {@link SlackWorkspace}), and rotating tokens are refreshed before they expire.
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

    /**
     * The key of an optional short text the service answers slash commands with, given to the
     * engine as {@code slack.slash-command-ack}; Slack shows it to the user who ran the
     * command, only to them. Without it the answer is an empty 200, which shows nothing.
     */
    public static final String SLASH_COMMAND_ACK_KEY = "slash-command-ack";

    /**
     * The key of the Web API's base URL, {@code slack.api-url}; {@code https://slack.com/api}
     * by default.
     */
    public static final String API_URL_KEY = "api-url";

    /**
     * The key of the longest time one Web API or {@code response_url} request may take,
     * {@code slack.request-timeout}, as an ISO-8601 duration or in seconds; 10 seconds by
     * default.
     */
    public static final String REQUEST_TIMEOUT_KEY = "request-timeout";

    /**
     * The key of extra URL prefixes the {@code respond} action may post to besides
     * {@code https://hooks.slack.com/}, {@code slack.response-url-prefixes}: comma-separated,
     * each ending its path with '/'. Meant for test fakes on loopback; never list a prefix
     * that an outsider controls.
     */
    public static final String RESPONSE_URL_PREFIXES_KEY = "response-url-prefixes";

    /**
     * The key of the app-level token ({@code xapp-...}, scope {@code connections:write}),
     * {@code slack.app-token}, a secret: with it the service also receives events over Socket
     * Mode, described in docs/slack.md.
     */
    public static final String APP_TOKEN_KEY = "app-token";

    /**
     * The key that turns Socket Mode on or off, {@code slack.socket-mode}, {@code true} or
     * {@code false}; by default it is on when {@value #APP_TOKEN_KEY} is set.
     */
    public static final String SOCKET_MODE_KEY = "socket-mode";

    /**
     * The key of the first wait before Socket Mode reconnects after a lost connection or a
     * failed attempt, {@code slack.socket-mode-backoff}, as an ISO-8601 duration or in
     * seconds; 1 second by default. Each further failure doubles it, with jitter.
     */
    public static final String SOCKET_MODE_BACKOFF_KEY = "socket-mode-backoff";

    /**
     * The key of the longest wait between Socket Mode reconnection attempts,
     * {@code slack.socket-mode-max-backoff}; 60 seconds by default.
     */
    public static final String SOCKET_MODE_MAX_BACKOFF_KEY = "socket-mode-max-backoff";

    /**
     * The key of the Slack app's client id, {@code slack.client-id}: with it the service offers
     * the OAuth v2 install at {@code GET /oauth/slack/start}, which stores one connection per
     * workspace, and refreshes rotating tokens. The install also needs
     * {@value #CLIENT_SECRET_KEY}, {@value #OAUTH_REDIRECT_URI_KEY} and
     * {@value #OAUTH_SCOPES_KEY}; see docs/slack.md.
     */
    public static final String CLIENT_ID_KEY = "client-id";

    /** The key of the Slack app's client secret, {@code slack.client-secret}, a secret. */
    public static final String CLIENT_SECRET_KEY = "client-secret";

    /**
     * The key of the public URL Slack sends the browser back to after an install,
     * {@code slack.oauth-redirect-uri}, ending with {@code /oauth/slack/callback} and listed
     * among the app's Redirect URLs; https, or plain http on localhost.
     */
    public static final String OAUTH_REDIRECT_URI_KEY = "oauth-redirect-uri";

    /**
     * The key of the bot scopes an install asks for, {@code slack.oauth-scopes}, separated by
     * commas, such as {@code chat:write,reactions:write,channels:history}.
     */
    public static final String OAUTH_SCOPES_KEY = "oauth-scopes";

    /**
     * The key of user scopes an install asks for as well, {@code slack.oauth-user-scopes};
     * none by default. The installing user's token is then stored in the connection's secret
     * {@code user-token}.
     */
    public static final String OAUTH_USER_SCOPES_KEY = "oauth-user-scopes";

    /**
     * The key of Slack's authorize page, {@code slack.oauth-authorize-url};
     * {@code https://slack.com/oauth/v2/authorize} by default. Tests point it at a fake.
     */
    public static final String OAUTH_AUTHORIZE_URL_KEY = "oauth-authorize-url";

    /**
     * The key of the page the browser is sent to after a successful install,
     * {@code slack.oauth-success-url}; without it the service answers a short page itself.
     */
    public static final String OAUTH_SUCCESS_URL_KEY = "oauth-success-url";

    /**
     * The key of how long an install may take from its start to Slack's callback,
     * {@code slack.oauth-state-lifetime}, 1 minute to 1 hour; 10 minutes by default.
     */
    public static final String OAUTH_STATE_LIFETIME_KEY = "oauth-state-lifetime";

    private static final Logger LOG = LoggerFactory.getLogger(SlackService.class);
    private static final Duration REPLAY_WINDOW = Duration.ofMinutes(5);

    private final Secret signingSecret;
    private final WebhookHandler webhook = this::handle;
    private volatile EventsApiHandler events;
    private volatile SlackWebApi webApi;
    private volatile SocketMode socketMode;
    private volatile SlackTokens tokens;
    private volatile SlackInstall install;
    private final WebhookHandler oauth = this::handleOAuth;
    private final List<Action> actions = SlackActions.all(this::webApi, this::tokens);

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
     * Returns the keys the service reads, {@value #SIGNING_SECRET_KEY},
     * {@value #PREVIOUS_SIGNING_SECRET_KEY}, {@value #SLASH_COMMAND_ACK_KEY}, for the
     * actions {@value #API_URL_KEY}, {@value #REQUEST_TIMEOUT_KEY} and
     * {@value #RESPONSE_URL_PREFIXES_KEY}, and for Socket Mode {@value #APP_TOKEN_KEY},
     * {@value #SOCKET_MODE_KEY}, {@value #SOCKET_MODE_BACKOFF_KEY} and
     * {@value #SOCKET_MODE_MAX_BACKOFF_KEY}, and for the OAuth install {@value #CLIENT_ID_KEY},
     * {@value #CLIENT_SECRET_KEY}, {@value #OAUTH_REDIRECT_URI_KEY}, {@value #OAUTH_SCOPES_KEY},
     * {@value #OAUTH_USER_SCOPES_KEY}, {@value #OAUTH_AUTHORIZE_URL_KEY},
     * {@value #OAUTH_SUCCESS_URL_KEY} and {@value #OAUTH_STATE_LIFETIME_KEY}.
     *
     * @return the keys
     */
    @Override
    public Set<String> configKeys() {
        return Set.of(SIGNING_SECRET_KEY, PREVIOUS_SIGNING_SECRET_KEY, SLASH_COMMAND_ACK_KEY,
                API_URL_KEY, REQUEST_TIMEOUT_KEY, RESPONSE_URL_PREFIXES_KEY, APP_TOKEN_KEY,
                SOCKET_MODE_KEY, SOCKET_MODE_BACKOFF_KEY, SOCKET_MODE_MAX_BACKOFF_KEY,
                CLIENT_ID_KEY, CLIENT_SECRET_KEY, OAUTH_REDIRECT_URI_KEY, OAUTH_SCOPES_KEY,
                OAUTH_USER_SCOPES_KEY, OAUTH_AUTHORIZE_URL_KEY, OAUTH_SUCCESS_URL_KEY,
                OAUTH_STATE_LIFETIME_KEY);
    }

    /**
     * Starts taking webhooks, verified with the signing secret and the engine's clock, and
     * with an app-level token starts Socket Mode, which connects in the background.
     *
     * @param context the service's dependencies and configuration
     * @throws RecipeException if no signing secret was given by hand or configured (Socket
     *     Mode alone needs none), or a Web API or Socket Mode setting is not valid
     * @throws IllegalStateException if the service was started before
     */
    @Override
    public synchronized void start(ServiceContext context) {
        if (events != null) {
            throw new IllegalStateException("service '" + ID + "': already started; give each "
                    + "engine its own SlackService");
        }
        Optional<Secret> appToken = appToken(context);
        List<Secret> secrets = new ArrayList<>(2);
        secrets.add(appToken.isPresent() && signingSecret == null
                && context.secret(SIGNING_SECRET_KEY).isEmpty()
                ? unguessableSecret() : signingSecret(context));
        context.secret(PREVIOUS_SIGNING_SECRET_KEY).ifPresent(previous -> {
            LOG.info("Slack service also accepts the previous signing secret from config "
                    + "'{}.{}'", ID, PREVIOUS_SIGNING_SECRET_KEY);
            secrets.add(previous);
        });
        SlackSignature signature = SlackSignature.of(secrets)
                .withClock(context.clock())
                .withWindow(REPLAY_WINDOW);
        SlackWebApi api = SlackWebApi.from(context);
        Optional<SlackOAuthSettings> oauthSettings = SlackOAuthSettings.from(context);
        tokens = new SlackTokens(context, api, oauthSettings.orElse(null));
        oauthSettings.ifPresent(settings -> {
            install = new SlackInstall(context, settings, api);
            LOG.info("Slack OAuth install offered at {}, returning to '{}'",
                    SlackInstall.START_PATH, settings.redirectUri());
        });
        webApi = api;
        events = new EventsApiHandler(context, signature);
        if (appToken.isPresent()) {
            socketMode = new SocketMode(context, appToken.get(), webApi.apiUrl(),
                    events, backoff(context, SOCKET_MODE_BACKOFF_KEY, SocketMode.DEFAULT_BACKOFF),
                    backoff(context, SOCKET_MODE_MAX_BACKOFF_KEY, SocketMode.DEFAULT_MAX_BACKOFF));
            socketMode.start();
        }
    }

    /** Stops Socket Mode, if it runs, closing its connection. */
    @Override
    public void close() {
        SocketMode running = socketMode;
        if (running != null) {
            running.close();
        }
    }

    // The app-level token when Socket Mode is on.
    private static Optional<Secret> appToken(ServiceContext context) {
        Optional<Secret> token = context.secret(APP_TOKEN_KEY);
        String mode = context.config(SOCKET_MODE_KEY).map(String::strip)
                .orElse(token.isPresent() ? "true" : "false");
        if (mode.equalsIgnoreCase("false")) {
            return Optional.empty();
        }
        if (!mode.equalsIgnoreCase("true")) {
            throw new RecipeException("config '" + ID + "." + SOCKET_MODE_KEY + "': '" + mode
                    + "' is neither true nor false");
        }
        if (token.isEmpty()) {
            throw new RecipeException("config '" + ID + "." + SOCKET_MODE_KEY + "' is true but "
                    + "'" + ID + "." + APP_TOKEN_KEY + "' is not set; give it the Slack app's "
                    + "app-level token (xapp-...) with scope connections:write");
        }
        if (!token.get().reveal().startsWith("xapp-")) {
            LOG.warn("Config '{}.{}' does not start with 'xapp-': Socket Mode needs an "
                    + "app-level token, not a bot or user token", ID, APP_TOKEN_KEY);
        }
        return token;
    }

    private static Duration backoff(ServiceContext context, String key, Duration fallback) {
        return context.config(key).map(value -> SocketMode.duration(key, value))
                .orElse(fallback);
    }

    // With Socket Mode and no signing secret, no HTTP request can verify.
    private static Secret unguessableSecret() {
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        LOG.info("Slack service runs Socket Mode without a signing secret; HTTP requests to "
                + "/hooks/{} are refused with 401", ID);
        return Secret.of(HexFormat.of().formatHex(random));
    }

    /**
     * Returns the actions: {@code post-message}, {@code update-message}, {@code add-reaction}
     * and {@code respond}, described in docs/slack.md and built for recipes with
     * {@link Slack#postMessage(String)}.
     *
     * @return the actions
     */
    @Override
    public List<Action> actions() {
        return actions;
    }

    private SlackTokens tokens() {
        SlackTokens started = tokens;
        if (started == null) {
            throw ActionException.permanent("service '" + ID + "': not started; run actions "
                    + "through a started RecipeEngine", null);
        }
        return started;
    }

    /**
     * Returns the handler of the OAuth v2 install's pages, {@code GET /oauth/slack/start} and
     * {@code GET /oauth/slack/callback}; they answer 404 unless {@value #CLIENT_ID_KEY} is
     * configured.
     *
     * @return the handler
     */
    @Override
    public Optional<WebhookHandler> oauth() {
        return Optional.of(oauth);
    }

    private WebhookResponse handleOAuth(WebhookRequest request) {
        if (events == null) {
            return WebhookResponse.text(503, "service '" + ID + "': not started")
                    .withHeader("Retry-After", "1");
        }
        SlackInstall offered = install;
        if (offered == null) {
            return WebhookResponse.text(404, "service '" + ID + "': the OAuth install is off; "
                    + "set config '" + ID + "." + CLIENT_ID_KEY + "' and the keys it needs");
        }
        return offered.handle(request);
    }

    private SlackWebApi webApi() {
        SlackWebApi started = webApi;
        if (started == null) {
            throw ActionException.permanent("service '" + ID + "': not started; run actions "
                    + "through a started RecipeEngine", null);
        }
        return started;
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
