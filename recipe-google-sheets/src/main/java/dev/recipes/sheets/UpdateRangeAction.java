package dev.recipes.sheets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionInvocation;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The {@code update-range} action: writes values over an explicit range with
 * {@code spreadsheets.values.update}; writing the same values again changes nothing, so a
 * retry is harmless.
 *
 * <p>Parameters: {@code spreadsheetId}; {@code range}, starting at a cell, such as
 * {@code Log!B7:D7} or {@code Log!B7}; {@code values}, one row (an array of cells) or several
 * (an array of arrays), each cell text, a number, a boolean or null (an empty cell);
 * optionally {@code valueInputOption} ({@code RAW} by default, or {@code USER_ENTERED} with
 * the formula guard) and {@code timestampColumns}. Rows that do not fit a range with an end,
 * such as three cells for {@code Log!B7:C7}, are refused before calling Google; a single
 * cell, such as {@code Log!B7}, is where the values start, and they may extend from there.
 * The result is Google's {@code UpdateValuesResponse}: {@code updatedRange},
 * {@code updatedRows}, {@code updatedColumns}, {@code updatedCells}.
 */
final class UpdateRangeAction implements Action {

    /** The action's name. */
    static final String NAME = "update-range";

    private final Supplier<AppendRowAction.Wiring> wiring;

    UpdateRangeAction(Supplier<AppendRowAction.Wiring> wiring) {
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
        if (Ranges.firstRow(range).isEmpty()) {
            throw params.invalid("range '" + range + "' must start at a cell, such as "
                    + "'Log!B7:D7' or 'Log!B7', so that the action knows which row it writes");
        }
        ValueInputOption option = params.valueInputOption();
        ArrayNode rows = rows(params, parts, option);
        checkFits(params, range, rows);

        ValuesApi api = new ValuesApi(parts, invocation.requireConnection(), spreadsheetId,
                params.subject() + ": spreadsheet '" + spreadsheetId + "' range '" + range
                + "'");
        return api.update(range, option, rows);
    }

    /** Reads {@code values}: one row, or an array of rows, padded to one width. */
    static ArrayNode rows(ActionParams params, AppendRowAction.Wiring parts,
            ValueInputOption option) {
        JsonNode given = params.require("values", "a row (an array of cells) or an array of "
                + "rows");
        if (!given.isArray() || given.isEmpty()) {
            throw params.invalid("parameter 'values' must be a non-empty array of cells, or "
                    + "of rows; it is " + (given.isArray() ? "empty" : ActionParams.kind(given)));
        }
        boolean oneRow = !given.get(0).isArray();
        ArrayNode lines = parts.json().createArrayNode();
        if (oneRow) {
            lines.add(given);
        } else {
            lines.addAll((ArrayNode) given);
        }
        int width = 0;
        for (JsonNode line : lines) {
            width = Math.max(width, line.size());
        }
        Set<Integer> timestamps = params.timestampColumns(Math.max(width, 1));
        ArrayNode rows = parts.json().createArrayNode();
        for (int i = 0; i < lines.size(); i++) {
            rows.add(Cells.row(lines.get(i), oneRow ? "'values'" : "row " + i
                    + " of 'values'", width, timestamps, option, parts.settings().time(),
                    parts.json(), params));
        }
        return rows;
    }

    private static void checkFits(ActionParams params, String range, ArrayNode rows) {
        if (range.substring(range.lastIndexOf('!') + 1).indexOf(':') < 0) {
            return; // a single cell is where the values start, as at Google
        }
        int width = rows.get(0).size();
        OptionalInt lastColumn = Ranges.lastColumn(range);
        int first = A1Range.firstColumn(range);
        if (lastColumn.isPresent() && width > lastColumn.getAsInt() - first + 1) {
            throw params.invalid("range '" + range + "' has " + (lastColumn.getAsInt() - first
                    + 1) + " columns but the rows have " + width + " cells; widen the range "
                    + "or write fewer cells");
        }
        OptionalInt lastRow = Ranges.lastRow(range);
        int firstRow = Ranges.firstRow(range).orElse(1);
        if (lastRow.isPresent() && rows.size() > lastRow.getAsInt() - firstRow + 1) {
            throw params.invalid("range '" + range + "' has " + (lastRow.getAsInt() - firstRow
                    + 1) + " rows but 'values' has " + rows.size() + "; widen the range or "
                    + "write fewer rows");
        }
    }

    @Override
    public String toString() {
        return "Action[google-sheets/update-range]";
    }
}
