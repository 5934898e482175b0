package dev.recipes.sheets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.math.BigDecimal;
import java.util.Set;

/**
 * Turns the cells of action parameters into the cells sent to Google: text, numbers (kept
 * exact) and booleans as given, null as an empty cell, timestamps written as the service's
 * {@link TimeFormat} says, and, with {@link ValueInputOption#USER_ENTERED}, text that could
 * run as a formula made plain with a leading apostrophe.
 */
final class Cells {

    /** The largest scale, either way, of a number written out plainly as a key. */
    private static final int MAX_PLAIN_SCALE = 1000;

    /** Characters that make Sheets read typed text as a formula. */
    static final String FORMULA_START = "=+-@\t\r";

    private Cells() {
    }

    /**
     * Converts one row.
     *
     * @param line the row as given: an array of scalars
     * @param where names the row in messages, such as {@code row 2 of 'rows'}
     * @param width the width to pad the row to with empty cells
     * @param timestamps the indexes of cells that hold timestamps
     * @param option how Sheets reads the values
     * @param time how timestamps are written
     * @param json a mapper
     * @param params the invocation's parameters, for errors
     * @return the row to send
     */
    static ArrayNode row(JsonNode line, String where, int width, Set<Integer> timestamps,
            ValueInputOption option, TimeFormat time, ObjectMapper json, ActionParams params) {
        if (!line.isArray() || line.isEmpty()) {
            throw params.invalid(where + " must be a non-empty array of cells; it is "
                    + (line.isArray() ? "empty" : ActionParams.kind(line)));
        }
        ArrayNode row = json.createArrayNode();
        for (int i = 0; i < line.size(); i++) {
            JsonNode cell = line.get(i);
            String text = null;
            if (cell.isNull()) {
                text = "";
            } else if (timestamps.contains(i)) {
                text = timestamp(cell, "cell " + i + " of " + where, time, params);
            } else if (cell.isTextual()) {
                text = cell.asText();
            } else if (cell.isNumber() || cell.isBoolean()) {
                if (cell.isNumber() && !writable(cell)) {
                    throw params.invalid("cell " + i + " of " + where + " is a number "
                            + "beyond what a cell holds (its exponent passes "
                            + MAX_PLAIN_SCALE + ")");
                }
                row.add(cell);
                continue;
            } else {
                throw params.invalid("cell " + i + " of " + where + " is "
                        + ActionParams.kind(cell) + "; cells must be text, numbers, booleans "
                        + "or null");
            }
            row.add(option == ValueInputOption.USER_ENTERED ? escapeFormula(text) : text);
        }
        while (row.size() < width) {
            row.add("");
        }
        return row;
    }

    /**
     * Escapes text that Sheets would read as a formula when typed.
     *
     * @param text any text
     * @return the text, with a leading apostrophe if it starts with {@code = + - @}, tab or CR
     */
    static String escapeFormula(String text) {
        return !text.isEmpty() && FORMULA_START.indexOf(text.charAt(0)) >= 0 ? "'" + text : text;
    }

    /**
     * Tells whether a cell Google answered equals a value given to look for: text equals
     * text exactly, numbers equal numbers by value (also when one of them is text that reads
     * as a number, as {@code USER_ENTERED} stores typed numbers), booleans equal booleans
     * (also {@code TRUE} and {@code FALSE} as text, in any case).
     *
     * @param cell a cell of a {@code values.get} answer, unformatted
     * @param value the value looked for: text, a number or a boolean
     * @return {@code true} if they match
     */
    static boolean matches(JsonNode cell, JsonNode value) {
        if (cell == null || cell.isNull() || cell.isContainerNode()) {
            return false;
        }
        if (cell.isNumber() || value.isNumber()) {
            BigDecimal left = number(cell);
            BigDecimal right = number(value);
            return left != null && right != null && left.compareTo(right) == 0;
        }
        if (cell.isBoolean() || value.isBoolean()) {
            return cell.asText().equalsIgnoreCase(value.asText())
                    && (cell.isBoolean() || value.isBoolean());
        }
        return cell.asText().equals(value.asText());
    }

    /**
     * Writes a key value as text, the same for every spelling of one number.
     *
     * @param value text, a number or a boolean
     * @return such as {@code 42} for {@code 42.0}
     */
    static String keyText(JsonNode value) {
        BigDecimal number = value.isNumber() ? number(value) : null;
        if (number == null) {
            return value.asText();
        }
        BigDecimal stripped = number.stripTrailingZeros();
        // Written out plainly, 1e999999999 would take a gigabyte; past this its scientific
        // form, also one text per value once stripped, stands for it.
        return Math.abs((long) stripped.scale()) <= MAX_PLAIN_SCALE ? stripped.toPlainString()
                : stripped.toString();
    }

    /** Whether a number can be written out plainly, as the JSON to Google is. */
    static boolean writable(JsonNode number) {
        BigDecimal value = number.decimalValue().stripTrailingZeros();
        return Math.abs((long) value.scale()) <= MAX_PLAIN_SCALE;
    }

    private static BigDecimal number(JsonNode node) {
        if (node.isNumber()) {
            return node.decimalValue();
        }
        if (node.isTextual()) {
            try {
                return new BigDecimal(node.asText().strip());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return null;
    }

    private static String timestamp(JsonNode cell, String where, TimeFormat time,
            ActionParams params) {
        if (!cell.isTextual()) {
            throw params.invalid(where + " is marked as a timestamp but is "
                    + ActionParams.kind(cell) + "; give ISO 8601 text, such as "
                    + "'2024-05-01T12:00:00Z'");
        }
        try {
            return time.format(cell.asText());
        } catch (IllegalArgumentException e) {
            throw params.invalid(where + " is marked as a timestamp: " + e.getMessage());
        }
    }
}
