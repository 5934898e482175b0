package dev.recipes.sheets;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionInvocation;
import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code append-rows} action: appends many rows in one {@code spreadsheets.values.append}
 * request, which Google applies all or nothing.
 *
 * <p>Parameters: {@code spreadsheetId} and {@code range} (text); {@code rows}, a non-empty
 * array of at most {@value #MAX_ROWS} rows, each a non-empty array of text, numbers, booleans
 * and nulls (null is written as an empty cell; shorter rows are padded with empty cells to the
 * longest); optionally {@code valueInputOption} ({@code RAW} by default, or
 * {@code USER_ENTERED}, with text starting with {@code = + - @}, tab or CR written with a
 * leading apostrophe), {@code timestampColumns} (indexes of cells holding ISO 8601 timestamps,
 * written as the service's time format says) and {@code keyColumn} (column letters right of
 * the rows' cells).
 *
 * <p>The request's range is the given range's top-left cell, such as {@code Log!A1} for
 * {@code Log!A:D}, so that rows start in the range's first column whatever else the sheet
 * holds. The result is Google's {@code updates}.
 *
 * <p>With a key column, row {@code i} carries {@code <idempotencyKey>#<i>} in it, and the result
 * also has {@code alreadyWrittenRows}. When the invocation {@linkplain
 * ActionInvocation#mayHaveRunBefore() may have run before}, the action first reads the key
 * column and appends only the rows whose key is not there; when all are, it appends nothing.
 */
final class AppendRowsAction implements Action {

    /** The action's name. */
    static final String NAME = "append-rows";

    /** The most rows one invocation appends; Google advises requests under 2 MB. */
    static final int MAX_ROWS = 10_000;

    private static final Logger LOG = LoggerFactory.getLogger(AppendRowsAction.class);

    private final Supplier<AppendRowAction.Wiring> wiring;

    AppendRowsAction(Supplier<AppendRowAction.Wiring> wiring) {
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
        JsonNode given = params.require("rows", "a non-empty array of rows");
        if (!given.isArray() || given.isEmpty() || given.size() > MAX_ROWS) {
            throw params.invalid("parameter 'rows' must be an array of 1 to " + MAX_ROWS
                    + " rows, each an array of cells; it is " + (given.isArray() ? given.size()
                    + " rows" : ActionParams.kind(given)));
        }
        int width = 0;
        for (JsonNode line : given) {
            width = Math.max(width, line.size());
        }
        Set<Integer> timestamps = params.timestampColumns(Math.max(width, 1));
        ArrayNode rows = parts.json().createArrayNode();
        for (int i = 0; i < given.size(); i++) {
            rows.add(Cells.row(given.get(i), "row " + i + " of 'rows'", width, timestamps,
                    option, parts.settings().time(), parts.json(), params));
        }
        String keyColumn = keyColumn(params, range, width);
        ValuesApi api = new ValuesApi(parts, invocation.requireConnection(), spreadsheetId,
                params.subject() + ": spreadsheet '" + spreadsheetId + "' range '" + range
                + "'");

        // Limitation: without a key column nothing is checked, so a retry after an unknown
        // outcome (a timeout, a 503 after the write) may write the rows twice.
        if (keyColumn == null) {
            return api.append(Ranges.anchor(range), option, rows);
        }
        return appendOnce(api, range, keyColumn, rows, option, invocation);
    }

    // Limitation: the read sees only writes Google finished before it, as for append-row.
    private static JsonNode appendOnce(ValuesApi api, String range, String keyColumn,
            ArrayNode rows, ValueInputOption option, ActionInvocation invocation) {
        String prefix = invocation.idempotencyKey() + "#";
        Set<String> written = invocation.mayHaveRunBefore()
                ? writtenKeys(api, range, keyColumn, prefix) : Set.of();
        int offset = A1Range.columnIndex(keyColumn) - A1Range.firstColumn(range);
        ArrayNode missing = api.parts().json().createArrayNode();
        for (int i = 0; i < rows.size(); i++) {
            String key = prefix + i;
            if (written.contains(key)) {
                continue;
            }
            ArrayNode row = (ArrayNode) rows.get(i);
            while (row.size() < offset) {
                row.add("");
            }
            // With USER_ENTERED, the apostrophe keeps the key as text, whatever it looks like.
            row.add(option == ValueInputOption.USER_ENTERED ? "'" + key : key);
            missing.add(row);
        }
        int already = rows.size() - missing.size();
        if (missing.isEmpty()) {
            LOG.debug("{}: an earlier attempt wrote all {} rows; not appending again",
                    api.subject(), rows.size());
            return api.parts().json().createObjectNode()
                    .put("spreadsheetId", api.spreadsheetId())
                    .put("updatedRows", 0)
                    .put("alreadyWrittenRows", already);
        }
        ObjectNode updates = api.append(Ranges.anchor(range), option, missing);
        return updates.put("alreadyWrittenRows", already);
    }

    private static Set<String> writtenKeys(ValuesApi api, String range, String keyColumn,
            String prefix) {
        String column = A1Range.sheet(range) + "!" + keyColumn + ":" + keyColumn;
        String typed = "'" + prefix;
        Set<String> keys = new HashSet<>();
        api.read(column, true, api.subject() + ": looking up the idempotency keys in '"
                + column + "'", (index, parser) -> {
                    for (JsonToken cell = parser.nextToken(); cell != JsonToken.END_ARRAY;
                            cell = parser.nextToken()) {
                        if (cell == null) {
                            throw new IOException("the answer ends inside 'values'");
                        }
                        if (index == 0 && cell == JsonToken.VALUE_STRING) {
                            String text = parser.getText();
                            if (text.startsWith(prefix)) {
                                keys.add(text);
                            } else if (text.startsWith(typed)) {
                                keys.add(text.substring(1));
                            }
                        }
                        parser.skipChildren();
                    }
                });
        return keys;
    }

    private static String keyColumn(ActionParams params, String range, int width) {
        String column = params.column("keyColumn", false);
        String problem = column == null ? null : A1Range.keyColumnProblem(range, column, width);
        if (problem != null) {
            throw params.invalid("parameter 'keyColumn': " + problem);
        }
        return column;
    }

    @Override
    public String toString() {
        return "Action[google-sheets/append-rows]";
    }
}
