package dev.recipes.sheets;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.ActionStep;
import dev.recipes.core.Event;
import dev.recipes.core.Mapping;
import dev.recipes.core.MappingException;
import java.util.Objects;

/**
 * A recipe step that finds the rows of a range whose cell in one column equals a value from
 * the triggering event. Start one with {@link GoogleSheets#lookupRows(String, String)} and
 * say what to look for with {@link #where(String, String)}.
 *
 * <p>The action's result, published as usual on
 * {@code result.google-sheets.lookup-rows.succeeded}, is
 * {@code {"rows":[{"row":7,"values":[...]}, ...], "truncated":false}}, with the sheet's row
 * numbers from 1. Immutable: every method returns a new step.
 */
public final class LookupRowsStep implements ActionStep {

    private final String spreadsheetId;
    private final String range;
    private final String column;
    private final Mapping value;
    private final int limit;
    private final String connection;

    private LookupRowsStep(String spreadsheetId, String range, String column, Mapping value,
            int limit, String connection) {
        this.spreadsheetId = spreadsheetId;
        this.range = range;
        this.column = column;
        this.value = value;
        this.limit = limit;
        this.connection = connection;
    }

    static LookupRowsStep of(String spreadsheetId, String range) {
        try {
            return new LookupRowsStep(A1Range.requireSpreadsheetId(spreadsheetId),
                    A1Range.requireValid(range), null, null, LookupRowsAction.DEFAULT_LIMIT,
                    DEFAULT_CONNECTION);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("lookup-rows step: " + e.getMessage(), e);
        }
    }

    /**
     * Looks for rows whose cell in a column equals a field of the event's data.
     *
     * @param column column letters inside the range, such as {@code C}
     * @param jsonPointer such as {@code /order/id}
     * @return a new step with the condition set
     * @throws IllegalArgumentException if the column is not letters inside the range, or the
     *     pointer is not valid JSON Pointer syntax
     * @throws IllegalStateException if the condition is already set
     */
    public LookupRowsStep where(String column, String jsonPointer) {
        return whereMapping(column, Mapping.pointer(jsonPointer));
    }

    /**
     * Looks for rows whose cell in a column equals a value any mapping renders, such as
     * {@code Mapping.constant("open")}.
     *
     * @param column column letters inside the range, such as {@code C}
     * @param mapping a thread-safe mapping rendering text, a number or a boolean
     * @return a new step with the condition set
     * @throws IllegalArgumentException if the column is not letters inside the range
     * @throws IllegalStateException if the condition is already set
     */
    public LookupRowsStep whereMapping(String column, Mapping mapping) {
        Objects.requireNonNull(mapping, "mapping");
        if (this.column != null) {
            throw new IllegalStateException(subject() + ": already looks in column '"
                    + this.column + "'; set the condition once");
        }
        String letters;
        try {
            letters = A1Range.requireColumn(column);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(subject() + ": " + e.getMessage()
                    .replace("key column", "column"), e);
        }
        int index = A1Range.columnIndex(letters);
        if (index < A1Range.firstColumn(range) || Ranges.lastColumn(range).isPresent()
                && index > Ranges.lastColumn(range).getAsInt()) {
            throw new IllegalArgumentException(subject() + ": column '" + letters
                    + "' is outside the range");
        }
        return new LookupRowsStep(spreadsheetId, range, letters, mapping, limit, connection);
    }

    /**
     * Sets the most rows the result holds; {@value LookupRowsAction#DEFAULT_LIMIT} by
     * default. When more match, the result says {@code "truncated": true}.
     *
     * @param limit from 1 to {@value LookupRowsAction#MAX_LIMIT}
     * @return a new step with the limit set
     * @throws IllegalArgumentException if the limit is out of bounds
     */
    public LookupRowsStep limit(int limit) {
        if (limit < 1 || limit > LookupRowsAction.MAX_LIMIT) {
            throw new IllegalArgumentException(subject() + ": limit " + limit + " is not from "
                    + "1 to " + LookupRowsAction.MAX_LIMIT);
        }
        return new LookupRowsStep(spreadsheetId, range, column, value, limit, connection);
    }

    /**
     * Names the connection the range is read as.
     *
     * @param connectionId a connection id of the {@code google-sheets} service
     * @return a new step acting as that connection
     * @throws IllegalArgumentException if the id is not a valid connection id
     */
    public LookupRowsStep as(String connectionId) {
        ActionStep.of(GoogleSheetsService.ID, LookupRowsAction.NAME).as(connectionId);
        return new LookupRowsStep(spreadsheetId, range, column, value, limit, connectionId);
    }

    @Override
    public String service() {
        return GoogleSheetsService.ID;
    }

    @Override
    public String action() {
        return LookupRowsAction.NAME;
    }

    @Override
    public String connection() {
        return connection;
    }

    /**
     * Refuses a step without a condition.
     *
     * @throws IllegalStateException if {@link #where(String, String)} was not called
     */
    @Override
    public void validate() {
        if (column == null) {
            throw new IllegalStateException(subject() + ": no condition; say what to look for "
                    + "with where(...), and keep the step it returns: steps are immutable");
        }
    }

    /**
     * Renders the parameters {@code spreadsheetId}, {@code range}, {@code column},
     * {@code value} and {@code limit}.
     *
     * @param event the triggering event
     * @return the parameters
     * @throws MappingException if the value cannot be rendered, or is not text, a number or
     *     a boolean
     */
    @Override
    public ObjectNode render(Event event) {
        if (column == null) {
            throw new MappingException("column", subject() + ": no condition");
        }
        var looked = value.apply(event);
        if (!looked.isValueNode() || looked.isNull()) {
            throw new MappingException("value", subject() + ": the value to look for in "
                    + "column '" + column + "' is " + looked.getNodeType() + " for event '"
                    + event.id() + "'; it must be text, a number or a boolean");
        }
        ObjectNode params = JsonNodeFactory.instance.objectNode();
        params.put("spreadsheetId", spreadsheetId);
        params.put("range", range);
        params.put("column", column);
        params.set("value", looked);
        params.put("limit", limit);
        return params;
    }

    private String subject() {
        return "lookup-rows step for '" + range + "'";
    }

    @Override
    public String toString() {
        return "LookupRowsStep[google-sheets/lookup-rows '" + spreadsheetId + "' '" + range
                + "', where " + column + " = " + value + ", limit " + limit + ", as "
                + connection + "]";
    }
}
