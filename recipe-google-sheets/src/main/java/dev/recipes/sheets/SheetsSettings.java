package dev.recipes.sheets;

import dev.recipes.core.RecipeException;
import dev.recipes.core.spi.ServiceContext;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.format.DateTimeParseException;

/**
 * The service's configuration, read from the engine's {@code google-sheets.*} settings and
 * checked when the service starts.
 *
 * @param apiUrl the Sheets API's base URL, without a trailing '/'
 * @param tokenUrl the token endpoint set in the configuration, or {@code null} to use each key
 *     file's {@code token_uri}
 * @param requestTimeout how long one HTTP request may take
 * @param time how timestamp cells are written ({@code time-zone}, {@code date-time-pattern},
 *     {@code locale})
 */
record SheetsSettings(URI apiUrl, URI tokenUrl, Duration requestTimeout, TimeFormat time) {

    /** Google's Sheets API. */
    static final URI DEFAULT_API_URL = URI.create("https://sheets.googleapis.com");

    /** Google's OAuth 2.0 token endpoint. */
    static final URI DEFAULT_TOKEN_URL = URI.create("https://oauth2.googleapis.com/token");

    /** How long one request may take unless configured. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);

    /**
     * Settings that write timestamps as they come.
     *
     * @param apiUrl the Sheets API's base URL, without a trailing '/'
     * @param tokenUrl the configured token endpoint, or {@code null}
     * @param requestTimeout how long one HTTP request may take
     */
    SheetsSettings(URI apiUrl, URI tokenUrl, Duration requestTimeout) {
        this(apiUrl, tokenUrl, requestTimeout, TimeFormat.ISO);
    }

    /**
     * Reads and checks the configuration.
     *
     * @param context the service's context
     * @return the settings
     * @throws RecipeException if a URL, the timeout, the time zone, the date-time pattern or
     *     the locale is not valid
     */
    static SheetsSettings from(ServiceContext context) {
        URI api = context.config("api-url").map(value -> url("api-url", value))
                .orElse(DEFAULT_API_URL);
        URI token = context.config("token-url").map(value -> url("token-url", value))
                .orElse(null);
        Duration timeout = context.config("request-timeout").map(SheetsSettings::timeout)
                .orElse(DEFAULT_TIMEOUT);
        return new SheetsSettings(api, token, timeout, TimeFormat.from(context));
    }

    /**
     * Returns the token endpoint for a key: the configured one, else the key file's
     * {@code token_uri}, else Google's.
     *
     * @param key the service account's key
     * @return the URL, which is also the JWT's audience
     */
    URI tokenUrlFor(ServiceAccountKey key) {
        if (tokenUrl != null) {
            return tokenUrl;
        }
        return key.tokenUri() != null ? key.tokenUri() : DEFAULT_TOKEN_URL;
    }

    /**
     * Tells whether a URL sends tokens in the clear to another host.
     *
     * @param url a URL
     * @return {@code true} for plain http to a host that is not the loopback address
     */
    static boolean isPlainRemote(URI url) {
        if (!"http".equals(url.getScheme())) {
            return false;
        }
        String host = url.getHost();
        if ("localhost".equalsIgnoreCase(host)) {
            return false;
        }
        boolean literal = host.startsWith("[") || host.matches("[0-9.]+");
        if (!literal) {
            return true;
        }
        try {
            // A literal address is parsed, not looked up.
            return !InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return true;
        }
    }

    private static URI url(String key, String value) {
        String text = value.strip();
        while (text.endsWith("/")) {
            text = text.substring(0, text.length() - 1);
        }
        try {
            URI uri = new URI(text);
            if (("https".equals(uri.getScheme()) || "http".equals(uri.getScheme()))
                    && uri.getHost() != null && uri.getRawQuery() == null
                    && uri.getRawFragment() == null && uri.getRawUserInfo() == null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // reported below
        }
        throw new RecipeException("config 'google-sheets." + key + "': '" + value
                + "' is not an http(s) URL with a host and no query, such as '"
                + ("api-url".equals(key) ? DEFAULT_API_URL : DEFAULT_TOKEN_URL) + "'");
    }

    private static Duration timeout(String value) {
        Duration timeout;
        try {
            String text = value.strip();
            timeout = text.chars().allMatch(Character::isDigit) && !text.isEmpty()
                    ? Duration.ofSeconds(Long.parseLong(text)) : Duration.parse(text);
        } catch (DateTimeParseException | NumberFormatException e) {
            timeout = null;
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()
                || timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new RecipeException("config 'google-sheets.request-timeout': '" + value
                    + "' is not a duration between 0 and 10 minutes, such as 'PT30S' or '30' "
                    + "(seconds)");
        }
        return timeout;
    }
}
