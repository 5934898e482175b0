package dev.recipes.testkit;

import dev.recipes.testkit.sheets.FakeSheetsServer;
import dev.recipes.testkit.sheets.RecordedRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Assertions on the rows of one sheet of a {@link FakeSheetsServer}, read when each check
 * runs. Cells compare as the fake stores them (text, numbers, booleans), numbers by value, so
 * {@code 3} matches a stored {@code 3L}.
 *
 * <pre>{@code
 * engine.assertThatSheet(sheets, "1AbCsheet", "Log")
 *         .containsExactlyRows(List.of("U0USER1", "invoice #42 paid"));
 * }</pre>
 *
 * <p>A failure shows the rows there are, the requests the fake received (credentials masked)
 * and everything the engine saw.
 */
public final class SheetAssert {

    private static final Pattern SECRET_QUERY =
            Pattern.compile("(?i)(^|&)(access_token|key)=[^&]*");

    private final TestEngine engine;
    private final FakeSheetsServer sheets;
    private final String spreadsheetId;
    private final String sheetName;

    SheetAssert(TestEngine engine, FakeSheetsServer sheets, String spreadsheetId,
            String sheetName) {
        this.engine = engine;
        this.sheets = sheets;
        this.spreadsheetId = Objects.requireNonNull(spreadsheetId, "spreadsheetId");
        this.sheetName = Objects.requireNonNull(sheetName, "sheetName");
    }

    /**
     * Checks the sheet holds exactly these rows, in this order.
     *
     * @param rows the rows, each a list of cells
     * @return this
     * @throws AssertionError if it holds other rows, more, fewer, or in another order
     */
    public SheetAssert containsExactlyRows(List<?>... rows) {
        List<List<?>> expected = Arrays.asList(rows);
        List<List<Object>> actual = sheets.rows(spreadsheetId, sheetName);
        boolean same = expected.size() == actual.size();
        for (int i = 0; same && i < expected.size(); i++) {
            same = Values.sameRow(Objects.requireNonNull(expected.get(i), "row"), actual.get(i));
        }
        if (!same) {
            throw failure("expected " + sheet() + " to hold exactly the rows "
                    + Compact.value(new ArrayList<>(expected)) + ", but it holds "
                    + rows(actual), Compact.value(new ArrayList<>(expected)),
                    Compact.value(new ArrayList<>(actual)));
        }
        return this;
    }

    /**
     * Checks the sheet holds a row with exactly these cells.
     *
     * @param cells the row's cells
     * @return this
     * @throws AssertionError if no row matches
     */
    public SheetAssert containsRow(Object... cells) {
        List<Object> expected = Arrays.asList(cells);
        List<List<Object>> actual = sheets.rows(spreadsheetId, sheetName);
        if (actual.stream().noneMatch(row -> Values.sameRow(expected, row))) {
            throw failure("expected " + sheet() + " to hold the row " + Compact.value(expected)
                    + ", but it holds " + rows(actual), null, null);
        }
        return this;
    }

    /**
     * Checks how many rows the sheet holds.
     *
     * @param expected the count
     * @return this
     * @throws AssertionError if it holds more or fewer
     */
    public SheetAssert hasRowCount(int expected) {
        List<List<Object>> actual = sheets.rows(spreadsheetId, sheetName);
        if (actual.size() != Check.requireCount(expected)) {
            throw failure("expected " + sheet() + " to hold " + expected + " row"
                    + (expected == 1 ? "" : "s") + ", but it holds " + rows(actual),
                    String.valueOf(expected), String.valueOf(actual.size()));
        }
        return this;
    }

    /**
     * Checks the sheet holds no rows (or does not exist).
     *
     * @return this
     * @throws AssertionError if it holds a row
     */
    public SheetAssert isEmpty() {
        return hasRowCount(0);
    }

    /**
     * Returns the rows the sheet holds now, for other checks.
     *
     * @return the rows
     */
    public List<List<Object>> rows() {
        return sheets.rows(spreadsheetId, sheetName);
    }

    private String sheet() {
        return "sheet '" + sheetName + "' of spreadsheet '" + spreadsheetId + "'";
    }

    private static String rows(List<List<Object>> rows) {
        return rows.isEmpty() ? "none" : rows.size() + " row" + (rows.size() == 1 ? "" : "s")
                + ":" + Compact.list(rows, row -> Compact.value(row));
    }

    private AssertionError failure(String message, String expected, String actual) {
        String full = message + "\n\n" + requests(sheets) + "\n\n" + engine.seen().describe();
        return expected == null ? Failures.fail(full) : Failures.fail(full, expected, actual);
    }

    /** Shows what a fake Sheets server received, credentials masked. */
    static String requests(FakeSheetsServer sheets) {
        return Compact.section("Requests the fake Sheets server received", sheets.requests(),
                SheetAssert::request);
    }

    /** Shows a request on one line: the method, path and query, then the body if it is JSON. */
    static String request(RecordedRequest request) {
        String query = SECRET_QUERY.matcher(request.query()).replaceAll("$1$2=" + Compact.MASK);
        String line = request.method() + " " + request.path()
                + (query.isEmpty() ? "" : "?" + query);
        if (request.isTokenRequest()) {
            return line + " (a token request; its form is not shown)";
        }
        return request.body().isEmpty() ? line
                : line + " " + Compact.cut(request.body(), Compact.JSON_WIDTH);
    }
}
