package dev.recipes.testkit.sheets;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A range in A1 notation as the fake reads it: a sheet name, optionally quoted, and optional
 * cells. Its first column is where appended rows start; the whole block is what a read covers.
 * A side without a bound ({@code Log!A:D} has no rows given) is {@link #OPEN}.
 *
 * @param sheet the sheet's name, unquoted
 * @param firstColumn the index of the range's first column, 0 for {@code A}
 * @param lastColumn the index of its last column, or {@link #OPEN}
 * @param firstRow its first row, from 1
 * @param lastRow its last row, or {@link #OPEN}
 */
record SheetRange(String sheet, int firstColumn, int lastColumn, int firstRow, int lastRow) {

    /** A side of a range that runs to the end of the sheet. */
    static final int OPEN = Integer.MAX_VALUE;

    private static final Pattern CELL = Pattern.compile("([A-Za-z]{1,3})?([1-9][0-9]{0,6})?");
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z0-9_]+");

    /**
     * Parses a range.
     *
     * @param text such as {@code Log!A:D}, {@code 'Sales 2024'!B1}, {@code Log!F:F},
     *     {@code Log!A2:C} or {@code Log}
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
        return cells.isEmpty() ? new SheetRange(sheet, 0, OPEN, 1, OPEN) : block(sheet, cells);
    }

    /**
     * Tells whether a range's first corner names a row, as {@code Log!A1} and
     * {@code Log!C5:F} do and {@code Log} and {@code Log!A:Z} do not.
     *
     * @param text a range that {@link #parse(String)} accepts
     * @return {@code true} if it starts at a row
     */
    static boolean startsAtRow(String text) {
        int bang = text.lastIndexOf('!');
        if (bang < 0 || text.startsWith("'") && bang < closingQuote(text)) {
            return false;
        }
        String first = text.substring(bang + 1).split(":", -1)[0];
        return !first.isEmpty() && Character.isDigit(first.charAt(first.length() - 1));
    }

    /** Reads cells such as {@code A:D}, {@code A1}, {@code 2:5} or {@code A2:C}; null if bad. */
    private static SheetRange block(String sheet, String cells) {
        String[] corners = cells.split(":", -1);
        if (corners.length > 2) {
            return null;
        }
        Matcher start = CELL.matcher(corners[0]);
        Matcher end = CELL.matcher(corners[corners.length - 1]);
        if (corners[0].isEmpty() || corners[corners.length - 1].isEmpty() || !start.matches()
                || !end.matches()) {
            return null;
        }
        int firstColumn = start.group(1) == null ? 0 : columnIndex(start.group(1));
        int lastColumn = end.group(1) == null ? OPEN : columnIndex(end.group(1));
        int firstRow = start.group(2) == null ? 1 : Integer.parseInt(start.group(2));
        int lastRow = end.group(2) == null ? OPEN : Integer.parseInt(end.group(2));
        // Google takes the corners in either order: D:A is A:D.
        return new SheetRange(sheet, Math.min(firstColumn, lastColumn),
                lastColumn == OPEN ? OPEN : Math.max(firstColumn, lastColumn),
                Math.min(firstRow, lastRow), lastRow == OPEN ? OPEN : Math.max(firstRow, lastRow));
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
