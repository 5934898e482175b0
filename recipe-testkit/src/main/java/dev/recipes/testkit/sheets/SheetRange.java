package dev.recipes.testkit.sheets;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A range in A1 notation as the fake reads it: a sheet name, optionally quoted, and optional
 * cells whose first column is where appended rows start.
 *
 * @param sheet the sheet's name, unquoted
 * @param firstColumn the index of the range's first column, 0 for {@code A}
 */
record SheetRange(String sheet, int firstColumn) {

    private static final Pattern CELL = Pattern.compile("([A-Za-z]{1,3})?([1-9][0-9]{0,6})?");
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z0-9_]+");

    /**
     * Parses a range.
     *
     * @param text such as {@code Log!A:D}, {@code 'Sales 2024'!B1} or {@code Log}
     * @return the range, or {@code null} if Google could not parse it either
     */
    static SheetRange parse(String text) {
        String sheet;
        String cells;
        if (text.startsWith("'")) {
            int end = closingQuote(text);
            if (end < 0) {
                return null;
            }
            sheet = text.substring(1, end).replace("''", "'");
            String rest = text.substring(end + 1);
            if (!rest.isEmpty() && !rest.startsWith("!")) {
                return null;
            }
            cells = rest.isEmpty() ? "" : rest.substring(1);
        } else {
            int bang = text.indexOf('!');
            sheet = bang < 0 ? text : text.substring(0, bang);
            cells = bang < 0 ? "" : text.substring(bang + 1);
            if (sheet.contains("'")) {
                return null;
            }
        }
        if (sheet.isBlank()) {
            return null;
        }
        Integer column = firstColumn(cells);
        return column == null ? null : new SheetRange(sheet, column);
    }

    private static int closingQuote(String text) {
        for (int i = 1; i < text.length(); i++) {
            if (text.charAt(i) == '\'') {
                if (i + 1 < text.length() && text.charAt(i + 1) == '\'') {
                    i++;
                } else {
                    return i;
                }
            }
        }
        return -1;
    }

    private static Integer firstColumn(String cells) {
        if (cells.isEmpty()) {
            return 0;
        }
        String[] corners = cells.split(":", -1);
        if (corners.length > 2) {
            return null;
        }
        Integer first = null;
        for (String corner : corners) {
            Matcher matcher = CELL.matcher(corner);
            if (corner.isEmpty() || !matcher.matches()) {
                return null;
            }
            if (first == null) {
                first = matcher.group(1) == null ? 0 : columnIndex(matcher.group(1));
            }
        }
        return first;
    }

    /**
     * Converts column letters to an index.
     *
     * @param letters such as {@code A} or {@code AB}
     * @return 0 for {@code A}, 27 for {@code AB}
     */
    static int columnIndex(String letters) {
        int index = 0;
        for (char c : letters.toUpperCase(Locale.ROOT).toCharArray()) {
            index = index * 26 + (c - 'A' + 1);
        }
        return index - 1;
    }

    /**
     * Converts a column index to letters.
     *
     * @param index 0 for {@code A}
     * @return the letters
     */
    static String columnLetters(int index) {
        StringBuilder letters = new StringBuilder();
        for (int n = index + 1; n > 0; n = (n - 1) / 26) {
            letters.insert(0, (char) ('A' + (n - 1) % 26));
        }
        return letters.toString();
    }

    /**
     * Writes a sheet name as Google does in ranges it answers with: quoted unless it is only
     * letters, digits and underscores.
     *
     * @param sheet the name
     * @return the name, quoted if needed
     */
    static String quote(String sheet) {
        return PLAIN_NAME.matcher(sheet).matches() ? sheet : "'" + sheet.replace("'", "''") + "'";
    }

    /**
     * Writes a block of cells with its sheet.
     *
     * @param sheet the sheet's name
     * @param firstColumn the first column's index
     * @param firstRow the first row, from 1
     * @param columns how many columns, at least 1
     * @param rows how many rows, at least 1
     * @return such as {@code Log!A6:D7}, or {@code Log!A6} for one cell
     */
    static String block(String sheet, int firstColumn, int firstRow, int columns, int rows) {
        String start = columnLetters(firstColumn) + firstRow;
        String end = columnLetters(firstColumn + columns - 1) + (firstRow + rows - 1);
        return quote(sheet) + "!" + (start.equals(end) ? start : start + ":" + end);
    }
}
