package dev.recipes.sheets;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.ActionStep;
import dev.recipes.core.Event;
import dev.recipes.core.Mapping;
import dev.recipes.core.MappingException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * A recipe step that appends many rows in one request, made from an array in the triggering
 * event. Start one with {@link GoogleSheets#appendRows(String, String)}, then either
 * {@link #rowsFrom(String)} (an array of rows, each an array of cells) or
 * {@link #forEach(String)} (an array of items, one row per item, with its cells named by
 * {@link #itemColumn(String)} and the columns that repeat event values).
 *
 * <pre>{@code
 * GoogleSheets.appendRows("1AbCsheet", "Items!A:D")
 *         .forEach("/order/items")
 *         .column("/order/id")          // the same on every row
 *         .itemColumn("/sku")           // read from each item
 *         .itemColumn("/quantity")
 *         .column(Event::time)          // a timestamp
 *         .keyColumn("F");
 * }</pre>
 *
 * <p>Immutable: every method returns a new step. An event whose array is empty appends
 * nothing: the step fails for that event with a {@link MappingException}. With a key column,
 * a retry after an unknown outcome appends only the rows an earlier attempt did not write.
 */
public final class AppendRowsStep implements ActionStep {

    private final String spreadsheetId;
    private final String range;
    private final String rowsPointer;
    private final String itemsPointer;
    private final RowColumns columns;
    private final Set<Integer> timestampCells;
    private final ValueInputOption valueInputOption;
    private final String connection;
    private final String keyColumn;

    private AppendRowsStep(String spreadsheetId, String range, String rowsPointer,
            String itemsPointer, RowColumns columns, Set<Integer> timestampCells,
            ValueInputOption valueInputOption, String connection, String keyColumn) {
        this.spreadsheetId = spreadsheetId;
        this.range = range;
        this.rowsPointer = rowsPointer;
        this.itemsPointer = itemsPointer;
        this.columns = columns;
        this.timestampCells = timestampCells;
        this.valueInputOption = valueInputOption;
        this.connection = connection;
        this.keyColumn = keyColumn;
    }

    static AppendRowsStep of(String spreadsheetId, String range) {
        try {
            return new AppendRowsStep(A1Range.requireSpreadsheetId(spreadsheetId),
                    A1Range.requireValid(range), null, null, RowColumns.NONE, Set.of(),
                    ValueInputOption.RAW, DEFAULT_CONNECTION, null);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("append-rows step: " + e.getMessage(), e);
        }
    }

    /**
     * Takes the rows whole from the event: an array of rows, each an array of cells.
     *
     * @param jsonPointer such as {@code /report/rows}
     * @return a new step reading its rows there
     * @throws IllegalArgumentException if the pointer is not valid JSON Pointer syntax
     * @throws IllegalStateException if the rows' source is already set
     */
    public AppendRowsStep rowsFrom(String jsonPointer) {
        requireNoSource();
        RowColumns.compile(jsonPointer);
        return new AppendRowsStep(spreadsheetId, range, jsonPointer, null, columns,
                timestampCells, valueInputOption, connection, keyColumn);
    }

    /**
     * Makes one row per item of an array in the event; the row's cells come from
     * {@link #itemColumn(String)} and the event-wide columns, in the order they were added.
     *
     * @param jsonPointer such as {@code /order/items}
     * @return a new step making a row per item there
     * @throws IllegalArgumentException if the pointer is not valid JSON Pointer syntax
     * @throws IllegalStateException if the rows' source is already set
     */
    public AppendRowsStep forEach(String jsonPointer) {
        requireNoSource();
        RowColumns.compile(jsonPointer);
        return new AppendRowsStep(spreadsheetId, range, null, jsonPointer, columns,
                timestampCells, valueInputOption, connection, keyColumn);
    }

    /**
     * Adds a cell read from each item by a JSON Pointer relative to the item.
     *
     * @param relativePointer such as {@code /sku}, or {@code ""} for the item itself
     * @return a new step with the cell added
     * @throws IllegalArgumentException if the pointer is not valid JSON Pointer syntax
     */
    public AppendRowsStep itemColumn(String relativePointer) {
        return with(columns.itemPointer(relativePointer, false));
    }

    /**
     * Adds a cell read from each item that holds an ISO 8601 timestamp, written as the
     * configuration {@code google-sheets.time-zone}, {@code date-time-pattern} and
     * {@code locale} say.
     *
     * @param relativePointer such as {@code /shippedAt}
     * @return a new step with the cell added
     * @throws IllegalArgumentException if the pointer is not valid JSON Pointer syntax
     */
    public AppendRowsStep itemTimestampColumn(String relativePointer) {
        return with(columns.itemPointer(relativePointer, true));
    }

    /**
     * Adds a cell read from the event's data by JSON Pointer, the same on every row.
     *
     * @param jsonPointer such as {@code /order/id}
     * @return a new step with the cell added
     * @throws IllegalArgumentException if the pointer is not valid JSON Pointer syntax
     */
    public AppendRowsStep column(String jsonPointer) {
        return with(columns.pointer(jsonPointer, false));
    }

    /**
     * Adds a cell read from the event's data by JSON Pointer that holds an ISO 8601
     * timestamp, the same on every row.
     *
     * @param jsonPointer such as {@code /event/ts}
     * @return a new step with the cell added
     * @throws IllegalArgumentException if the pointer is not valid JSON Pointer syntax
     */
    public AppendRowsStep timestampColumn(String jsonPointer) {
        return with(columns.pointer(jsonPointer, true));
    }

    /**
     * Adds a cell computed from the event, the same on every row, such as
     * {@code Event::time}; an {@code Instant}, {@code OffsetDateTime} or
     * {@code ZonedDateTime} is written as a timestamp.
     *
     * @param function a thread-safe function of the event
     * @return a new step with the cell added
     */
    public AppendRowsStep column(Function<? super Event, ?> function) {
        return with(columns.function(function));
    }

    /**
     * Adds a cell rendered by any mapping, the same on every row.
     *
     * @param mapping a thread-safe mapping
     * @return a new step with the cell added
     */
    public AppendRowsStep columnMapping(Mapping mapping) {
        return with(columns.mapping(mapping));
    }

    /**
     * Marks cells of the rows taken whole with {@link #rowsFrom(String)} as ISO 8601
     * timestamps, by index.
     *
     * @param index the cell's index in each row, from 0
     * @return a new step with the cell marked
     * @throws IllegalArgumentException if the index is negative
     */
    public AppendRowsStep timestampCell(int index) {
        if (index < 0) {
            throw new IllegalArgumentException(subject() + ": cell index " + index
                    + " is negative");
        }
        Set<Integer> more = new TreeSet<>(timestampCells);
        more.add(index);
        return new AppendRowsStep(spreadsheetId, range, rowsPointer, itemsPointer, columns,
                Set.copyOf(more), valueInputOption, connection, keyColumn);
    }

    /**
     * Sets how Sheets reads the values; {@link ValueInputOption#RAW} by default.
     *
     * @param option the option
     * @return a new step with the option set
     */
    public AppendRowsStep valueInputOption(ValueInputOption option) {
        Objects.requireNonNull(option, "option");
        return new AppendRowsStep(spreadsheetId, range, rowsPointer, itemsPointer, columns,
                timestampCells, option, connection, keyColumn);
    }

    /**
     * Writes a key in a column of every row, {@code <idempotencyKey>#<row index>}, so that a
     * retry after an unknown outcome first reads that column and appends only the rows whose
     * key is not there. The column must lie right of the rows' cells.
     *
     * @param column one to three column letters, such as {@code F}, in any case
     * @return a new step with the key column set
     * @throws IllegalArgumentException if the column is not column letters, or is left of the
     *     range's first column
     * @throws IllegalStateException if this step already has a key column
     */
    public AppendRowsStep keyColumn(String column) {
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
        String problem = A1Range.keyColumnProblem(range, letters, 0);
        if (problem != null) {
            throw new IllegalArgumentException(subject() + ": " + problem);
        }
        return new AppendRowsStep(spreadsheetId, range, rowsPointer, itemsPointer, columns,
                timestampCells, valueInputOption, connection, letters);
    }

    /**
     * Names the connection the rows are written as.
     *
     * @param connectionId a connection id of the {@code google-sheets} service
     * @return a new step acting as that connection
     * @throws IllegalArgumentException if the id is not a valid connection id
     */
    public AppendRowsStep as(String connectionId) {
        ActionStep.of(GoogleSheetsService.ID, AppendRowsAction.NAME).as(connectionId);
        return new AppendRowsStep(spreadsheetId, range, rowsPointer, itemsPointer, columns,
                timestampCells, valueInputOption, connectionId, keyColumn);
    }

    /**
     * Returns the key column, if one was set.
     *
     * @return the column letters in upper case
     */
    public Optional<String> keyColumn() {
        return Optional.ofNullable(keyColumn);
    }

    @Override
    public String service() {
        return GoogleSheetsService.ID;
    }

    @Override
    public String action() {
        return AppendRowsAction.NAME;
    }

    @Override
    public String connection() {
        return connection;
    }

    /**
     * Refuses a step without a source of rows, one that makes rows per item without cells,
     * and one that mixes whole rows with columns.
     *
     * @throws IllegalStateException if the step cannot make rows
     */
    @Override
    public void validate() {
        if (rowsPointer == null && itemsPointer == null) {
            throw new IllegalStateException(subject() + ": no rows; name them with "
                    + "rowsFrom(...) or forEach(...), and keep the step it returns: steps are "
                    + "immutable");
        }
        if (itemsPointer != null && columns.size() == 0) {
            throw new IllegalStateException(subject() + ": forEach(\"" + itemsPointer
                    + "\") has no columns; add them with itemColumn(...) or column(...)");
        }
        if (rowsPointer != null && columns.size() > 0) {
            throw new IllegalStateException(subject() + ": rowsFrom(\"" + rowsPointer
                    + "\") takes rows whole; columns belong with forEach(...)");
        }
        if (itemsPointer != null && !timestampCells.isEmpty()) {
            throw new IllegalStateException(subject() + ": timestampCell(...) marks cells of "
                    + "rowsFrom(...); with forEach(...) use itemTimestampColumn(...)");
        }
    }

    /**
     * Renders the parameters {@code spreadsheetId}, {@code range}, {@code rows},
     * {@code valueInputOption} and, when set, {@code keyColumn} and {@code timestampColumns}.
     *
     * @param event the triggering event
     * @return the parameters
     * @throws MappingException if the array is missing, empty or not an array, or a cell
     *     cannot be rendered
     */
    @Override
    public ObjectNode render(Event event) {
        try {
            validate();
        } catch (IllegalStateException e) {
            throw new MappingException("rows", e.getMessage());
        }
        ObjectNode params = JsonNodeFactory.instance.objectNode();
        params.put("spreadsheetId", spreadsheetId);
        params.put("range", range);
        String pointer = rowsPointer != null ? rowsPointer : itemsPointer;
        JsonNode array = event.data().at(JsonPointer.compile(pointer));
        if (!array.isArray() || array.isEmpty()) {
            throw new MappingException(pointer, subject() + ": field '" + pointer + "' of "
                    + "event '" + event.id() + "' is " + (array.isMissingNode() ? "missing"
                    : array.isArray() ? "an empty array" : "a JSON " + array.getNodeType()
                    .name().toLowerCase(Locale.ROOT)) + "; it must be a non-empty array");
        }
        Set<Integer> timestamps = new TreeSet<>(timestampCells);
        if (rowsPointer != null) {
            params.set("rows", array);
        } else {
            ArrayNode rows = params.putArray("rows");
            array.forEach(item -> rows.add(columns.render(event, item, subject(), timestamps)));
        }
        params.put("valueInputOption", valueInputOption.name());
        if (keyColumn != null) {
            params.put("keyColumn", keyColumn);
        }
        if (!timestamps.isEmpty()) {
            timestamps.forEach(params.putArray("timestampColumns")::add);
        }
        return params;
    }

    private void requireNoSource() {
        if (rowsPointer != null || itemsPointer != null) {
            throw new IllegalStateException(subject() + ": rows already come from '"
                    + (rowsPointer != null ? rowsPointer : itemsPointer) + "'; set it once");
        }
    }

    private String subject() {
        return "append-rows step for '" + range + "'";
    }

    private AppendRowsStep with(RowColumns more) {
        return new AppendRowsStep(spreadsheetId, range, rowsPointer, itemsPointer, more,
                timestampCells, valueInputOption, connection, keyColumn);
    }

    @Override
    public String toString() {
        return "AppendRowsStep[google-sheets/append-rows '" + spreadsheetId + "' '" + range
                + "', rows from " + (rowsPointer != null ? rowsPointer : "each of "
                + itemsPointer) + ", " + columns.size() + " columns, " + valueInputOption
                + (keyColumn == null ? "" : ", key column " + keyColumn) + ", as "
                + connection + "]";
    }
}
