package dev.recipes.sheets;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.polling.PollingTrigger;
import java.util.Objects;

/**
 * Builds the service's polling triggers, read by {@link SheetPollSource}: the parameters name
 * the mode, the spreadsheet, the range and the key column.
 */
final class SheetsTriggers {

    /** The event type of new rows. */
    static final String NEW_ROW = "google-sheets.new-row";

    /** The event type of changed rows. */
    static final String ROW_CHANGED = "google-sheets.row-changed";

    static final String MODE_NEW_ROW = "new-row";
    static final String MODE_ROW_CHANGED = "row-changed";

    private SheetsTriggers() {
    }

    /**
     * Returns a trigger on the rows added to a range.
     *
     * @param spreadsheetId the spreadsheet
     * @param range the sheet and columns to read
     * @param keyColumn the column that identifies a row, or {@code null} to identify rows by
     *     their content
     * @return the trigger
     * @throws IllegalArgumentException if the id, the range or the key column is not valid
     */
    static PollingTrigger newRow(String spreadsheetId, String range, String keyColumn) {
        return trigger(MODE_NEW_ROW, NEW_ROW, spreadsheetId, range, keyColumn);
    }

    /**
     * Returns a trigger on the rows of a range whose content changed, new rows included.
     *
     * @param spreadsheetId the spreadsheet
     * @param range the sheet and columns to read
     * @param keyColumn the column that identifies a row
     * @return the trigger
     * @throws IllegalArgumentException if the id, the range or the key column is not valid
     */
    static PollingTrigger rowChanged(String spreadsheetId, String range, String keyColumn) {
        Objects.requireNonNull(keyColumn, "rowChanged: keyColumn is null; a changed row is "
                + "recognised by its key");
        return trigger(MODE_ROW_CHANGED, ROW_CHANGED, spreadsheetId, range, keyColumn);
    }

    private static PollingTrigger trigger(String mode, String eventType, String spreadsheetId,
            String range, String keyColumn) {
        A1Range.requireSpreadsheetId(spreadsheetId);
        A1Range.requireValid(range);
        ObjectNode params = JsonNodeFactory.instance.objectNode()
                .put("mode", mode)
                .put("spreadsheetId", spreadsheetId)
                .put("range", range);
        String source = spreadsheetId + "/" + range + "/" + mode;
        if (keyColumn != null) {
            String column = A1Range.requireColumn(keyColumn);
            String problem = keyColumnOutside(range, column);
            if (problem != null) {
                throw new IllegalArgumentException("google-sheets " + mode + " trigger: "
                        + problem);
            }
            params.put("keyColumn", column);
            source += "-by-" + column;
        }
        return PollingTrigger.of(GoogleSheetsService.ID, eventType, source, params);
    }

    /** Tells why a key column lies outside a range's columns, if it does. */
    private static String keyColumnOutside(String range, String column) {
        int first = A1Range.firstColumn(range);
        int index = A1Range.columnIndex(column);
        int last = lastColumn(range);
        if (index < first || index > last) {
            return "key column '" + column + "' is outside range '" + range + "'; the key "
                    + "column must be one of the columns read";
        }
        return null;
    }

    /** The rightmost column of a checked range; the last possible one when none is named. */
    private static int lastColumn(String range) {
        String cells = range.substring(range.lastIndexOf('!') + 1);
        int last = -1;
        for (String corner : cells.split(":")) {
            int letters = 0;
            while (letters < corner.length() && Character.isLetter(corner.charAt(letters))) {
                letters++;
            }
            if (letters == 0) {
                return Integer.MAX_VALUE;
            }
            last = Math.max(last, A1Range.columnIndex(corner.substring(0, letters)));
        }
        return last;
    }
}
