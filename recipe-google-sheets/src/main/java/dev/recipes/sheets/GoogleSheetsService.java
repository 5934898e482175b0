package dev.recipes.sheets;

import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.Service;
import dev.recipes.core.spi.ServiceContext;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Google Sheets service, id {@value #ID}: the {@code append-row} action, run as a service
 * account.
 *
 * <p>The engine finds it through {@link java.util.ServiceLoader}. Its configuration, given to
 * the engine as {@code google-sheets.<key>}:
 * <ul>
 *   <li>{@code api-url}: the Sheets API, {@code https://sheets.googleapis.com} by default;</li>
 *   <li>{@code token-url}: the OAuth 2.0 token endpoint; by default the {@code token_uri} of
 *       each key file, else {@code https://oauth2.googleapis.com/token};</li>
 *   <li>{@code request-timeout}: how long one HTTP request may take, as an ISO-8601 duration
 *       or in seconds; {@code PT30S} by default.</li>
 * </ul>
 *
 * <p>Actions run as a connection of this service holding a service-account key; build it with
 * {@link GoogleSheets#serviceAccount(String, java.nio.file.Path)}. Access tokens are cached
 * per connection until a minute before they expire. One instance serves one engine; it is
 * thread-safe once started.
 */
public final class GoogleSheetsService implements Service {

    /** The service's id. */
    public static final String ID = "google-sheets";

    private static final Logger LOG = LoggerFactory.getLogger(GoogleSheetsService.class);

    private final AppendRowAction appendRow = new AppendRowAction(this::wiring);
    private volatile AppendRowAction.Wiring wiring;

    /** Creates the service; it does nothing until the engine starts it. */
    public GoogleSheetsService() {
    }

    @Override
    public String id() {
        return ID;
    }

    /**
     * Returns the keys the service reads: {@code api-url}, {@code token-url} and
     * {@code request-timeout}.
     *
     * @return the keys
     */
    @Override
    public Set<String> configKeys() {
        return Set.of("api-url", "token-url", "request-timeout");
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
        TokenSource tokens = new TokenSource(http, context.clock(), settings, context.json());
        warnIfPlain(settings);
        wiring = new AppendRowAction.Wiring(settings, http, tokens, context.json());
        LOG.info("Google Sheets service started: API '{}', token endpoint '{}', request "
                + "timeout {}", settings.apiUrl(), settings.tokenUrl() == null
                ? "from each key file" : settings.tokenUrl(), settings.requestTimeout());
    }

    @Override
    public List<Action> actions() {
        return List.of(appendRow);
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
