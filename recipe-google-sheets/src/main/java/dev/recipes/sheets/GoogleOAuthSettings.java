package dev.recipes.sheets;

import dev.recipes.core.RecipeException;
import dev.recipes.core.Secret;
import dev.recipes.core.spi.ServiceContext;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The settings of user OAuth, read from the engine configuration when the service starts:
 * present only when {@code google-sheets.client-id} is set.
 *
 * <p>The client id and secret alone let the service refresh the access tokens of user
 * connections; the redirect URI adds the consent pages under {@code /oauth/google-sheets/}.
 *
 * @param clientId the OAuth client's id
 * @param clientSecret the OAuth client's secret
 * @param redirectUri the public URL of {@code /oauth/google-sheets/callback}, or {@code null}
 *     when the consent pages are off
 * @param scopes the scopes to ask for, separated by spaces
 * @param authorizeUrl Google's authorize page
 * @param tokenUrl the token endpoint for the code exchange and refreshes
 * @param stateLifetime how long a consent may take from start to callback
 */
record GoogleOAuthSettings(String clientId, Secret clientSecret, URI redirectUri, String scopes,
        URI authorizeUrl, URI tokenUrl, Duration stateLifetime) {

    /** The key of the OAuth client's id. */
    static final String CLIENT_ID_KEY = "client-id";
    /** The key of the OAuth client's secret. */
    static final String CLIENT_SECRET_KEY = "client-secret";
    /** The key of the public URL of the callback page. */
    static final String REDIRECT_URI_KEY = "oauth-redirect-uri";
    /** The key of the scopes to ask for. */
    static final String SCOPES_KEY = "oauth-scopes";
    /** The key of Google's authorize page. */
    static final String AUTHORIZE_URL_KEY = "oauth-authorize-url";
    /** The key of how long a consent may take. */
    static final String STATE_LIFETIME_KEY = "oauth-state-lifetime";
    /** The keys above. */
    static final Set<String> KEYS = Set.of(CLIENT_ID_KEY, CLIENT_SECRET_KEY, REDIRECT_URI_KEY,
            SCOPES_KEY, AUTHORIZE_URL_KEY, STATE_LIFETIME_KEY);

    static final String DEFAULT_AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth";
    static final String DEFAULT_SCOPES = "https://www.googleapis.com/auth/spreadsheets";
    static final Duration DEFAULT_STATE_LIFETIME = Duration.ofMinutes(10);
    static final String CALLBACK_PATH = "/oauth/google-sheets/callback";

    private static final Pattern SCOPE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}");
    private static final Pattern CLIENT_ID = Pattern.compile("[0-9A-Za-z._-]{1,200}");

    /**
     * Reads the settings.
     *
     * @param context the service's context
     * @param sheets the service's other settings, for the token endpoint
     * @return the settings, or empty if {@code google-sheets.client-id} is not set
     * @throws RecipeException if user OAuth is configured only in part, or a value is bad
     */
    static Optional<GoogleOAuthSettings> from(ServiceContext context, SheetsSettings sheets) {
        Optional<String> clientId = context.config(CLIENT_ID_KEY).map(String::strip)
                .filter(id -> !id.isEmpty());
        if (clientId.isEmpty()) {
            for (String key : List.of(CLIENT_SECRET_KEY, REDIRECT_URI_KEY, SCOPES_KEY,
                    AUTHORIZE_URL_KEY, STATE_LIFETIME_KEY)) {
                if (context.config(key).isPresent()) {
                    throw new RecipeException("config '" + qualified(key) + "' is set but '"
                            + qualified(CLIENT_ID_KEY) + "' is not; user OAuth needs the "
                            + "OAuth client's id too");
                }
            }
            return Optional.empty();
        }
        if (!CLIENT_ID.matcher(clientId.get()).matches()) {
            throw new RecipeException("config '" + qualified(CLIENT_ID_KEY) + "' is not an "
                    + "OAuth client id (such as 1234-abc.apps.googleusercontent.com)");
        }
        Secret secret = context.secret(CLIENT_SECRET_KEY).orElseThrow(() -> new RecipeException(
                "config '" + qualified(CLIENT_ID_KEY) + "' is set, so user OAuth is on, but '"
                        + qualified(CLIENT_SECRET_KEY) + "' is not; give it the OAuth client's "
                        + "secret from the Google Cloud console"));
        URI redirect = context.config(REDIRECT_URI_KEY).filter(value -> !value.isBlank())
                .map(value -> url(value, REDIRECT_URI_KEY)).orElse(null);
        if (redirect != null && (!redirect.getRawPath().endsWith(CALLBACK_PATH)
                || redirect.getRawQuery() != null)) {
            throw new RecipeException("config '" + qualified(REDIRECT_URI_KEY) + "': '"
                    + redirect + "' does not end with " + CALLBACK_PATH + ", where this "
                    + "service takes the callback");
        }
        String scopes = scopes(context.config(SCOPES_KEY).orElse(DEFAULT_SCOPES));
        URI authorize = url(context.config(AUTHORIZE_URL_KEY).orElse(DEFAULT_AUTHORIZE_URL),
                AUTHORIZE_URL_KEY);
        URI token = sheets.tokenUrl() != null ? sheets.tokenUrl()
                : SheetsSettings.DEFAULT_TOKEN_URL;
        Duration lifetime = context.config(STATE_LIFETIME_KEY)
                .map(GoogleOAuthSettings::lifetime).orElse(DEFAULT_STATE_LIFETIME);
        return Optional.of(new GoogleOAuthSettings(clientId.get(), secret, redirect, scopes,
                authorize, token, lifetime));
    }

    /**
     * Returns the consent page for a connection, to name in error messages.
     *
     * @param connectionId the connection
     * @return the full URL when the redirect URI is known, else the path
     */
    String startUrl(String connectionId) {
        String path = GoogleInstall.START_PATH + "?connection=" + connectionId;
        if (redirectUri == null) {
            return path;
        }
        String callback = redirectUri.toString();
        return callback.substring(0, callback.length() - CALLBACK_PATH.length()) + path;
    }

    /**
     * Lists the scopes asked for.
     *
     * @return the scopes, in order
     */
    List<String> scopeList() {
        return List.of(scopes.split(" "));
    }

    private static String qualified(String key) {
        return GoogleSheetsService.ID + "." + key;
    }

    // https everywhere, or plain http on a loopback host for development and tests.
    private static URI url(String value, String key) {
        URI uri;
        try {
            uri = new URI(value.strip());
        } catch (URISyntaxException e) {
            throw new RecipeException("config '" + qualified(key) + "': '" + value
                    + "' is not a URL");
        }
        String host = uri.getHost();
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        boolean loopbackHttp = "http".equalsIgnoreCase(uri.getScheme()) && host != null
                && (host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]"));
        if (!(https || loopbackHttp) || host == null || uri.getRawUserInfo() != null
                || uri.getRawFragment() != null || uri.getRawPath() == null) {
            throw new RecipeException("config '" + qualified(key) + "': '" + value + "' is not "
                    + "an https URL (plain http is taken on localhost only), or has user info "
                    + "or a fragment");
        }
        return uri;
    }

    private static String scopes(String value) {
        List<String> scopes = new ArrayList<>();
        for (String scope : value.split("[\\s,]+")) {
            if (scope.isEmpty()) {
                continue;
            }
            if (!SCOPE.matcher(scope).matches()) {
                throw new RecipeException("config '" + qualified(SCOPES_KEY) + "': '" + scope
                        + "' is not an OAuth scope, such as " + DEFAULT_SCOPES);
            }
            if (!scopes.contains(scope)) {
                scopes.add(scope);
            }
        }
        if (scopes.isEmpty()) {
            throw new RecipeException("config '" + qualified(SCOPES_KEY) + "' lists no scope");
        }
        return String.join(" ", scopes);
    }

    private static Duration lifetime(String value) {
        Duration parsed;
        try {
            String trimmed = value.strip();
            parsed = !trimmed.isEmpty() && trimmed.chars().allMatch(Character::isDigit)
                    ? Duration.ofSeconds(Long.parseLong(trimmed)) : Duration.parse(trimmed);
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new RecipeException("config '" + qualified(STATE_LIFETIME_KEY) + "': '"
                    + value + "' is not a duration (ISO 8601, such as PT10M, or seconds)");
        }
        if (parsed.compareTo(Duration.ofMinutes(1)) < 0
                || parsed.compareTo(Duration.ofHours(1)) > 0) {
            throw new RecipeException("config '" + qualified(STATE_LIFETIME_KEY) + "': "
                    + parsed + " is out of range; give 1 minute to 1 hour");
        }
        return parsed;
    }

    @Override
    public String toString() {
        return "GoogleOAuthSettings[client " + clientId + ", redirect " + redirectUri
                + ", scopes " + scopes + "]";
    }
}
