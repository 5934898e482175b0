package dev.recipes.slack;

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
import java.util.regex.Pattern;

/**
 * The settings of the OAuth v2 install, read from the engine configuration when the service
 * starts: present only when {@code slack.client-id} is set.
 *
 * @param clientId the app's client id
 * @param clientSecret the app's client secret
 * @param redirectUri the public URL of {@code /oauth/slack/callback}
 * @param scopes the bot scopes to ask for, comma-separated as Slack takes them
 * @param userScopes the user scopes to ask for, or empty
 * @param authorizeUrl Slack's authorize page
 * @param successUrl where to send the browser after an install, or {@code null} for a page
 * @param stateLifetime how long an install may take from start to callback
 */
record SlackOAuthSettings(String clientId, Secret clientSecret, URI redirectUri, String scopes,
        String userScopes, URI authorizeUrl, URI successUrl, Duration stateLifetime) {

    static final String DEFAULT_AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize";
    static final Duration DEFAULT_STATE_LIFETIME = Duration.ofMinutes(10);

    private static final Pattern SCOPE = Pattern.compile("[a-z][a-z0-9_.:-]{0,99}");
    private static final Pattern CLIENT_ID = Pattern.compile("[0-9A-Za-z._-]{1,100}");

    /**
     * Reads the settings.
     *
     * @param context the service's context
     * @return the settings, or empty if {@code slack.client-id} is not set
     * @throws RecipeException if the install is configured only in part, or a value is bad
     */
    static Optional<SlackOAuthSettings> from(ServiceContext context) {
        Optional<String> clientId = context.config(SlackService.CLIENT_ID_KEY)
                .map(String::strip).filter(id -> !id.isEmpty());
        if (clientId.isEmpty()) {
            for (String key : List.of(SlackService.CLIENT_SECRET_KEY,
                    SlackService.OAUTH_REDIRECT_URI_KEY, SlackService.OAUTH_SCOPES_KEY)) {
                if (context.config(key).isPresent()) {
                    throw new RecipeException("config 'slack." + key + "' is set but 'slack."
                            + SlackService.CLIENT_ID_KEY + "' is not; the OAuth install needs "
                            + "the app's client id too");
                }
            }
            return Optional.empty();
        }
        if (!CLIENT_ID.matcher(clientId.get()).matches()) {
            throw new RecipeException("config 'slack." + SlackService.CLIENT_ID_KEY
                    + "' is not a Slack client id (such as 1234567890.1234567890)");
        }
        Secret secret = context.secret(SlackService.CLIENT_SECRET_KEY).orElseThrow(() ->
                missing(SlackService.CLIENT_SECRET_KEY, "the app's client secret, from its "
                        + "Basic Information page"));
        URI redirect = url(context.config(SlackService.OAUTH_REDIRECT_URI_KEY).orElseThrow(() ->
                missing(SlackService.OAUTH_REDIRECT_URI_KEY, "the public URL of "
                        + "/oauth/slack/callback, as listed in the app's Redirect URLs")),
                SlackService.OAUTH_REDIRECT_URI_KEY);
        if (!redirect.getRawPath().endsWith("/oauth/slack/callback")) {
            throw new RecipeException("config 'slack." + SlackService.OAUTH_REDIRECT_URI_KEY
                    + "': '" + redirect + "' does not end with /oauth/slack/callback, where "
                    + "this service takes the callback");
        }
        String scopes = scopes(context.config(SlackService.OAUTH_SCOPES_KEY).orElseThrow(() ->
                missing(SlackService.OAUTH_SCOPES_KEY, "the bot scopes to ask for, such as "
                        + "chat:write,reactions:write,channels:history")),
                SlackService.OAUTH_SCOPES_KEY);
        String userScopes = context.config(SlackService.OAUTH_USER_SCOPES_KEY)
                .filter(value -> !value.isBlank())
                .map(value -> scopes(value, SlackService.OAUTH_USER_SCOPES_KEY)).orElse("");
        URI authorize = url(context.config(SlackService.OAUTH_AUTHORIZE_URL_KEY)
                .orElse(DEFAULT_AUTHORIZE_URL), SlackService.OAUTH_AUTHORIZE_URL_KEY);
        URI success = context.config(SlackService.OAUTH_SUCCESS_URL_KEY)
                .filter(value -> !value.isBlank())
                .map(value -> url(value, SlackService.OAUTH_SUCCESS_URL_KEY)).orElse(null);
        Duration lifetime = context.config(SlackService.OAUTH_STATE_LIFETIME_KEY)
                .map(SlackOAuthSettings::lifetime).orElse(DEFAULT_STATE_LIFETIME);
        return Optional.of(new SlackOAuthSettings(clientId.get(), secret, redirect, scopes,
                userScopes, authorize, success, lifetime));
    }

    private static RecipeException missing(String key, String what) {
        return new RecipeException("config 'slack." + SlackService.CLIENT_ID_KEY + "' is set, "
                + "so the OAuth install is on, but 'slack." + key + "' is not; give it " + what);
    }

    // https everywhere, or plain http on a loopback host for development and tests.
    private static URI url(String value, String key) {
        URI uri;
        try {
            uri = new URI(value.strip());
        } catch (URISyntaxException e) {
            throw new RecipeException("config 'slack." + key + "': '" + value + "' is not a URL");
        }
        boolean https = "https".equalsIgnoreCase(uri.getScheme());
        boolean loopbackHttp = "http".equalsIgnoreCase(uri.getScheme())
                && SlackWebApi.isLoopback(uri);
        if (!(https || loopbackHttp) || uri.getHost() == null || uri.getRawUserInfo() != null
                || uri.getRawFragment() != null || uri.getRawPath() == null) {
            throw new RecipeException("config 'slack." + key + "': '" + value + "' is not an "
                    + "https URL (plain http is taken on localhost only), or has user info or "
                    + "a fragment");
        }
        return uri;
    }

    private static String scopes(String value, String key) {
        List<String> scopes = new ArrayList<>();
        for (String scope : value.split(",")) {
            String trimmed = scope.strip();
            if (trimmed.isEmpty()) {
                continue;
            }
            if (!SCOPE.matcher(trimmed).matches()) {
                throw new RecipeException("config 'slack." + key + "': '" + trimmed
                        + "' is not a Slack scope, such as chat:write");
            }
            scopes.add(trimmed);
        }
        if (scopes.isEmpty()) {
            throw new RecipeException("config 'slack." + key + "' lists no scope");
        }
        return String.join(",", scopes);
    }

    private static Duration lifetime(String value) {
        String key = "slack." + SlackService.OAUTH_STATE_LIFETIME_KEY;
        Duration parsed;
        try {
            String trimmed = value.strip();
            parsed = !trimmed.isEmpty() && trimmed.chars().allMatch(Character::isDigit)
                    ? Duration.ofSeconds(Long.parseLong(trimmed)) : Duration.parse(trimmed);
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new RecipeException("config '" + key + "': '" + value + "' is not a duration "
                    + "(ISO 8601, such as PT10M, or seconds)");
        }
        if (parsed.compareTo(Duration.ofMinutes(1)) < 0
                || parsed.compareTo(Duration.ofHours(1)) > 0) {
            throw new RecipeException("config '" + key + "': " + parsed + " is out of range; "
                    + "give 1 minute to 1 hour");
        }
        return parsed;
    }

    @Override
    public String toString() {
        return "SlackOAuthSettings[client " + clientId + ", redirect " + redirectUri
                + ", scopes " + scopes + "]";
    }
}
