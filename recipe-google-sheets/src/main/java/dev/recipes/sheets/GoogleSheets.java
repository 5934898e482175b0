package dev.recipes.sheets;

import dev.recipes.core.ActionStep;
import dev.recipes.core.Connection;
import dev.recipes.core.RecipeException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Entry points of the Google Sheets service for recipes and set-up: action steps and
 * service-account connections.
 *
 * <pre>{@code
 * engine.connections().put(GoogleSheets.serviceAccount(Path.of("/etc/recipes/sa-key.json")));
 *
 * Recipe salesLog = Recipe.named("sales-log")
 *         .when(Trigger.of("shop.order"))
 *         .then(GoogleSheets.appendRow("1AbCsheet", "Log!A:D")
 *                 .column(Event::time)
 *                 .column("/order/id")
 *                 .column("/order/total")
 *                 .keyColumn("D"))    // so that a retry never writes the row twice
 *         .build();
 * }</pre>
 */
public final class GoogleSheets {

    /** The name of the connection secret that holds the service account's JSON key. */
    public static final String SERVICE_ACCOUNT_SECRET = "service-account-json";

    /** The connection setting that shows the service account's email. */
    public static final String CLIENT_EMAIL_SETTING = "client-email";

    private static final long MAX_KEY_FILE_BYTES = 64 * 1024;

    private GoogleSheets() {
    }

    /**
     * Starts a step that appends one row, built from the triggering event with
     * {@link AppendRowStep#column(String)} and its siblings, after the last row of the table
     * in {@code range}.
     *
     * @param spreadsheetId the part of the spreadsheet's URL after {@code /d/}
     * @param range a sheet and columns in A1 notation, such as {@code Log!A:D} or
     *     {@code 'Sales 2024'!A:F}
     * @return a step with no columns and no key column yet, writing
     *     {@link ValueInputOption#RAW} values as the {@value ActionStep#DEFAULT_CONNECTION}
     *     connection
     * @throws IllegalArgumentException if the id or the range is not valid
     */
    public static AppendRowStep appendRow(String spreadsheetId, String range) {
        return AppendRowStep.of(spreadsheetId, range);
    }

    /**
     * Builds the {@value ActionStep#DEFAULT_CONNECTION} connection from a service account's JSON
     * key file.
     *
     * @param keyFile the key file downloaded from the Google Cloud console
     * @return the connection, to put in the engine's connection store
     * @throws RecipeException if the file is missing, unreadable or not a service-account key;
     *     the message never quotes the key
     */
    public static Connection serviceAccount(Path keyFile) {
        return serviceAccount(ActionStep.DEFAULT_CONNECTION, keyFile);
    }

    /**
     * Builds a connection from a service account's JSON key file.
     *
     * @param connectionId the id steps name with {@code as(...)}
     * @param keyFile the key file downloaded from the Google Cloud console
     * @return the connection, to put in the engine's connection store
     * @throws RecipeException if the file is missing, unreadable or not a service-account key;
     *     the message never quotes the key
     * @throws IllegalArgumentException if the connection id is not valid
     */
    public static Connection serviceAccount(String connectionId, Path keyFile) {
        Objects.requireNonNull(keyFile, "keyFile");
        String subject = "service-account key file '" + keyFile + "'";
        return connection(connectionId, read(keyFile, subject), subject);
    }

    /**
     * Builds a connection from the text of a service account's JSON key, such as one read from
     * a secret manager.
     *
     * @param connectionId the id steps name with {@code as(...)}
     * @param keyJson the key file's content
     * @return the connection, to put in the engine's connection store
     * @throws RecipeException if the text is not a service-account key; the message never
     *     quotes the key
     * @throws IllegalArgumentException if the connection id is not valid
     */
    public static Connection serviceAccountJson(String connectionId, String keyJson) {
        Objects.requireNonNull(keyJson, "keyJson");
        return connection(connectionId, keyJson, "service-account key for connection '"
                + connectionId + "'");
    }

    private static Connection connection(String connectionId, String json, String subject) {
        Objects.requireNonNull(connectionId, "connectionId");
        ServiceAccountKey key = ServiceAccountKey.parse(json, subject);
        return Connection.builder(GoogleSheetsService.ID, connectionId)
                .setting(CLIENT_EMAIL_SETTING, key.clientEmail())
                .secret(SERVICE_ACCOUNT_SECRET, json)
                .build();
    }

    private static String read(Path keyFile, String subject) {
        try {
            if (Files.isDirectory(keyFile)) {
                throw new RecipeException(subject + ": is a directory, not a key file");
            }
            if (Files.size(keyFile) > MAX_KEY_FILE_BYTES) {
                throw new RecipeException(subject + ": is larger than 64 KiB, too large for a "
                        + "service-account key");
            }
            byte[] bytes = Files.readAllBytes(keyFile);
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (NoSuchFileException e) {
            throw new RecipeException(subject + ": does not exist");
        } catch (CharacterCodingException e) {
            throw new RecipeException(subject + ": is not UTF-8 text");
        } catch (IOException e) {
            throw new RecipeException(subject + ": cannot be read: " + e.getClass()
                    .getSimpleName(), e);
        }
    }
}
