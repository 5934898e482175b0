package dev.recipes.sheets;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionInvocation;
import java.io.IOException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code upsert-row} action: writes a row over the row whose key column holds the row's
 * key, or appends it when no row does.
 *
 * <p>Parameters: {@code spreadsheetId}; {@code range}, such as {@code Orders!A:D}, or
 * {@code Orders!A2:D} to keep row 1 (a header) out of the search; {@code values}, one row of
 * text, numbers, booleans and nulls starting in the range's first column; {@code keyColumn},
 * the letters of one of the columns the row fills, whose cell is the key (non-empty text, a
 * number or a boolean); optionally {@code valueInputOption} and {@code timestampColumns}, as
 * for {@code append-row}.
 *
 * <p>The action reads the key column ({@code values.get}, unformatted), then either updates
 * the first matching row from the range's first column ({@code values.update}) or appends
 * ({@code values.append} with the range's top-left cell and {@code INSERT_ROWS}). Keys match
 * as in {@code lookup-rows}. The result is Google's answer to the write plus
 * {@code "operation": "updated"} or {@code "appended"}, and for an update the {@code row}.
 *
 * <p>A retry after an unknown outcome is harmless: it reads again and updates the row the
 * earlier attempt appended. Upserts of the same spreadsheet, sheet, key column and key run one
 * at a time within one service instance, so two of them cannot both append.
 */
final class UpsertRowAction implements Action {

    /** The action's name. */
    static final String NAME = "upsert-row";

    private static final Logger LOG = LoggerFactory.getLogger(UpsertRowAction.class);

    /**
     * What concurrent upserts must not share.
     *
     * @param spreadsheetId the spreadsheet
     * @param sheet the sheet's name, unquoted
     * @param keyColumn the key column's letters
     * @param key the key, as {@link Cells#keyText(JsonNode)} writes it
     */
    private record LockKey(String spreadsheetId, String sheet, String keyColumn, String key) {
    }

    private final Supplier<AppendRowAction.Wiring> wiring;
    // Limitation: the lock holds within one service instance only. Engines on other hosts
    // sharing a spreadsheet can still both append the same new key; give such a recipe one
    // instance (or a lease) if duplicates matter.
    private final KeyedLocks<LockKey> locks = new KeyedLocks<>();

    UpsertRowAction(Supplier<AppendRowAction.Wiring> wiring) {
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
        ValueInputOption option = params.valueInputOption();
        JsonNode given = params.require("values", "a row: an array of cells");
        if (!given.isArray() || given.isEmpty() || given.get(0).isArray()) {
            throw params.invalid("parameter 'values' must be one row: a non-empty array of "
                    + "cells");
        }
        String keyColumn = params.column("keyColumn", true);
        JsonNode key = key(params, range, keyColumn, given);
        ArrayNode row = Cells.row(given, "'values'", given.size(),
                params.timestampColumns(given.size()), option, parts.settings().time(),
                parts.json(), params);
        ValuesApi api = new ValuesApi(parts, invocation.requireConnection(), spreadsheetId,
                params.subject() + ": spreadsheet '" + spreadsheetId + "' range '" + range
                + "'");

        LockKey lock = new LockKey(spreadsheetId, sheetName(range), keyColumn,
                Cells.keyText(key));
        return locks.withLock(lock, api.subject(),
                () -> upsert(api, range, keyColumn, key, row, option));
    }

    private static JsonNode upsert(ValuesApi api, String range, String keyColumn,
            JsonNode key, ArrayNode row, ValueInputOption option) {
        int found = findRow(api, range, keyColumn, key);
        ArrayNode rows = api.parts().json().createArrayNode().add(row);
        if (found > 0) {
            int first = A1Range.firstColumn(range);
            String target = A1Range.sheet(range) + "!" + Ranges.cell(first, found) + ":"
                    + Ranges.cell(first + row.size() - 1, found);
            LOG.debug("{}: key '{}' is in row {}; updating it", api.subject(),
                    Cells.keyText(key), found);
            return api.update(target, option, rows).put("operation", "updated")
                    .put("row", found);
        }
        ObjectNode updates = api.append(Ranges.anchor(range), option, rows);
        return updates.put("operation", "appended");
    }

    /** Returns the first row at or below the range's first row holding the key, or 0. */
    private static int findRow(ValuesApi api, String range, String keyColumn, JsonNode key) {
        int fromRow = Ranges.firstRow(range).orElse(1);
        String column = A1Range.sheet(range) + "!" + keyColumn + fromRow + ":" + keyColumn;
        int[] match = {-1};
        int firstRow = api.read(column, true, api.subject() + ": looking up the key in '"
                + column + "'", (index, parser) -> {
                    int cells = 0;
                    for (JsonToken cell = parser.nextToken(); cell != JsonToken.END_ARRAY;
                            cell = parser.nextToken()) {
                        if (cell == null) {
                            throw new IOException("the answer ends inside 'values'");
                        }
                        JsonNode value = api.readValue(parser);
                        if (index == 0 && match[0] < 0 && Cells.matches(value, key)) {
                            match[0] = cells;
                        }
                        cells++;
                    }
                });
        return match[0] < 0 ? 0 : firstRow + match[0];
    }

    /** Returns the sheet's name, unquoted, so that {@code 'Orders'} and {@code Orders} match. */
    private static String sheetName(String range) {
        String sheet = A1Range.sheet(range);
        return sheet.startsWith("'") ? sheet.substring(1, sheet.length() - 1).replace("''", "'")
                : sheet;
    }

    private static JsonNode key(ActionParams params, String range, String keyColumn,
            JsonNode given) {
        int offset = A1Range.columnIndex(keyColumn) - A1Range.firstColumn(range);
        if (offset < 0 || offset >= given.size()) {
            throw params.invalid("parameter 'keyColumn': column '" + keyColumn + "' is not one "
                    + "of the columns the row fills, '" + A1Range.columnLetters(
                    A1Range.firstColumn(range)) + "' to '" + A1Range.columnLetters(
                    A1Range.firstColumn(range) + given.size() - 1) + "'; the key is the "
                    + "row's cell in that column");
        }
        JsonNode key = given.get(offset);
        if (!key.isValueNode() || key.isNull() || key.isTextual() && key.asText().isBlank()) {
            throw params.invalid("the key, cell " + offset + " of 'values' (column '"
                    + keyColumn + "'), must be non-empty text, a number or a boolean; it is "
                    + (key.isTextual() ? "blank" : ActionParams.kind(key)));
        }
        return key;
    }

    @Override
    public String toString() {
        return "Action[google-sheets/upsert-row]";
    }
}
