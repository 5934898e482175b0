package dev.recipes.sheets;

import java.util.OptionalInt;

/**
 * Reads the corners of a checked A1 range, beyond what {@link A1Range} offers: its first row,
 * last column and last row, and the anchored form the Sheets actions send.
 */
final class Ranges {

    private Ranges() {
    }

    /**
     * Returns the row the range starts at, if its first corner names one.
     *
     * @param range such as {@code Log!B7:D7} (7) or {@code Log!A:D} (none)
     * @return the row, from 1
     */
    static OptionalInt firstRow(String range) {
        String[] corners = corners(range);
        if (rowOf(corners[0]) < 0) {
            return OptionalInt.empty();
        }
        int first = Integer.MAX_VALUE;
        for (String corner : corners) {
            first = rowOf(corner) < 0 ? first : Math.min(first, rowOf(corner));
        }
        return OptionalInt.of(first);
    }

    /**
     * Returns the row the range ends at, if it has one.
     *
     * @param range such as {@code Log!B7:D9} (9), {@code Log!B7} (7) or {@code Log!A2:D}
     *     (none)
     * @return the row, from 1
     */
    static OptionalInt lastRow(String range) {
        int last = 0;
        for (String corner : corners(range)) {
            if (rowOf(corner) < 0) {
                return OptionalInt.empty();
            }
            last = Math.max(last, rowOf(corner));
        }
        return OptionalInt.of(last);
    }

    /**
     * Returns the index of the range's last column, if it has one.
     *
     * @param range such as {@code Log!A:D} (3), {@code Log!B7} (1) or {@code Log!2:5} (none)
     * @return the index, 0 for {@code A}
     */
    static OptionalInt lastColumn(String range) {
        int last = 0;
        for (String corner : corners(range)) {
            String letters = corner.replaceAll("[0-9]+$", "");
            if (letters.isEmpty()) {
                return OptionalInt.empty();
            }
            last = Math.max(last, A1Range.columnIndex(letters));
        }
        return OptionalInt.of(last);
    }

    /**
     * Returns the range's top-left cell with its sheet, such as {@code Log!C1} for
     * {@code Log!C:F} and {@code Log!B5} for {@code Log!B5:D}: the anchored range appends are
     * sent with, so that Sheets starts the table there, in the named column, whatever data
     * lies elsewhere on the sheet.
     *
     * @param range a checked range
     * @return the top-left cell
     */
    static String anchor(String range) {
        return A1Range.sheet(range) + "!" + cell(A1Range.firstColumn(range),
                firstRow(range).orElse(1));
    }

    /**
     * Writes a cell reference.
     *
     * @param column the column's index, 0 for {@code A}
     * @param row the row, from 1
     * @return such as {@code C7}
     */
    static String cell(int column, int row) {
        return A1Range.columnLetters(column) + row;
    }

    private static int rowOf(String corner) {
        String digits = corner.replaceAll("^[A-Za-z]+", "");
        return digits.isEmpty() ? -1 : Integer.parseInt(digits);
    }

    private static String[] corners(String range) {
        return range.substring(range.lastIndexOf('!') + 1).split(":");
    }
}
