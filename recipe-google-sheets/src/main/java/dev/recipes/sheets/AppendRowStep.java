package dev.recipes.sheets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.ActionStep;
import dev.recipes.core.Event;
import dev.recipes.core.Mapping;
import dev.recipes.core.MappingException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * A recipe step that appends one row to a sheet; each column is rendered from the triggering
 * event. Start one with {@link GoogleSheets#appendRow(String, String)}.
 *
 * <p>Immutable: every method returns a new step and leaves this one as it was, so a step can
 * be shared and extended safely. Columns are written left to right in the order they were
 * added, starting in the range's first column; a column that renders JSON null becomes an
 * empty cell, and one that renders an object or an array fails the recipe for that event with
 * a {@link MappingException}.
 *
 * <p>Appending is not idempotent at Google's side: when an append times out or gets a 5xx
 * after Google wrote the row, trying again writes it twice. Name a {@link #keyColumn(String)
 * key column} to prevent that: each row then carries the action's idempotency key there, and a
 * retry first looks for it. Without one, such a retry may write the row twice.
 */
public final class AppendRowStep implements ActionStep {

    private final String spreadsheetId;
    private final String range;
    private final List<Mapping> columns;
    private final ValueInputOption valueInputOption;
    private final String connection;
    private final String keyColumn;

    private AppendRowStep(String spreadsheetId, String range, List<Mapping> columns,
            ValueInputOption valueInputOption, String connection, String keyColumn) {
        this.spreadsheetId = spreadsheetId;
        this.range = range;
        this.columns = columns;
        this.valueInputOption = valueInputOption;
        this.connection = connection;
        this.keyColumn = keyColumn;
    }

    static AppendRowStep of(String spreadsheetId, String range) {
        try {
            return new AppendRowStep(A1Range.requireSpreadsheetId(spreadsheetId),
                    A1Range.requireValid(range), List.of(), ValueInputOption.RAW,
                    DEFAULT_CONNECTION, null);
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
        return withColumn(new FunctionColumn(Objects.requireNonNull(function, "function")));
    }

    /**
     * Adds a column read from the event's data by JSON Pointer that holds a timestamp in ISO
     * 8601, such as {@code 2024-05-01T12:00:00Z}; it is written as the service's
     * {@code time-zone} and {@code date-time-pattern} say, or as given without them.
     *
     * @param jsonPointer such as {@code /order/created}
     * @return a new step with the column added
     */
    public AppendRowStep timestampColumn(String jsonPointer) {
        return withColumn(new TimestampColumn(Mapping.pointer(jsonPointer)));
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
        return new AppendRowStep(spreadsheetId, range, columns, option, connection,
                keyColumn);
    }

    /**
     * Writes the action's idempotency key in a column of every row, so that a retry after an
     * unknown outcome (a timeout, a 503 that may have come after the write) first reads that
     * column and appends nothing if the key is already there.
     *
     * <p>Rows start in the range's first column and the mapped columns fill the columns from
     * there, in order; the key column must lie right of them, inside the range or beyond it
     * (with {@code Log!A:D} and four mapped columns, {@code E}, {@code F} or further right).
     * Cells between the last mapped column and the key column are written empty. The range
     * sent to Google stays as given. Keep the key column for keys only: the check reads the
     * whole column, once per retry.
     *
     * @param column one to three column letters, such as {@code F}, in any case
     * @return a new step with the key column set
     * @throws IllegalArgumentException if the column is not column letters, or is left of the
     *     range's first column
     * @throws IllegalStateException if this step already has a key column
     */
    public AppendRowStep keyColumn(String column) {
        if (keyColumn != null) {
            throw new IllegalStateException("append-row step for '" + range + "': key column "
                    + "is already set to '" + keyColumn + "'; set it once");
        }
        String letters;
        try {
            letters = A1Range.requireColumn(column);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("append-row step for '" + range + "': "
                    + e.getMessage(), e);
        }
        String problem = A1Range.keyColumnProblem(range, letters, 0);
        if (problem != null) {
            throw new IllegalArgumentException("append-row step for '" + range + "': "
                    + problem);
        }
        return new AppendRowStep(spreadsheetId, range, columns, valueInputOption, connection,
                letters);
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
        return new AppendRowStep(spreadsheetId, range, columns, valueInputOption, connectionId,
                keyColumn);
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
     * Returns the key column, if one was set.
     *
     * @return the column letters in upper case, such as {@code F}
     */
    public Optional<String> keyColumn() {
        return Optional.ofNullable(keyColumn);
    }

    /**
     * Refuses a step without columns, which could only ever append an empty row, and a key
     * column that a mapped column would overwrite.
     *
     * @throws IllegalStateException if no column was added, or the key column is one of the
     *     columns the mapped columns fill
     */
    @Override
    public void validate() {
        if (columns.isEmpty()) {
            throw new IllegalStateException("append-row step for '" + range
                    + "': no columns; add them with column(...), and keep the step it returns: "
                    + "steps are immutable");
        }
        String problem = keyColumn == null ? null
                : A1Range.keyColumnProblem(range, keyColumn, columns.size());
        if (problem != null) {
            throw new IllegalStateException("append-row step for '" + range + "': " + problem);
        }
    }

    /**
     * Renders the parameters {@code spreadsheetId}, {@code range}, {@code values},
     * {@code valueInputOption} and, when set, {@code keyColumn}.
     *
     * @param event the triggering event
     * @return the parameters
     * @throws MappingException if the step has no column, a field is missing, or a column
     *     renders an object or an array
     */
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
        ArrayNode timestamps = JsonNodeFactory.instance.arrayNode();
        for (int i = 0; i < columns.size(); i++) {
            Mapping column = columns.get(i);
            JsonNode value;
            if (column instanceof FunctionColumn computed) {
                Object raw = computed.function().apply(event);
                if (raw instanceof Instant || raw instanceof OffsetDateTime
                        || raw instanceof ZonedDateTime) {
                    timestamps.add(i);
                }
                value = Mapping.of(ignored -> raw).apply(event);
            } else {
                if (column instanceof TimestampColumn) {
                    timestamps.add(i);
                }
                value = column.apply(event);
            }
            values.add(cell(i, value, event));
        }
        if (!timestamps.isEmpty()) {
            params.set("timestampColumns", timestamps);
        }
        params.put("valueInputOption", valueInputOption.name());
        if (keyColumn != null) {
            params.put("keyColumn", keyColumn);
        }
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
                connection, keyColumn);
    }

    /** A column computed by a function, whose temporal values are timestamps. */
    private record FunctionColumn(Function<? super Event, ?> function) implements Mapping {

        @Override
        public JsonNode apply(Event event) {
            Object raw = function.apply(event);
            return Mapping.of(ignored -> raw).apply(event);
        }
    }

    /** A column read by JSON Pointer that holds a timestamp. */
    private record TimestampColumn(Mapping pointer) implements Mapping {

        @Override
        public JsonNode apply(Event event) {
            return pointer.apply(event);
        }
    }

    @Override
    public String toString() {
        return "AppendRowStep[google-sheets/append-row '" + spreadsheetId + "' '" + range
                + "', " + columns.size() + " columns, " + valueInputOption
                + (keyColumn == null ? "" : ", key column " + keyColumn) + ", as "
                + connection + "]";
    }
}
