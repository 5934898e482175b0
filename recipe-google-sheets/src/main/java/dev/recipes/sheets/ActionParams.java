package dev.recipes.sheets;

import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.ActionInvocation;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads and checks the parameters the Sheets actions share; every problem is a permanent
 * {@link ActionException} naming the action and the parameter.
 */
final class ActionParams {

    private final String action;
    private final ActionInvocation invocation;

    ActionParams(String action, ActionInvocation invocation) {
        this.action = action;
        this.invocation = invocation;
    }

    /** Returns such as {@code action 'google-sheets/append-rows'}. */
    String subject() {
        return "action '" + GoogleSheetsService.ID + "/" + action + "'";
    }

    String spreadsheetId() {
        try {
            return A1Range.requireSpreadsheetId(invocation.requireText("spreadsheetId"));
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
    }

    String range() {
        try {
            return A1Range.requireValid(invocation.requireText("range"));
        } catch (IllegalArgumentException e) {
            throw invalid(e.getMessage());
        }
    }

    ValueInputOption valueInputOption() {
        JsonNode value = invocation.param("valueInputOption").orElse(null);
        if (value == null) {
            return ValueInputOption.RAW;
        }
        for (ValueInputOption option : ValueInputOption.values()) {
            if (value.isTextual() && option.name().equals(value.asText())) {
                return option;
            }
        }
        throw invalid("parameter 'valueInputOption' is " + value + "; use \"RAW\" or "
                + "\"USER_ENTERED\"");
    }

    /**
     * Reads column letters.
     *
     * @param name the parameter
     * @param required whether it must be given
     * @return the letters in upper case, or {@code null} if absent and optional
     */
    String column(String name, boolean required) {
        JsonNode value = invocation.param(name).orElse(null);
        if (value == null) {
            if (required) {
                throw invalid("parameter '" + name + "' is missing; give column letters, "
                        + "such as \"C\"");
            }
            return null;
        }
        try {
            return A1Range.requireColumn(value.isTextual() ? value.asText() : value.toString())
                    .toUpperCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            throw invalid("parameter '" + name + "': " + e.getMessage().replace("key column ",
                    "column "));
        }
    }

    /**
     * Reads {@code timestampColumns}: the indexes, from 0, of the cells of each row that hold
     * timestamps.
     *
     * @param width how many cells the rows have
     * @return the indexes; empty when the parameter is absent
     */
    Set<Integer> timestampColumns(int width) {
        JsonNode value = invocation.param("timestampColumns").orElse(null);
        Set<Integer> indexes = new TreeSet<>();
        if (value == null) {
            return indexes;
        }
        if (!value.isArray()) {
            throw invalid("parameter 'timestampColumns' must be an array of cell indexes");
        }
        for (JsonNode index : value) {
            if (!index.canConvertToInt() || !index.isIntegralNumber() || index.intValue() < 0
                    || index.intValue() >= width) {
                throw invalid("parameter 'timestampColumns' holds " + index + "; cell "
                        + "indexes of these rows run from 0 to " + (width - 1));
            }
            indexes.add(index.intValue());
        }
        return indexes;
    }

    /**
     * Reads a whole number.
     *
     * @param name the parameter
     * @param fallback the value when absent
     * @param max the largest value allowed; the smallest is 1
     * @return the number
     */
    int count(String name, int fallback, int max) {
        JsonNode value = invocation.param(name).orElse(null);
        if (value == null) {
            return fallback;
        }
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.intValue() < 1
                || value.intValue() > max) {
            throw invalid("parameter '" + name + "' is " + value + "; give a whole number "
                    + "from 1 to " + max);
        }
        return value.intValue();
    }

    /**
     * Reads a required scalar: text, a number or a boolean.
     *
     * @param name the parameter
     * @return the value
     */
    JsonNode scalar(String name) {
        JsonNode value = invocation.param(name).orElse(null);
        if (value == null || !value.isValueNode() || value.isTextual() && value.asText()
                .isEmpty()) {
            throw invalid("parameter '" + name + "' must be non-empty text, a number or a "
                    + "boolean" + (value == null ? "; it is missing or null" : "; it is "
                    + kind(value)));
        }
        return value;
    }

    /**
     * Returns the value of a parameter, or fails naming what it should be.
     *
     * @param name the parameter
     * @param expected such as "a non-empty array of rows"
     * @return the value
     */
    JsonNode require(String name, String expected) {
        JsonNode value = invocation.params().get(name);
        if (value == null || value.isNull()) {
            throw invalid("parameter '" + name + "' is missing; give " + expected);
        }
        return value;
    }

    ActionException invalid(String reason) {
        return ActionException.permanent(subject() + ": " + reason, null);
    }

    static String kind(JsonNode value) {
        return value.getNodeType().name().toLowerCase(Locale.ROOT);
    }
}
