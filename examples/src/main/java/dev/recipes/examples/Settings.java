package dev.recipes.examples;

import dev.recipes.core.RecipeException;
import dev.recipes.core.Secret;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The settings of the Slack-to-Sheets app, read from environment variables.
 *
 * @param host the address the webhook server binds, {@code RECIPE_HTTP_HOST}
 * @param port the webhook server's port, {@code RECIPE_HTTP_PORT}; 0 picks a free one
 * @param signingSecret the Slack app's signing secret, {@code SLACK_SIGNING_SECRET}
 * @param keyFile the service account's JSON key file, {@code GOOGLE_SERVICE_ACCOUNT_JSON}
 * @param sheetsApiUrl the Sheets API base URL, {@code GOOGLE_SHEETS_API_URL}, or null for Google's
 * @param tokenUrl the OAuth token URL, {@code GOOGLE_TOKEN_URL}, or null for the key file's
 * @param spreadsheetId the spreadsheet to append to, {@code SHEET_ID}
 * @param range the sheet and columns to append to, {@code SHEET_RANGE}
 * @param keyColumn the column that holds each row's idempotency key, {@code SHEET_KEY_COLUMN},
 *     or null for none
 * @param redis where the app shares its work with other copies of it, or null to run alone on
 *     the in-memory bus
 */
public record Settings(String host, int port, Secret signingSecret, Path keyFile,
        String sheetsApiUrl, String tokenUrl, String spreadsheetId, String range,
        String keyColumn, Redis redis) {

    /** The environment variables the app reads. */
    public static final List<String> VARIABLES = List.of("RECIPE_HTTP_HOST", "RECIPE_HTTP_PORT",
            "SLACK_SIGNING_SECRET", "GOOGLE_SERVICE_ACCOUNT_JSON", "GOOGLE_SHEETS_API_URL",
            "GOOGLE_TOKEN_URL", "SHEET_ID", "SHEET_RANGE", "SHEET_KEY_COLUMN", "RECIPE_REDIS_URL",
            "RECIPE_REDIS_PREFIX", "RECIPE_REDIS_CLAIM_IDLE", "RECIPE_ACTION_LEASE");

    /**
     * How copies of the app share one Redis: its bus, idempotency store and leases.
     *
     * @param url the server, {@code RECIPE_REDIS_URL}, such as {@code redis://127.0.0.1:6379}
     * @param prefix what the app's keys start with, {@code RECIPE_REDIS_PREFIX}, or null for the
     *     backend's default
     * @param claimIdle how long a message stays unacknowledged before another copy takes it
     *     over, {@code RECIPE_REDIS_CLAIM_IDLE}, or null for the bus's default
     * @param actionLease how long an action attempt holds its key before another copy may take
     *     it over, {@code RECIPE_ACTION_LEASE}, or null for the engine's default
     */
    public record Redis(URI url, String prefix, Duration claimIdle, Duration actionLease) {

        /** Validates. */
        public Redis {
            Objects.requireNonNull(url, "url");
        }

        @Override
        public String toString() {
            return "Redis[" + url.getHost() + ":" + url.getPort()
                    + (prefix == null ? "" : ", prefix " + prefix) + "]";
        }
    }

    private static final List<String> REQUIRED =
            List.of("SLACK_SIGNING_SECRET", "GOOGLE_SERVICE_ACCOUNT_JSON", "SHEET_ID");

    /** The range rows go to unless {@code SHEET_RANGE} names another. */
    public static final String DEFAULT_RANGE = "Sheet1!A:D";

    /** Validates. */
    public Settings {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(signingSecret, "signingSecret");
        Objects.requireNonNull(keyFile, "keyFile");
        Objects.requireNonNull(spreadsheetId, "spreadsheetId");
        Objects.requireNonNull(range, "range");
        if (port < 0 || port > 65_535) {
            throw new RecipeException("RECIPE_HTTP_PORT: " + port + " is not a port number");
        }
    }

    /**
     * Reads the settings from environment variables.
     *
     * @param env the environment, such as {@code System.getenv()}
     * @return the settings, or empty if none of the app's variables is set (the demo then runs)
     * @throws RecipeException if some are set but a required one is missing or one is malformed
     */
    public static Optional<Settings> fromEnvironment(Map<String, String> env) {
        if (VARIABLES.stream().noneMatch(name -> isSet(env, name))) {
            return Optional.empty();
        }
        List<String> missing = new ArrayList<>();
        for (String name : REQUIRED) {
            if (!isSet(env, name)) {
                missing.add(name);
            }
        }
        if (!missing.isEmpty()) {
            throw new RecipeException("settings: " + String.join(", ", missing)
                    + (missing.size() == 1 ? " is" : " are") + " not set; with none of "
                    + VARIABLES + " set the app runs its demo instead");
        }
        return Optional.of(new Settings(
                value(env, "RECIPE_HTTP_HOST", "0.0.0.0"),
                port(value(env, "RECIPE_HTTP_PORT", "8080")),
                Secret.of(env.get("SLACK_SIGNING_SECRET").strip()),
                Path.of(env.get("GOOGLE_SERVICE_ACCOUNT_JSON").strip()),
                value(env, "GOOGLE_SHEETS_API_URL", null),
                value(env, "GOOGLE_TOKEN_URL", null),
                env.get("SHEET_ID").strip(),
                value(env, "SHEET_RANGE", DEFAULT_RANGE),
                value(env, "SHEET_KEY_COLUMN", null),
                redis(env)));
    }

    private static Redis redis(Map<String, String> env) {
        String url = value(env, "RECIPE_REDIS_URL", null);
        if (url == null) {
            for (String name : List.of("RECIPE_REDIS_PREFIX", "RECIPE_REDIS_CLAIM_IDLE",
                    "RECIPE_ACTION_LEASE")) {
                if (isSet(env, name)) {
                    throw new RecipeException("settings: " + name + " is set but "
                            + "RECIPE_REDIS_URL is not; it applies only to copies that share "
                            + "a Redis");
                }
            }
            return null;
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new RecipeException("RECIPE_REDIS_URL: not a URL, such as "
                    + "redis://127.0.0.1:6379");
        }
        if (!"redis".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new RecipeException("RECIPE_REDIS_URL: expected redis://host:port, got scheme '"
                    + uri.getScheme() + "'" + (uri.getHost() == null ? " and no host" : ""));
        }
        return new Redis(uri, value(env, "RECIPE_REDIS_PREFIX", null),
                duration(env, "RECIPE_REDIS_CLAIM_IDLE"), duration(env, "RECIPE_ACTION_LEASE"));
    }

    // ISO-8601 (PT30S) or a whole number of seconds.
    private static Duration duration(Map<String, String> env, String name) {
        String text = value(env, name, null);
        if (text == null) {
            return null;
        }
        try {
            Duration duration = text.chars().allMatch(Character::isDigit)
                    ? Duration.ofSeconds(Long.parseLong(text)) : Duration.parse(text);
            if (duration.isNegative() || duration.isZero()) {
                throw new RecipeException(name + ": '" + text + "' must be positive");
            }
            return duration;
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new RecipeException(name + ": '" + text + "' is not a duration; give seconds "
                    + "(30) or ISO-8601 (PT30S)", e);
        }
    }

    private static boolean isSet(Map<String, String> env, String name) {
        String value = env.get(name);
        return value != null && !value.isBlank();
    }

    private static String value(Map<String, String> env, String name, String fallback) {
        return isSet(env, name) ? env.get(name).strip() : fallback;
    }

    private static int port(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new RecipeException("RECIPE_HTTP_PORT: '" + text + "' is not a port number", e);
        }
    }

    @Override
    public String toString() {
        return "Settings[" + host + ":" + port + ", sheet " + spreadsheetId + " " + range
                + (keyColumn == null ? "" : ", key column " + keyColumn)
                + ", key file " + keyFile + ", signing secret " + signingSecret
                + (redis == null ? "" : ", " + redis) + "]";
    }
}
