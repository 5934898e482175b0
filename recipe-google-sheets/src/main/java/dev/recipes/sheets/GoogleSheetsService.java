package dev.recipes.sheets;

import dev.recipes.core.polling.PollSource;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.Service;
import dev.recipes.core.spi.ServiceContext;
import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Google Sheets service, id {@value #ID}: the actions {@code append-row},
 * {@code append-rows}, {@code update-range}, {@code lookup-rows} and {@code upsert-row}, and the
 * polling triggers of {@link GoogleSheets#newRow(String, String)} and
 * {@link GoogleSheets#rowChanged(String, String, String)}, run as a service account or as a
 * Google user.
 *
 * <p>The engine finds it through {@link java.util.ServiceLoader}. Its configuration, given to
 * the engine as {@code google-sheets.<key>}:
 * <ul>
 *   <li>{@code api-url}: the Sheets API, {@code https://sheets.googleapis.com} by default;</li>
 *   <li>{@code token-url}: the OAuth 2.0 token endpoint; by default the {@code token_uri} of
 *       each key file, else {@code https://oauth2.googleapis.com/token};</li>
 *   <li>{@code request-timeout}: how long one HTTP request may take, as an ISO-8601 duration
 *       or in seconds; {@code PT30S} by default;</li>
 *   <li>{@code coalesce-delay}: how long the first of several {@code append-row} rows for the
 *       same place waits for others to go with it in one request, as an ISO-8601 duration or
 *       in milliseconds, up to 10 seconds, such as {@code PT0.25S}; {@code 0}, each row
 *       alone, by default;</li>
 *   <li>{@code coalesce-max-rows}: the most rows of such a request, 1 to 10,000; 500 by
 *       default;</li>
 *   <li>{@code time-zone}, {@code date-time-pattern} and {@code locale}: how timestamp cells
 *       are written (an IANA zone, a {@link java.time.format.DateTimeFormatter} pattern, a
 *       BCP 47 tag used only with a pattern); as given, in ISO 8601, by default.</li>
 * </ul>
 *
 * <p>User OAuth, for actions that run as a Google user, is on when {@code client-id} is set:
 * <ul>
 *   <li>{@code client-id} and {@code client-secret}: the OAuth client (a "Web application"
 *       client of the Google Cloud console); with them the service refreshes the access tokens
 *       of user connections at {@code token-url};</li>
 *   <li>{@code oauth-redirect-uri}: the public URL of {@code /oauth/google-sheets/callback},
 *       listed among the client's authorized redirect URIs; with it the service offers the
 *       consent page {@code GET /oauth/google-sheets/start?connection=<id>}, which stores the
 *       user's refresh token as connection {@code <id>} ({@code default} if not given);</li>
 *   <li>{@code oauth-scopes}: the scopes asked for, separated by spaces;
 *       {@code https://www.googleapis.com/auth/spreadsheets} by default (add {@code openid
 *       email} to record the user's email);</li>
 *   <li>{@code oauth-authorize-url}: Google's authorize page,
 *       {@code https://accounts.google.com/o/oauth2/v2/auth} by default;</li>
 *   <li>{@code oauth-state-lifetime}: how long a consent may take, 1 minute to 1 hour;
 *       {@code PT10M} by default.</li>
 * </ul>
 *
 * <p>Actions run as a connection of this service holding a service-account key, built with
 * {@link GoogleSheets#serviceAccount(String, java.nio.file.Path)}, or as a user connection
 * stored by the consent page. When Google refuses a user's refresh token
 * ({@code invalid_grant}), the connection is marked {@code needs-consent} and its actions fail
 * at once, without calling Google, until the user consents again. Access tokens are cached
 * per connection until a minute before they expire. One instance serves one engine; it is
 * thread-safe once started.
 */
public final class GoogleSheetsService implements Service {

    /** The service's id. */
    public static final String ID = "google-sheets";

    private static final Logger LOG = LoggerFactory.getLogger(GoogleSheetsService.class);

    private final AppendRowAction appendRow = new AppendRowAction(this::wiring);
    private final AppendRowsAction appendRows = new AppendRowsAction(this::wiring);
    private final UpdateRangeAction updateRange = new UpdateRangeAction(this::wiring);
    private final LookupRowsAction lookupRows = new LookupRowsAction(this::wiring);
    private final UpsertRowAction upsertRow = new UpsertRowAction(this::wiring);
    private final SheetPollSource rowPolls = new SheetPollSource(this::wiring);
    private volatile AppendRowAction.Wiring wiring;
    private volatile GoogleInstall install;
    private final WebhookHandler oauth = this::handleOAuth;

    /** Creates the service; it does nothing until the engine starts it. */
    public GoogleSheetsService() {
    }

    @Override
    public String id() {
        return ID;
    }

    /**
     * Returns the keys the service reads: {@code api-url}, {@code token-url} and
     * {@code request-timeout}, and for user OAuth {@code client-id}, {@code client-secret},
     * {@code oauth-redirect-uri}, {@code oauth-scopes}, {@code oauth-authorize-url} and
     * {@code oauth-state-lifetime}, {@code coalesce-delay} and {@code coalesce-max-rows}, and
     * for timestamps {@code time-zone}, {@code date-time-pattern} and {@code locale}.
     *
     * @return the keys
     */
    @Override
    public Set<String> configKeys() {
        Set<String> keys = new HashSet<>(Set.of("api-url", "token-url", "request-timeout"));
        keys.addAll(GoogleOAuthSettings.KEYS);
        keys.addAll(Set.of(AppendCoalescer.DELAY_KEY, AppendCoalescer.MAX_ROWS_KEY));
        keys.addAll(TimeFormat.KEYS);
        return Set.copyOf(keys);
    }

    /**
     * Reads and checks the configuration.
     *
     * @param context the service's context
     * @throws dev.recipes.core.RecipeException if a URL or the timeout is not valid
     * @throws IllegalStateException if the service was started before
     */
    @Override
    public synchronized void start(ServiceContext context) {
        if (wiring != null) {
            throw new IllegalStateException("service 'google-sheets': already started; "
                    + "create one GoogleSheetsService per engine");
        }
        SheetsSettings settings = SheetsSettings.from(context);
        ApiHttp http = new ApiHttp(context.httpClient(), context.clock());
        Optional<GoogleOAuthSettings> oauthSettings = GoogleOAuthSettings.from(context, settings);
        UserTokens users = new UserTokens(context.connections(), context.clock(),
                context.instanceId(), http, context.json(), settings, oauthSettings.orElse(null));
        TokenSource tokens = new TokenSource(http, context.clock(), settings, context.json(),
                users);
        oauthSettings.filter(oauthOn -> oauthOn.redirectUri() != null).ifPresent(oauthOn -> {
            install = new GoogleInstall(context, oauthOn, http, settings);
            LOG.info("Google Sheets user consent offered at {}, returning to '{}'",
                    GoogleInstall.START_PATH, oauthOn.redirectUri());
        });
        warnIfPlain(settings);
        appendRow.coalesce(AppendCoalescer.from(context));
        wiring = new AppendRowAction.Wiring(settings, http, tokens, context.json());
        LOG.info("Google Sheets service started: API '{}', token endpoint '{}', request "
                + "timeout {}", settings.apiUrl(), settings.tokenUrl() == null
                ? "from each key file" : settings.tokenUrl(), settings.requestTimeout());
    }

    /**
     * Returns what the engine polls for {@link GoogleSheets#newRow(String, String)} and
     * {@link GoogleSheets#rowChanged(String, String, String)}: a {@code spreadsheets.values.get}
     * of the trigger's range.
     *
     * @return the poll source
     */
    @Override
    public Optional<PollSource> pollSource() {
        return Optional.of(rowPolls);
    }

    @Override
    public List<Action> actions() {
        return List.of(appendRow, appendRows, updateRange, lookupRows, upsertRow);
    }

    /**
     * Returns the handler of the consent pages, {@code GET /oauth/google-sheets/start} and
     * {@code GET /oauth/google-sheets/callback}; they answer 404 unless {@code client-id} and
     * {@code oauth-redirect-uri} are configured.
     *
     * @return the handler
     */
    @Override
    public Optional<WebhookHandler> oauth() {
        return Optional.of(oauth);
    }

    private WebhookResponse handleOAuth(WebhookRequest request) {
        if (wiring == null) {
            return WebhookResponse.text(503, "service '" + ID + "': not started")
                    .withHeader("Retry-After", "1");
        }
        GoogleInstall offered = install;
        if (offered == null) {
            return WebhookResponse.text(404, "service '" + ID + "': user consent is off; set "
                    + "config '" + ID + ".client-id', '" + ID + ".client-secret' and '" + ID
                    + ".oauth-redirect-uri'");
        }
        return offered.handle(request);
    }

    private AppendRowAction.Wiring wiring() {
        AppendRowAction.Wiring started = wiring;
        if (started == null) {
            throw ActionException.permanent("service 'google-sheets': not started; run "
                    + "actions through a started RecipeEngine", null);
        }
        return started;
    }

    private static void warnIfPlain(SheetsSettings settings) {
        if (SheetsSettings.isPlainRemote(settings.apiUrl())) {
            LOG.warn("Config 'google-sheets.api-url' '{}' is plain http to another host: "
                    + "access tokens would travel unencrypted; use https", settings.apiUrl());
        }
        if (settings.tokenUrl() != null && SheetsSettings.isPlainRemote(settings.tokenUrl())) {
            LOG.warn("Config 'google-sheets.token-url' '{}' is plain http to another host: "
                    + "tokens would travel unencrypted; use https", settings.tokenUrl());
        }
    }

    @Override
    public String toString() {
        return "GoogleSheetsService[" + (wiring == null ? "new" : "started") + "]";
    }
}
