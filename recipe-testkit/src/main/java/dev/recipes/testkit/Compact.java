package dev.recipes.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Shows JSON and lists on few lines for assertion messages: values of fields whose names say
 * they hold credentials are masked, long text is cut, long lists are shortened.
 */
final class Compact {

    static final String MASK = "***";
    /** The longest a JSON value is shown, in characters. */
    static final int JSON_WIDTH = 400;
    /** How deep objects and arrays are shown in full; deeper ones are shown as elided. */
    private static final int COLLAPSE_DEPTH = 2;
    /** The most items of one list shown in a message. */
    static final int MAX_ITEMS = 20;

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Field names, lower-case without '-' and '_', whose values are always masked. */
    private static final Set<String> SECRET_NAMES = Set.of("token", "secret", "password",
            "passwd", "authorization", "apikey", "privatekey", "privatekeyid",
            "clientsecret", "signingsecret", "signature", "cookie", "credentials", "assertion");
    private static final List<String> SECRET_SUFFIXES = List.of("token", "secret", "password",
            "apikey", "privatekey");

    private Compact() {
    }

    /**
     * Shows a JSON value on one line, secrets masked, objects and arrays nested two levels
     * down shown as <code>{...}</code> and {@code [...]}, cut to {@link #JSON_WIDTH}.
     */
    static String json(JsonNode node) {
        if (node == null) {
            return "(missing)";
        }
        StringBuilder shown = new StringBuilder();
        write(mask(node), 0, shown);
        return cut(shown.toString(), JSON_WIDTH);
    }

    private static void write(JsonNode node, int depth, StringBuilder shown) {
        if (node.isContainerNode() && depth >= COLLAPSE_DEPTH && !node.isEmpty()) {
            shown.append(node.isObject() ? "{...}" : "[...]");
        } else if (node.isObject()) {
            shown.append('{');
            String comma = "";
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                shown.append(comma).append(scalar(TextNode.valueOf(field.getKey()))).append(':');
                write(field.getValue(), depth + 1, shown);
                comma = ",";
            }
            shown.append('}');
        } else if (node.isArray()) {
            shown.append('[');
            String comma = "";
            for (JsonNode element : node) {
                shown.append(comma);
                write(element, depth + 1, shown);
                comma = ",";
            }
            shown.append(']');
        } else {
            shown.append(scalar(node));
        }
    }

    private static String scalar(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            return "?";
        }
    }

    /** Shows a JSON value on one line with secrets masked, uncut. */
    static String masked(JsonNode node) {
        if (node == null) {
            return "(missing)";
        }
        try {
            return JSON.writeValueAsString(mask(node));
        } catch (JsonProcessingException e) {
            return "(not JSON: " + e.getOriginalMessage() + ")";
        }
    }

    /** Tells whether a field of this name holds a credential. */
    static boolean isSecretName(String name) {
        String plain = name.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        return SECRET_NAMES.contains(plain) || SECRET_SUFFIXES.stream().anyMatch(plain::endsWith);
    }

    private static JsonNode mask(JsonNode node) {
        if (node.isObject()) {
            ObjectNode copy = JSON.createObjectNode();
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                boolean secret = isSecretName(field.getKey()) && !field.getValue().isNull();
                copy.set(field.getKey(), secret ? TextNode.valueOf(MASK) : mask(field.getValue()));
            }
            return copy;
        }
        if (node.isArray()) {
            ArrayNode copy = JSON.createArrayNode();
            node.forEach(element -> copy.add(mask(element)));
            return copy;
        }
        return node;
    }

    /** Cuts text to a width, ending it with an ellipsis when cut; keeps it on one line. */
    static String cut(String text, int width) {
        String line = text.replace("\r", "\\r").replace("\n", "\\n");
        return line.length() <= width ? line : line.substring(0, width - 3) + "...";
    }

    /**
     * Lists items, one a line, each indented, numbered from 1; at most {@link #MAX_ITEMS},
     * then how many more there were.
     */
    static <T> String list(List<T> items, Function<T, String> show) {
        StringBuilder shown = new StringBuilder();
        int count = Math.min(items.size(), MAX_ITEMS);
        for (int i = 0; i < count; i++) {
            shown.append("\n  ").append(i + 1).append(". ").append(show.apply(items.get(i)));
        }
        if (items.size() > count) {
            shown.append("\n  ... and ").append(items.size() - count).append(" more");
        }
        return shown.toString();
    }

    /** Shows a section title with its count and items, or that there were none. */
    static <T> String section(String title, List<T> items, Function<T, String> show) {
        if (items.isEmpty()) {
            return title + ": none";
        }
        return title + " (" + items.size() + "):" + list(items, show);
    }

    /** Shows a value as a cell or parameter given by a test: text quoted, others as they are. */
    static String value(Object value) {
        if (value instanceof String text) {
            return "\"" + cut(text, JSON_WIDTH) + "\"";
        }
        if (value instanceof JsonNode node) {
            return json(node);
        }
        if (value instanceof List<?> list) {
            List<String> shown = new ArrayList<>(list.size());
            list.forEach(element -> shown.add(value(element)));
            return "[" + String.join(", ", shown) + "]";
        }
        return String.valueOf(value);
    }
}
