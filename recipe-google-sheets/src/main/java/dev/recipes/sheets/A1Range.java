package dev.recipes.sheets;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Checks ranges in A1 notation and spreadsheet ids, and encodes them as URL path segments.
 *
 * <p>A range names a sheet and cells: {@code Log!A:D}, {@code 'Sales 2024'!A1:F1},
 * {@code Log!A1}. A sheet name with spaces or punctuation is quoted with {@code '}, and a quote
 * inside it is doubled.
 */
final class A1Range {

    private static final Pattern CELLS = Pattern.compile(
            "(?:[A-Za-z]{1,3}(?:[1-9][0-9]{0,6})?|[1-9][0-9]{0,6})"
                    + "(?::(?:[A-Za-z]{1,3}(?:[1-9][0-9]{0,6})?|[1-9][0-9]{0,6}))?");
    private static final Pattern QUOTED_SHEET = Pattern.compile("'(?:[^']|'')+'");
    private static final Pattern PLAIN_SHEET = Pattern.compile("[^'!\\s](?:[^'!]*[^'!\\s])?");
    private static final Pattern SPREADSHEET_ID = Pattern.compile("[A-Za-z0-9_-]{1,200}");
    private static final Pattern COLUMN = Pattern.compile("[A-Za-z]{1,3}");
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private A1Range() {
    }

    /**
     * Checks a range.
     *
     * @param range such as {@code Log!A:D}
     * @return the range
     * @throws IllegalArgumentException if it does not name a sheet and cells
     */
    static String requireValid(String range) {
        if (range == null || range.isBlank()) {
            throw new IllegalArgumentException("range is blank; give a sheet and cells, "
                    + "such as 'Log!A:D'");
        }
        int bang = range.lastIndexOf('!');
        if (bang < 0) {
            throw new IllegalArgumentException("range '" + range + "' must name a sheet and "
                    + "cells, such as 'Log!A:D' or ''Sales 2024'!A1:F1'");
        }
        String sheet = range.substring(0, bang);
        if (!QUOTED_SHEET.matcher(sheet).matches() && !PLAIN_SHEET.matcher(sheet).matches()) {
            throw new IllegalArgumentException("range '" + range + "': sheet name '" + sheet
                    + "' is not valid; quote a name with spaces or quotes, such as "
                    + "''My Sheet'!A:D', doubling any ' inside it");
        }
        String cells = range.substring(bang + 1);
        if (!CELLS.matcher(cells).matches()) {
            throw new IllegalArgumentException("range '" + range + "': cells '" + cells
                    + "' are not in A1 notation, such as 'A:D', 'A1' or 'A1:D1'");
        }
        return range;
    }

    /**
     * Checks a spreadsheet id: the part of the spreadsheet's URL after {@code /d/}.
     *
     * @param spreadsheetId the id
     * @return the id
     * @throws IllegalArgumentException if it is blank or has characters ids never have
     */
    static String requireSpreadsheetId(String spreadsheetId) {
        if (spreadsheetId == null || spreadsheetId.isBlank()) {
            throw new IllegalArgumentException("spreadsheet id is blank");
        }
        if (!SPREADSHEET_ID.matcher(spreadsheetId).matches()) {
            throw new IllegalArgumentException("spreadsheet id '" + spreadsheetId
                    + "' must be letters, digits, '-' or '_': the part of the spreadsheet's "
                    + "URL after '/d/'");
        }
        return spreadsheetId;
    }

    /**
     * Checks column letters, such as a key column.
     *
     * @param column such as {@code F} or {@code ab}
     * @return the letters in upper case
     * @throws IllegalArgumentException if it is not one to three letters
     */
    static String requireColumn(String column) {
        if (column == null || !COLUMN.matcher(column).matches()) {
            throw new IllegalArgumentException("key column " + (column == null ? "null"
                    : "'" + column + "'") + " must be one to three column letters, such as "
                    + "'F' or 'AB'");
        }
        return column.toUpperCase(Locale.ROOT);
    }

    /**
     * Tells why a key column cannot go with a range and a number of mapped cells, if it cannot:
     * a row starts in the range's first column, the mapped cells fill the columns from there,
     * and the key column must lie right of them, inside the range or beyond it.
     *
     * @param range a checked range
     * @param column checked column letters
     * @param cells how many mapped cells each row has; 0 checks only that the key column is not
     *     left of the range
     * @return what is wrong, or {@code null} if the key column fits
     */
    static String keyColumnProblem(String range, String column, int cells) {
        int first = firstColumn(range);
        int offset = columnIndex(column) - first;
        if (offset < 0) {
            return "key column '" + column + "' is left of range '" + range + "', whose rows "
                    + "start in column '" + columnLetters(first) + "'";
        }
        if (offset < cells) {
            String filled = cells == 1 ? "the mapped column is written in '"
                    + columnLetters(first) + "'" : "the " + cells + " mapped columns fill '"
                    + columnLetters(first) + "' to '" + columnLetters(first + cells - 1) + "'";
            return "key column '" + column + "' would overwrite a mapped column: " + filled
                    + "; put the key in '" + columnLetters(first + cells) + "' or further right";
        }
        return null;
    }

    /**
     * Returns the sheet part of a checked range, as written.
     *
     * @param range such as {@code 'Sales 2024'!A:D}
     * @return such as {@code 'Sales 2024'}, quotes kept
     */
    static String sheet(String range) {
        return range.substring(0, range.lastIndexOf('!'));
    }

    /**
     * Returns the leftmost column of a checked range, where appended rows start: column
     * {@code A} for a range of whole rows such as {@code Log!2:5}.
     *
     * @param range such as {@code Log!C:F}
     * @return the column's index, 0 for {@code A}
     */
    static int firstColumn(String range) {
        String cells = range.substring(range.lastIndexOf('!') + 1);
        int first = Integer.MAX_VALUE;
        for (String corner : cells.split(":")) {
            int letters = 0;
            while (letters < corner.length() && Character.isLetter(corner.charAt(letters))) {
                letters++;
            }
            if (letters == 0) {
                return 0;
            }
            first = Math.min(first, columnIndex(corner.substring(0, letters)));
        }
        return first;
    }

    /**
     * Converts column letters to an index.
     *
     * @param letters such as {@code A} or {@code ab}
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
     * @return such as {@code AB} for 27
     */
    static String columnLetters(int index) {
        StringBuilder letters = new StringBuilder();
        for (int n = index + 1; n > 0; n = (n - 1) / 26) {
            letters.insert(0, (char) ('A' + (n - 1) % 26));
        }
        return letters.toString();
    }

    /**
     * Percent-encodes text as one URL path segment: everything but {@code A-Z a-z 0-9 - . _ ~}
     * is written as {@code %XX} of its UTF-8 bytes, so {@code !}, {@code :}, spaces and quotes
     * are all encoded.
     *
     * @param text any text
     * @return the encoded segment
     */
    static String encodePathSegment(String text) {
        StringBuilder encoded = new StringBuilder(text.length() + 16);
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if (c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9'
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                encoded.append((char) c);
            } else {
                encoded.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        return encoded.toString();
    }
}
