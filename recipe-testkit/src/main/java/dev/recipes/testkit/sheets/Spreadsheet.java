package dev.recipes.testkit.sheets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One spreadsheet of the fake: named sheets holding rows of cells. Not thread-safe; the server
 * guards it.
 */
final class Spreadsheet {

    private final String id;
    private final boolean fixedSheets;
    private final Map<String, List<List<Object>>> sheets = new LinkedHashMap<>();

    /**
     * Creates a spreadsheet.
     *
     * @param id its id
     * @param sheetNames its sheets; when empty, any sheet is created on its first write
     */
    Spreadsheet(String id, List<String> sheetNames) {
        this.id = id;
        this.fixedSheets = !sheetNames.isEmpty();
        sheetNames.forEach(name -> sheets.put(name, new ArrayList<>()));
    }

    boolean hasSheet(String name) {
        return !fixedSheets || sheets.containsKey(name);
    }

    List<List<Object>> rows(String sheet) {
        List<List<Object>> rows = sheets.getOrDefault(sheet, List.of());
        List<List<Object>> copy = new ArrayList<>(rows.size());
        rows.forEach(row -> copy.add(List.copyOf(row)));
        return List.copyOf(copy);
    }

    /** Replaces a sheet's rows with copies of the given ones. */
    void replaceRows(String sheet, List<List<Object>> rows) {
        List<List<Object>> copy = new ArrayList<>(rows.size());
        rows.forEach(row -> copy.add(new ArrayList<>(row)));
        sheets.put(sheet, copy);
    }

    /**
     * Appends rows after the last row of a sheet and answers like {@code values.append}.
     *
     * <p>Where the rows start models Google's table detection: a range whose first corner
     * names a row ({@code Log!A1}, {@code Log!C5:F}) is anchored, and rows start in its first
     * column. A range without one ({@code Log}, {@code Log!A:Z}) makes Google look for the
     * table in it, and rows start in the leftmost column holding data in the range, at or
     * below its first row; so when the data starts right of the range's first column, the
     * rows shift right, as they do at Google.
     *
     * @param range where to append
     * @param anchored whether the range's first corner names a row
     * @param values the rows, already checked to hold only scalars
     * @param userEntered whether to parse values as {@code USER_ENTERED} does
     * @return the AppendValuesResponse
     */
    ObjectNode append(SheetRange range, boolean anchored, List<JsonNode> values,
            boolean userEntered) {
        List<List<Object>> rows = sheets.computeIfAbsent(range.sheet(), name -> new ArrayList<>());
        int start = anchored ? range.firstColumn() : tableStart(rows, range);
        ObjectNode answer = Answer.JSON.createObjectNode().put("spreadsheetId", id);
        if (!rows.isEmpty()) {
            int width = rows.stream().mapToInt(List::size).max().orElse(1);
            answer.put("tableRange", SheetRange.block(range.sheet(), start, 1,
                    Math.max(1, width - start), rows.size()));
        }
        ObjectNode updates = answer.putObject("updates").put("spreadsheetId", id);
        // Rows never land above the range: on a sheet shorter than its first row, the rows
        // start at that row.
        while (rows.size() + 1 < range.firstRow()) {
            rows.add(new ArrayList<>());
        }
        int firstRow = rows.size() + 1;
        int columns = 0;
        int cells = 0;
        for (JsonNode value : values) {
            List<Object> row = new ArrayList<>();
            for (int i = 0; i < start; i++) {
                row.add("");
            }
            value.forEach(cell -> row.add(userEntered ? parseUserEntered(cell) : raw(cell)));
            rows.add(row);
            columns = Math.max(columns, value.size());
            cells += value.size();
        }
        if (!values.isEmpty() && columns > 0) {
            updates.put("updatedRange", SheetRange.block(range.sheet(), start,
                    firstRow, columns, values.size()));
            updates.put("updatedRows", values.size());
            updates.put("updatedColumns", columns);
            updates.put("updatedCells", cells);
        }
        return answer;
    }

    /** The leftmost column of the range holding data at or below its first row. */
    private static int tableStart(List<List<Object>> rows, SheetRange range) {
        int start = Integer.MAX_VALUE;
        for (int r = range.firstRow(); r <= rows.size() && r <= range.lastRow(); r++) {
            List<Object> row = rows.get(r - 1);
            for (int c = range.firstColumn(); c < row.size() && c <= range.lastColumn(); c++) {
                if (!"".equals(row.get(c))) {
                    start = Math.min(start, c);
                    break;
                }
            }
        }
        return start == Integer.MAX_VALUE ? range.firstColumn() : start;
    }

    /**
     * Writes rows over a block starting at the range's first cell and answers like
     * {@code values.update}; the sheet grows as needed.
     *
     * @param range where to write; a range with an end must hold the rows
     * @param values the rows, already checked to hold only scalars
     * @param userEntered whether to parse values as {@code USER_ENTERED} does
     * @return the UpdateValuesResponse, or {@code null} if the rows do not fit the range
     */
    ObjectNode update(SheetRange range, List<JsonNode> values, boolean userEntered) {
        int columns = values.stream().mapToInt(JsonNode::size).max().orElse(0);
        if (range.lastColumn() != SheetRange.OPEN
                && range.firstColumn() + columns - 1 > range.lastColumn()
                || range.lastRow() != SheetRange.OPEN
                && range.firstRow() + values.size() - 1 > range.lastRow()) {
            return null;
        }
        List<List<Object>> rows = sheets.computeIfAbsent(range.sheet(), name -> new ArrayList<>());
        int cells = 0;
        for (int i = 0; i < values.size(); i++) {
            int r = range.firstRow() + i;
            while (rows.size() < r) {
                rows.add(new ArrayList<>());
            }
            List<Object> row = rows.get(r - 1);
            JsonNode value = values.get(i);
            while (row.size() < range.firstColumn() + value.size()) {
                row.add("");
            }
            for (int c = 0; c < value.size(); c++) {
                JsonNode cell = value.get(c);
                row.set(range.firstColumn() + c, userEntered ? parseUserEntered(cell)
                        : raw(cell));
                cells++;
            }
        }
        ObjectNode answer = Answer.JSON.createObjectNode().put("spreadsheetId", id);
        if (cells > 0) {
            answer.put("updatedRange", SheetRange.block(range.sheet(), range.firstColumn(),
                    range.firstRow(), columns, values.size()));
            answer.put("updatedRows", values.size());
            answer.put("updatedColumns", columns);
            answer.put("updatedCells", cells);
        }
        return answer;
    }

    /**
     * Reads a block of a sheet and answers like {@code values.get}: a {@code ValueRange} whose
     * {@code values} leave out trailing empty cells and lines, and no {@code values} at all
     * when the block is empty. Its {@code range} is the block asked for, with a side left
     * open ending at the sheet's last row or column that holds data.
     *
     * @param range the block; its sheet may be one never written, which reads as empty
     * @param byColumns {@code true} for {@code majorDimension=COLUMNS}
     * @param formatted {@code true} for {@code FORMATTED_VALUE}: every cell as text
     * @return the ValueRange
     */
    ObjectNode read(SheetRange range, boolean byColumns, boolean formatted) {
        List<List<Object>> rows = sheets.getOrDefault(range.sheet(), List.of());
        int width = rows.stream().mapToInt(List::size).max().orElse(0);
        int lastRow = range.lastRow() != SheetRange.OPEN ? range.lastRow()
                : Math.max(rows.size(), range.firstRow());
        int lastColumn = range.lastColumn() != SheetRange.OPEN ? range.lastColumn()
                : Math.max(width - 1, range.firstColumn());
        ObjectNode answer = Answer.JSON.createObjectNode()
                .put("range", SheetRange.block(range.sheet(), range.firstColumn(),
                        range.firstRow(), lastColumn - range.firstColumn() + 1,
                        lastRow - range.firstRow() + 1))
                .put("majorDimension", byColumns ? "COLUMNS" : "ROWS");

        List<List<Object>> lines = new ArrayList<>();
        for (int r = range.firstRow(); r <= Math.min(lastRow, rows.size()); r++) {
            List<Object> row = rows.get(r - 1);
            for (int c = range.firstColumn(); c <= Math.min(lastColumn, row.size() - 1); c++) {
                Object cell = row.get(c);
                if (!"".equals(cell)) {
                    int major = byColumns ? c - range.firstColumn() : r - range.firstRow();
                    int minor = byColumns ? r - range.firstRow() : c - range.firstColumn();
                    put(lines, major, minor, cell);
                }
            }
        }
        if (!lines.isEmpty()) {
            ArrayNode values = answer.putArray("values");
            for (List<Object> line : lines) {
                ArrayNode cells = values.addArray();
                line.forEach(cell -> cells.add(render(cell, formatted)));
            }
        }
        return answer;
    }

    /** Puts a non-empty cell in a ragged grid, growing it with empty cells as needed. */
    private static void put(List<List<Object>> lines, int major, int minor, Object cell) {
        while (lines.size() <= major) {
            lines.add(new ArrayList<>());
        }
        List<Object> line = lines.get(major);
        while (line.size() <= minor) {
            line.add("");
        }
        line.set(minor, cell);
    }

    // Limitation: formatted numbers are plain decimals, as the "Automatic" format shows most of
    // them; Google's own formats (dates, currencies, grouping) are not applied.
    private static JsonNode render(Object cell, boolean formatted) {
        if (cell instanceof Boolean flag) {
            return formatted ? TextNode.valueOf(flag ? "TRUE" : "FALSE")
                    : BooleanNode.valueOf(flag);
        } else if (cell instanceof Long number) {
            return formatted ? TextNode.valueOf(number.toString()) : LongNode.valueOf(number);
        } else if (cell instanceof Double number) {
            return formatted ? TextNode.valueOf(BigDecimal.valueOf(number).stripTrailingZeros()
                    .toPlainString()) : DoubleNode.valueOf(number);
        }
        return TextNode.valueOf(String.valueOf(cell));
    }

    private static Object raw(JsonNode cell) {
        if (cell.isNull()) {
            return "";
        } else if (cell.isBoolean()) {
            return cell.booleanValue();
        } else if (cell.isIntegralNumber() && cell.canConvertToLong()) {
            return cell.longValue();
        } else if (cell.isNumber()) {
            return cell.doubleValue();
        }
        return cell.asText();
    }

    // Limitation: formulas are kept as their text and dates stay text; the fake parses only
    // numbers, booleans and the leading apostrophe that forces text.
    private static Object parseUserEntered(JsonNode cell) {
        if (!cell.isTextual()) {
            return raw(cell);
        }
        String text = cell.asText();
        if (text.startsWith("'")) {
            return text.substring(1);
        }
        String upper = text.strip().toUpperCase(Locale.ROOT);
        if (upper.equals("TRUE") || upper.equals("FALSE")) {
            return Boolean.valueOf(upper);
        }
        try {
            BigDecimal number = new BigDecimal(text.strip());
            return number.scale() <= 0 && number.abs().compareTo(BigDecimal.valueOf(
                    Long.MAX_VALUE)) < 0 ? (Object) number.longValueExact()
                    : (Object) number.doubleValue();
        } catch (NumberFormatException | ArithmeticException e) {
            return text;
        }
    }
}
