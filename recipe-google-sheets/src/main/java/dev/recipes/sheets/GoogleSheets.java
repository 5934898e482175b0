package dev.recipes.sheets;

import dev.recipes.core.ActionStep;
import dev.recipes.core.Connection;
import dev.recipes.core.RecipeException;
import dev.recipes.core.polling.PollingTrigger;
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
     * Starts a step that appends many rows in one request, made from an array in the
     * triggering event with {@link AppendRowsStep#rowsFrom(String)} or
     * {@link AppendRowsStep#forEach(String)}.
     *
     * @param spreadsheetId the part of the spreadsheet's URL after {@code /d/}
     * @param range a sheet and columns in A1 notation, such as {@code Items!A:D}; rows start
     *     in its first column
     * @return a step with no rows yet, writing {@link ValueInputOption#RAW} values as the
     *     {@value ActionStep#DEFAULT_CONNECTION} connection
     * @throws IllegalArgumentException if the id or the range is not valid
     */
    public static AppendRowsStep appendRows(String spreadsheetId, String range) {
        return AppendRowsStep.of(spreadsheetId, range);
    }

    /**
     * Starts a step that writes one row over an explicit range, such as {@code Log!B7:D7}.
     *
     * @param spreadsheetId the part of the spreadsheet's URL after {@code /d/}
     * @param range a range starting at a cell, such as {@code Log!B7:D7} or {@code Log!B7}
     * @return a step with no columns yet, writing {@link ValueInputOption#RAW} values as the
     *     {@value ActionStep#DEFAULT_CONNECTION} connection
     * @throws IllegalArgumentException if the id is not valid, or the range is not valid or
     *     does not start at a cell
     */
    public static UpdateRangeStep updateRange(String spreadsheetId, String range) {
        return UpdateRangeStep.of(spreadsheetId, range);
    }

    /**
     * Starts a step that finds the rows of a range whose cell in one column equals a value;
     * say which with {@link LookupRowsStep#where(String, String)}.
     *
     * @param spreadsheetId the part of the spreadsheet's URL after {@code /d/}
     * @param range a sheet and columns in A1 notation, such as {@code Log!A:F}, or
     *     {@code Log!A2:F} to skip a header row
     * @return a step with no condition yet, returning at most
     *     {@value LookupRowsAction#DEFAULT_LIMIT} rows, as the
     *     {@value ActionStep#DEFAULT_CONNECTION} connection
     * @throws IllegalArgumentException if the id or the range is not valid
     */
    public static LookupRowsStep lookupRows(String spreadsheetId, String range) {
        return LookupRowsStep.of(spreadsheetId, range);
    }

    /**
     * Starts a step that updates the row whose key column holds the row's key, or appends the
     * row when none does; name the key column with {@link UpsertRowStep#keyColumn(String)}.
     *
     * @param spreadsheetId the part of the spreadsheet's URL after {@code /d/}
     * @param range a sheet and columns in A1 notation, such as {@code Orders!A:D}, or
     *     {@code Orders!A2:D} to keep a header row out of the search
     * @return a step with no columns and no key column yet, writing
     *     {@link ValueInputOption#RAW} values as the {@value ActionStep#DEFAULT_CONNECTION}
     *     connection
     * @throws IllegalArgumentException if the id or the range is not valid
     */
    public static UpsertRowStep upsertRow(String spreadsheetId, String range) {
        return UpsertRowStep.of(spreadsheetId, range);
    }

    /**
     * Returns a trigger that fires once for each row added to a range, polled every minute with
     * {@code spreadsheets.values.get}. A row is recognised by its cells, so inserting,
     * deleting, moving or sorting rows fires nothing, and neither does the last row on every
     * poll; but a row whose cells are edited reads as a new row: name a key column with
     * {@link #newRow(String, String, String)} where rows are edited. The first poll takes the
     * rows already there as the baseline, unless the trigger asks for
     * {@link PollingTrigger#backfill()}. Events have the type {@code google-sheets.new-row} and
     * the data {@code spreadsheetId}, {@code range}, {@code row} (its number when read) and
     * {@code values} (the cells, unformatted). Every poll reads the whole range, and each row
     * is remembered: keep {@link PollingTrigger#maxSeenKeys(int)} (10,000 by default) above
     * the number of rows, or forgotten rows fire again.
     *
     * @param spreadsheetId the part of the spreadsheet's URL after {@code /d/}
     * @param range a sheet and columns in A1 notation, such as {@code Orders!A:D}, or
     *     {@code Orders!A2:D} to leave a header row out
     * @return the trigger; set its interval, connection and more with its own methods
     * @throws IllegalArgumentException if the id or the range is not valid
     */
    public static PollingTrigger newRow(String spreadsheetId, String range) {
        return SheetsTriggers.newRow(spreadsheetId, range, null);
    }

    /**
     * Returns a trigger that fires once for each row added to a range, recognising a row by the
     * text of its key column (an order number, an id), as {@link #newRow(String, String)} does
     * otherwise; edits to a row's other cells fire nothing, and a row fires once its key cell is
     * filled. The events' data also has {@code key}.
     *
     * @param spreadsheetId the part of the spreadsheet's URL after {@code /d/}
     * @param range a sheet and columns in A1 notation that include the key column
     * @param keyColumn the key column's letters, such as {@code A}
     * @return the trigger
     * @throws IllegalArgumentException if the id, the range or the column is not valid, or
     *     the column lies outside the range
     */
    public static PollingTrigger newRow(String spreadsheetId, String range, String keyColumn) {
        Objects.requireNonNull(keyColumn, "keyColumn");
        return SheetsTriggers.newRow(spreadsheetId, range, keyColumn);
    }

    /**
     * Returns a trigger that fires once for each new content of a row, recognising a row by
     * the text of its key column: a new row fires, and so does each edit of a row, wherever
     * the row moved. The first poll takes the rows already there as the baseline. A row set
     * back to cells it had before does not fire again while that content is among the
     * remembered keys ({@link PollingTrigger#maxSeenKeys(int)}). Events have
     * the type {@code google-sheets.row-changed} and the data of
     * {@link #newRow(String, String, String)}.
     *
     * @param spreadsheetId the part of the spreadsheet's URL after {@code /d/}
     * @param range a sheet and columns in A1 notation that include the key column
     * @param keyColumn the key column's letters, such as {@code A}
     * @return the trigger
     * @throws IllegalArgumentException if the id, the range or the column is not valid, or
     *     the column lies outside the range
     */
    public static PollingTrigger rowChanged(String spreadsheetId, String range,
            String keyColumn) {
        return SheetsTriggers.rowChanged(spreadsheetId, range, keyColumn);
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
