package dev.recipes.sheets;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.ActionStep;
import dev.recipes.core.Event;
import dev.recipes.core.Mapping;
import dev.recipes.core.MappingException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * A recipe step that writes one row, rendered from the triggering event, over the row whose
 * {@linkplain #keyColumn(String) key column} holds the same key, or appends it when no row
 * does. Start one with {@link GoogleSheets#upsertRow(String, String)}.
 *
 * <p>Immutable: every method returns a new step. Cells are written left to right from the
 * range's first column, in the order the columns were added; the key is the row's own cell in
 * the key column. Upserts of one key run one at a time within an engine, so two events with a
 * new key cannot both append it; engines on several hosts sharing a spreadsheet can.
 */
public final class UpsertRowStep implements ActionStep {

    private final String spreadsheetId;
    private final String range;
    private final RowColumns columns;
    private final ValueInputOption valueInputOption;
    private final String connection;
    private final String keyColumn;

    private UpsertRowStep(String spreadsheetId, String range, RowColumns columns,
            ValueInputOption valueInputOption, String connection, String keyColumn) {
        this.spreadsheetId = spreadsheetId;
        this.range = range;
        this.columns = columns;
        this.valueInputOption = valueInputOption;
        this.connection = connection;
        this.keyColumn = keyColumn;
    }

    static UpsertRowStep of(String spreadsheetId, String range) {
        try {
            return new UpsertRowStep(A1Range.requireSpreadsheetId(spreadsheetId),
                    A1Range.requireValid(range), RowColumns.NONE, ValueInputOption.RAW,
                    DEFAULT_CONNECTION, null);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("upsert-row step: " + e.getMessage(), e);
        }
    }

    /**
     * Adds a cell read from the event's data by JSON Pointer.
     *
     * @param jsonPointer such as {@code /order/status}
     * @return a new step with the cell added
     * @throws IllegalArgumentException if the pointer is not valid JSON Pointer syntax
     */
    public UpsertRowStep column(String jsonPointer) {
        return with(columns.pointer(jsonPointer, false));
    }

    /**
     * Adds a cell read from the event's data by JSON Pointer that holds an ISO 8601
     * timestamp, such as {@code 2024-05-01T12:00:00Z}; it is written as the configuration
     * {@code google-sheets.time-zone}, {@code date-time-pattern} and {@code locale} say.
     *
     * @param jsonPointer such as {@code /event/ts}
     * @return a new step with the cell added
     * @throws IllegalArgumentException if the pointer is not valid JSON Pointer syntax
     */
    public UpsertRowStep timestampColumn(String jsonPointer) {
        return with(columns.pointer(jsonPointer, true));
    }

    /**
     * Adds a cell computed from the event, such as {@code Event::time}. An {@code Instant},
     * {@code OffsetDateTime} or {@code ZonedDateTime} is written as a timestamp.
     *
     * @param function a thread-safe function of the event
     * @return a new step with the cell added
     */
    public UpsertRowStep column(Function<? super Event, ?> function) {
        return with(columns.function(function));
    }

    /**
     * Adds a cell rendered by any mapping, such as {@code Mapping.constant("paid")}.
     *
     * @param mapping a thread-safe mapping
     * @return a new step with the cell added
     */
    public UpsertRowStep columnMapping(Mapping mapping) {
        return with(columns.mapping(mapping));
    }

    /**
     * Sets how Sheets reads the values; {@link ValueInputOption#RAW} by default.
     *
     * @param option the option
     * @return a new step with the option set
     */
    public UpsertRowStep valueInputOption(ValueInputOption option) {
        Objects.requireNonNull(option, "option");
        return new UpsertRowStep(spreadsheetId, range, columns, option, connection,
                keyColumn);
    }

    /**
     * Names the key column: one of the columns the row fills, whose cell is the row's key.
     * The step updates the first row at or below the range's first row whose cell there
     * equals the key, else appends. Required.
     *
     * @param column one to three column letters, such as {@code A}, in any case
     * @return a new step with the key column set
     * @throws IllegalArgumentException if the column is not column letters, or is left of the
     *     range's first column
     * @throws IllegalStateException if this step already has a key column
     */
    public UpsertRowStep keyColumn(String column) {
        if (keyColumn != null) {
            throw new IllegalStateException(subject() + ": key column is already set to '"
                    + keyColumn + "'; set it once");
        }
        String letters;
        try {
            letters = A1Range.requireColumn(column);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(subject() + ": " + e.getMessage(), e);
        }
        if (A1Range.columnIndex(letters) < A1Range.firstColumn(range)) {
            throw new IllegalArgumentException(subject() + ": key column '" + letters
                    + "' is left of the range, whose rows start in column '"
                    + A1Range.columnLetters(A1Range.firstColumn(range)) + "'");
        }
        return new UpsertRowStep(spreadsheetId, range, columns, valueInputOption, connection,
                letters);
    }

    /**
     * Returns the key column, if one was set.
     *
     * @return the column letters in upper case
     */
    public Optional<String> keyColumn() {
        return Optional.ofNullable(keyColumn);
    }

    /**
     * Names the connection the row is written as.
     *
     * @param connectionId a connection id of the {@code google-sheets} service
     * @return a new step acting as that connection
     * @throws IllegalArgumentException if the id is not a valid connection id
     */
    public UpsertRowStep as(String connectionId) {
        ActionStep.of(GoogleSheetsService.ID, UpsertRowAction.NAME).as(connectionId);
        return new UpsertRowStep(spreadsheetId, range, columns, valueInputOption,
                connectionId, keyColumn);
    }

    @Override
    public String service() {
        return GoogleSheetsService.ID;
    }

    @Override
    public String action() {
        return UpsertRowAction.NAME;
    }

    @Override
    public String connection() {
        return connection;
    }

    /**
     * Refuses a step without cells or key column, and a key column the row does not fill.
     *
     * @throws IllegalStateException if no column was added, no key column was set, or the
     *     key column is right of the row's last cell
     */
    @Override
    public void validate() {
        if (columns.size() == 0) {
            throw new IllegalStateException(subject() + ": no columns; add them with "
                    + "column(...), and keep the step it returns: steps are immutable");
        }
        if (keyColumn == null) {
            throw new IllegalStateException(subject() + ": no key column; name the column "
                    + "that identifies the row with keyColumn(...)");
        }
        int offset = A1Range.columnIndex(keyColumn) - A1Range.firstColumn(range);
        if (offset >= columns.size()) {
            throw new IllegalStateException(subject() + ": key column '" + keyColumn
                    + "' is right of the row's " + columns.size() + " cells; the key is the "
                    + "row's own cell in that column");
        }
    }

    /**
     * Renders the parameters {@code spreadsheetId}, {@code range}, {@code values} (one row),
     * {@code keyColumn}, {@code valueInputOption} and, when a cell is a timestamp,
     * {@code timestampColumns}.
     *
     * @param event the triggering event
     * @return the parameters
     * @throws MappingException if a field is missing or a column renders an object or array
     */
    @Override
    public ObjectNode render(Event event) {
        validateForRender();
        ObjectNode params = JsonNodeFactory.instance.objectNode();
        params.put("spreadsheetId", spreadsheetId);
        params.put("range", range);
        Set<Integer> timestamps = new TreeSet<>();
        params.set("values", columns.render(event, null, subject(), timestamps));
        if (keyColumn != null) {
            params.put("keyColumn", keyColumn);
        }
        params.put("valueInputOption", valueInputOption.name());
        if (!timestamps.isEmpty()) {
            timestamps.forEach(params.putArray("timestampColumns")::add);
        }
        return params;
    }

    private void validateForRender() {
        if (columns.size() == 0) {
            throw new MappingException("values", subject() + ": no columns");
        }
    }

    private String subject() {
        return "upsert-row step for '" + range + "'";
    }

    private UpsertRowStep with(RowColumns more) {
        return new UpsertRowStep(spreadsheetId, range, more, valueInputOption, connection,
                keyColumn);
    }

    @Override
    public String toString() {
        return "UpsertRowStep[google-sheets/upsert-row '" + spreadsheetId + "' '" + range
                + "', " + columns.size() + " columns, key column " + keyColumn + ", "
                + valueInputOption + ", as "
                + connection + "]";
    }
}
