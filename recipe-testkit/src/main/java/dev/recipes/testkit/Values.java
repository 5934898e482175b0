package dev.recipes.testkit;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import java.math.BigDecimal;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Compares what a test expects with what was recorded: JSON values with numbers compared by
 * value ({@code 3} equals {@code 3.0} and a {@code long} 3), and sheet cells the same way.
 */
final class Values {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Comparator<JsonNode> BY_VALUE = (left, right) -> {
        if (left.isNumber() && right.isNumber()) {
            return left.decimalValue().compareTo(right.decimalValue());
        }
        return left.equals(right) ? 0 : 1;
    };

    private Values() {
    }

    /**
     * Compiles a JSON Pointer.
     *
     * @throws IllegalArgumentException if it is not one, with the pointer quoted
     */
    static JsonPointer pointer(String jsonPointer) {
        Objects.requireNonNull(jsonPointer, "jsonPointer");
        try {
            return JsonPointer.compile(jsonPointer);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + jsonPointer + "' is not a JSON Pointer: it "
                    + "starts with '/' (or is empty for the whole value), such as '/event/text'",
                    e);
        }
    }

    /**
     * Turns what a test expects into JSON: text, numbers, booleans, null, lists, maps and JSON
     * nodes as they are.
     *
     * @throws IllegalArgumentException if the value cannot be shown as JSON
     */
    static JsonNode json(Object expected) {
        if (expected == null) {
            return NullNode.getInstance();
        }
        if (expected instanceof JsonNode node) {
            return node;
        }
        return JSON.valueToTree(expected);
    }

    /** Tells whether two JSON values are equal, numbers by value. */
    static boolean same(JsonNode expected, JsonNode actual) {
        return actual != null && !actual.isMissingNode() && expected.equals(BY_VALUE, actual);
    }

    /** Tells whether two sheet rows hold equal cells, numbers by value. */
    static boolean sameRow(List<?> expected, List<?> actual) {
        if (expected.size() != actual.size()) {
            return false;
        }
        for (int i = 0; i < expected.size(); i++) {
            if (!sameCell(expected.get(i), actual.get(i))) {
                return false;
            }
        }
        return true;
    }

    /** Tells whether two cells are equal, numbers by value. */
    static boolean sameCell(Object expected, Object actual) {
        if (expected instanceof Number left && actual instanceof Number right) {
            return decimal(left).compareTo(decimal(right)) == 0;
        }
        return Objects.equals(expected, actual);
    }

    private static BigDecimal decimal(Number number) {
        try {
            return new BigDecimal(number.toString());
        } catch (NumberFormatException e) {
            return BigDecimal.valueOf(number.doubleValue());
        }
    }
}
