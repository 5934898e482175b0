package dev.recipes.sheets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionInvocation;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * The {@code lookup-rows} action: finds the rows of a range whose cell in one column equals a
 * value, with one {@code spreadsheets.values.get} of the range
 * ({@code valueRenderOption=UNFORMATTED_VALUE}).
 *
 * <p>Parameters: {@code spreadsheetId}; {@code range}, such as {@code Log!A:F} or
 * {@code Log!A2:F} to skip a header; {@code column}, column letters inside the range;
 * {@code value}, text, a number or a boolean; optionally {@code limit}, the most rows returned,
 * from 1 to {@value #MAX_LIMIT}, {@value #DEFAULT_LIMIT} by default. Text matches text exactly
 * (case counts); numbers match by value, also a number stored as text; booleans match
 * booleans.
 *
 * <p>The result is {@code {"rows":[{"row":7,"values":[...]}, ...], "truncated":false}}: the
 * sheet's row numbers from 1, in sheet order, and each row's cells from the range's first
 * column, without the trailing empty cells Google leaves out. {@code truncated} is
 * {@code true} when more rows matched than the limit. An answer from Google larger than 32 MiB
 * fails the action permanently: narrow the range.
 */
final class LookupRowsAction implements Action {

    /** The action's name. */
    static final String NAME = "lookup-rows";

    /** How many rows the result holds unless the {@code limit} parameter says otherwise. */
    static final int DEFAULT_LIMIT = 100;

    /** The largest {@code limit}. */
    static final int MAX_LIMIT = 1000;

    private final Supplier<AppendRowAction.Wiring> wiring;

    LookupRowsAction(Supplier<AppendRowAction.Wiring> wiring) {
        this.wiring = wiring;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean needsConnection() {
        return true;
    }

    @Override
    public JsonNode execute(ActionInvocation invocation) {
        AppendRowAction.Wiring parts = wiring.get();
        ActionParams params = new ActionParams(NAME, invocation);
        String spreadsheetId = params.spreadsheetId();
        String range = params.range();
        String column = params.column("column", true);
        int offset = offset(params, range, column);
        JsonNode value = params.scalar("value");
        int limit = params.count("limit", DEFAULT_LIMIT, MAX_LIMIT);
        ValuesApi api = new ValuesApi(parts, invocation.requireConnection(), spreadsheetId,
                params.subject() + ": spreadsheet '" + spreadsheetId + "' range '" + range
                + "'");

        List<Integer> indexes = new ArrayList<>();
        List<JsonNode> found = new ArrayList<>();
        int[] matched = {0};
        int firstRow = api.read(range, false, api.subject() + ": reading", (index, parser) -> {
            JsonNode row = api.readValue(parser);
            if (Cells.matches(row.get(offset), value) && matched[0]++ < limit) {
                indexes.add(index);
                found.add(row);
            }
        });

        ObjectNode result = parts.json().createObjectNode();
        ArrayNode rows = result.putArray("rows");
        for (int i = 0; i < found.size(); i++) {
            rows.addObject().put("row", firstRow + indexes.get(i)).set("values", found.get(i));
        }
        return result.put("truncated", matched[0] > limit);
    }

    private static int offset(ActionParams params, String range, String column) {
        int index = A1Range.columnIndex(column);
        int first = A1Range.firstColumn(range);
        OptionalInt last = Ranges.lastColumn(range);
        if (index < first || last.isPresent() && index > last.getAsInt()) {
            throw params.invalid("parameter 'column': column '" + column + "' is outside "
                    + "range '" + range + "'; look in a column the range reads");
        }
        return index - first;
    }

    @Override
    public String toString() {
        return "Action[google-sheets/lookup-rows]";
    }
}
