package dev.recipes.sheets;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.ActionStep;
import dev.recipes.core.Event;
import dev.recipes.core.Mapping;
import dev.recipes.core.MappingException;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * A recipe step that writes one row of cells, rendered from the triggering event, over an
 * explicit range. Start one with {@link GoogleSheets#updateRange(String, String)}.
 *
 * <p>Immutable: every method returns a new step. Cells are written left to right from the
 * range's first cell, in the order the columns were added. Writing the same values twice
 * changes nothing, so a retry is harmless.
 */
public final class UpdateRangeStep implements ActionStep {

    private final String spreadsheetId;
    private final String range;
    private final RowColumns columns;
    private final ValueInputOption valueInputOption;
    private final String connection;

    private UpdateRangeStep(String spreadsheetId, String range, RowColumns columns,
            ValueInputOption valueInputOption, String connection) {
        this.spreadsheetId = spreadsheetId;
        this.range = range;
        this.columns = columns;
        this.valueInputOption = valueInputOption;
        this.connection = connection;
    }

    static UpdateRangeStep of(String spreadsheetId, String range) {
        try {
            String checked = A1Range.requireValid(range);
            if (Ranges.firstRow(checked).isEmpty()) {
                throw new IllegalArgumentException("range '" + range + "' must start at a "
                        + "cell, such as 'Log!B7:D7' or 'Log!B7'");
            }
            return new UpdateRangeStep(A1Range.requireSpreadsheetId(spreadsheetId), checked,
                    RowColumns.NONE, ValueInputOption.RAW, DEFAULT_CONNECTION);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("update-range step: " + e.getMessage(), e);
        }
    }

    /**
     * Adds a cell read from the event's data by JSON Pointer.
     *
     * @param jsonPointer such as {@code /order/status}
     * @return a new step with the cell added
     * @throws IllegalArgumentException if the pointer is not valid JSON Pointer syntax
     */
    public UpdateRangeStep column(String jsonPointer) {
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
    public UpdateRangeStep timestampColumn(String jsonPointer) {
        return with(columns.pointer(jsonPointer, true));
    }

    /**
     * Adds a cell computed from the event, such as {@code Event::time}. An {@code Instant},
     * {@code OffsetDateTime} or {@code ZonedDateTime} is written as a timestamp.
     *
     * @param function a thread-safe function of the event
     * @return a new step with the cell added
     */
    public UpdateRangeStep column(Function<? super Event, ?> function) {
        return with(columns.function(function));
    }

    /**
     * Adds a cell rendered by any mapping, such as {@code Mapping.constant("paid")}.
     *
     * @param mapping a thread-safe mapping
     * @return a new step with the cell added
     */
    public UpdateRangeStep columnMapping(Mapping mapping) {
        return with(columns.mapping(mapping));
    }

    /**
     * Sets how Sheets reads the values; {@link ValueInputOption#RAW} by default.
     *
     * @param option the option
     * @return a new step with the option set
     */
    public UpdateRangeStep valueInputOption(ValueInputOption option) {
        Objects.requireNonNull(option, "option");
        return new UpdateRangeStep(spreadsheetId, range, columns, option, connection);
    }

    /**
     * Names the connection the row is written as.
     *
     * @param connectionId a connection id of the {@code google-sheets} service
     * @return a new step acting as that connection
     * @throws IllegalArgumentException if the id is not a valid connection id
     */
    public UpdateRangeStep as(String connectionId) {
        ActionStep.of(GoogleSheetsService.ID, UpdateRangeAction.NAME).as(connectionId);
        return new UpdateRangeStep(spreadsheetId, range, columns, valueInputOption,
                connectionId);
    }

    @Override
    public String service() {
        return GoogleSheetsService.ID;
    }

    @Override
    public String action() {
        return UpdateRangeAction.NAME;
    }

    @Override
    public String connection() {
        return connection;
    }

    /**
     * Refuses a step without cells.
     *
     * @throws IllegalStateException if no column was added
     */
    @Override
    public void validate() {
        if (columns.size() == 0) {
            throw new IllegalStateException(subject() + ": no columns; add them with "
                    + "column(...), and keep the step it returns: steps are immutable");
        }
    }

    /**
     * Renders the parameters {@code spreadsheetId}, {@code range}, {@code values} (one row),
     * {@code valueInputOption} and, when a cell is a timestamp, {@code timestampColumns}.
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
        return "update-range step for '" + range + "'";
    }

    private UpdateRangeStep with(RowColumns more) {
        return new UpdateRangeStep(spreadsheetId, range, more, valueInputOption, connection);
    }

    @Override
    public String toString() {
        return "UpdateRangeStep[google-sheets/update-range '" + spreadsheetId + "' '" + range
                + "', " + columns.size() + " columns, " + valueInputOption + ", as "
                + connection + "]";
    }
}
