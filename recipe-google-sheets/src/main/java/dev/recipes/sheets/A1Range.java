package dev.recipes.sheets;

import java.nio.charset.StandardCharsets;
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
