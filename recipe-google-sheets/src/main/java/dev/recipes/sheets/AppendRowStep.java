package dev.recipes.sheets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.ActionStep;
import dev.recipes.core.Event;
import dev.recipes.core.Mapping;
import dev.recipes.core.MappingException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * A recipe step that appends one row to a sheet; each column is rendered from the triggering
 * event. Start one with {@link GoogleSheets#appendRow(String, String)}.
 *
 * <p>Immutable: every method returns a new step and leaves this one as it was, so a step can
 * be shared and extended safely. Columns are written left to right in the order they were
 * added; a column that renders JSON null becomes an empty cell, and one that renders an object
 * or an array fails the recipe for that event with a {@link MappingException}.
 *
 * <p>Appending is not idempotent at Google's side: when an append times out or gets a 5xx
 * after Google wrote the row, trying again writes it twice. A column holding the event id
 * ({@code .column(Event::id)}) lets such duplicates be found.
 */
public final class AppendRowStep implements ActionStep {

    private final String spreadsheetId;
    private final String range;
    private final List<Mapping> columns;
    private final ValueInputOption valueInputOption;
    private final String connection;

    private AppendRowStep(String spreadsheetId, String range, List<Mapping> columns,
            ValueInputOption valueInputOption, String connection) {
        this.spreadsheetId = spreadsheetId;
        this.range = range;
        this.columns = columns;
        this.valueInputOption = valueInputOption;
        this.connection = connection;
    }

    static AppendRowStep of(String spreadsheetId, String range) {
        try {
            return new AppendRowStep(A1Range.requireSpreadsheetId(spreadsheetId),
                    A1Range.requireValid(range), List.of(), ValueInputOption.RAW,
                    DEFAULT_CONNECTION);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("append-row step: " + e.getMessage(), e);
        }
    }

    /**
     * Adds a column read from the event's data by JSON Pointer. An event without that field
     * fails the recipe, naming the field.
     *
     * @param jsonPointer such as {@code /event/text}
     * @return a new step with the column added
     * @throws IllegalArgumentException if the pointer is not valid JSON Pointer syntax
     */
    public AppendRowStep column(String jsonPointer) {
        return withColumn(Mapping.pointer(jsonPointer));
    }

    /**
     * Adds a column computed from the event, such as {@code Event::time}. Strings, numbers,
     * booleans, temporal values (written in ISO 8601) and JSON values are accepted;
     * {@code null} writes an empty cell.
     *
     * @param function a thread-safe function of the event
     * @return a new step with the column added
     */
    public AppendRowStep column(Function<? super Event, ?> function) {
        return withColumn(Mapping.of(function));
    }

    /**
     * Adds a column rendered by any mapping, such as {@code Mapping.constant("slack")}.
     *
     * <p>Named apart from {@code column(...)} so that a lambda passed to
     * {@link #column(Function)} is never ambiguous.
     *
     * @param mapping a thread-safe mapping
     * @return a new step with the column added
     */
    public AppendRowStep columnMapping(Mapping mapping) {
        return withColumn(Objects.requireNonNull(mapping, "mapping"));
    }

    /**
     * Sets how Sheets reads the values; {@link ValueInputOption#RAW} by default.
     *
     * @param option the option
     * @return a new step with the option set
     */
    public AppendRowStep valueInputOption(ValueInputOption option) {
        Objects.requireNonNull(option, "option");
        return new AppendRowStep(spreadsheetId, range, columns, option, connection);
    }

    /**
     * Names the connection (the service account) the row is written as.
     *
     * @param connectionId a connection id of the {@code google-sheets} service
     * @return a new step acting as that connection
     * @throws IllegalArgumentException if the id is not a valid connection id
     */
    public AppendRowStep as(String connectionId) {
        // The core's generic step builder holds the rule for connection ids.
        ActionStep.of(GoogleSheetsService.ID, AppendRowAction.NAME).as(connectionId);
        return new AppendRowStep(spreadsheetId, range, columns, valueInputOption, connectionId);
    }

    @Override
    public String service() {
        return GoogleSheetsService.ID;
    }

    @Override
    public String action() {
        return AppendRowAction.NAME;
    }

    @Override
    public String connection() {
        return connection;
    }

    /**
     * Returns the spreadsheet's id.
     *
     * @return the id
     */
    public String spreadsheetId() {
        return spreadsheetId;
    }

    /**
     * Returns the range rows are appended to.
     *
     * @return the range in A1 notation
     */
    public String range() {
        return range;
    }

    /**
     * Renders the parameters {@code spreadsheetId}, {@code range}, {@code values} and
     * {@code valueInputOption}.
     *
     * @param event the triggering event
     * @return the parameters
     * @throws MappingException if the step has no column, a field is missing, or a column
     *     renders an object or an array
     */
    /**
     * Refuses a step without columns: it could only ever append an empty row.
     *
     * @throws IllegalStateException if no column was added
     */
    @Override
    public void validate() {
        if (columns.isEmpty()) {
            throw new IllegalStateException("append-row step for '" + range
                    + "': no columns; add them with column(...), and keep the step it returns: "
                    + "steps are immutable");
        }
    }

    @Override
    public ObjectNode render(Event event) {
        if (columns.isEmpty()) {
            throw new MappingException("values", "append-row step for '" + range
                    + "': no columns; add them with column(...)");
        }
        ObjectNode params = JsonNodeFactory.instance.objectNode();
        params.put("spreadsheetId", spreadsheetId);
        params.put("range", range);
        ArrayNode values = params.putArray("values");
        for (int i = 0; i < columns.size(); i++) {
            values.add(cell(i, columns.get(i).apply(event), event));
        }
        params.put("valueInputOption", valueInputOption.name());
        return params;
    }

    private JsonNode cell(int index, JsonNode value, Event event) {
        if (value == null || value.isContainerNode() || value.isMissingNode()
                || value.isBinary() || value.isPojo()) {
            String kind = value == null ? "nothing" : "a JSON "
                    + value.getNodeType().name().toLowerCase(Locale.ROOT);
            throw new MappingException("values/" + index, "append-row step for '" + range
                    + "': column " + index + " rendered " + kind + " for event '" + event.id()
                    + "'; a cell takes text, a number, a boolean or null");
        }
        return value;
    }

    private AppendRowStep withColumn(Mapping mapping) {
        List<Mapping> more = new ArrayList<>(columns.size() + 1);
        more.addAll(columns);
        more.add(mapping);
        return new AppendRowStep(spreadsheetId, range, List.copyOf(more), valueInputOption,
                connection);
    }

    @Override
    public String toString() {
        return "AppendRowStep[google-sheets/append-row '" + spreadsheetId + "' '" + range
                + "', " + columns.size() + " columns, " + valueInputOption + ", as "
                + connection + "]";
    }
}
