package dev.recipes.examples;

import dev.recipes.core.RecipeException;
import dev.recipes.core.Secret;
import java.nio.file.Path;
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
 */
public record Settings(String host, int port, Secret signingSecret, Path keyFile,
        String sheetsApiUrl, String tokenUrl, String spreadsheetId, String range) {

    /** The environment variables the app reads. */
    public static final List<String> VARIABLES = List.of("RECIPE_HTTP_HOST", "RECIPE_HTTP_PORT",
            "SLACK_SIGNING_SECRET", "GOOGLE_SERVICE_ACCOUNT_JSON", "GOOGLE_SHEETS_API_URL",
            "GOOGLE_TOKEN_URL", "SHEET_ID", "SHEET_RANGE");

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
                value(env, "SHEET_RANGE", DEFAULT_RANGE)));
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
                + ", key file " + keyFile + ", signing secret " + signingSecret + "]";
    }
}
