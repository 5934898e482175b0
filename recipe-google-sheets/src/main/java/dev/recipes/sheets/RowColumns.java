package dev.recipes.sheets;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.recipes.core.Event;
import dev.recipes.core.Mapping;
import dev.recipes.core.MappingException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * The columns of a row step, immutable: each renders one cell from the event (and, for rows
 * made per item of an array, from the item), and says whether the cell is a timestamp.
 */
final class RowColumns {

    /** One column. */
    private interface Column {

        /**
         * Renders the cell.
         *
         * @param event the triggering event
         * @param item the array item the row is made from, or {@code null}
         * @param timestamps collects whether the cell is a timestamp
         * @return the cell
         */
        JsonNode render(Event event, JsonNode item, boolean[] timestamps);
    }

    static final RowColumns NONE = new RowColumns(List.of());

    private final List<Column> columns;

    private RowColumns(List<Column> columns) {
        this.columns = columns;
    }

    int size() {
        return columns.size();
    }

    /** Adds a column read from the event by JSON Pointer, a timestamp if marked so. */
    RowColumns pointer(String jsonPointer, boolean timestamp) {
        Mapping mapping = Mapping.pointer(jsonPointer);
        return with((event, item, stamps) -> {
            stamps[0] = timestamp;
            return mapping.apply(event);
        });
    }

    /** Adds a column read from each array item by a JSON Pointer relative to the item. */
    RowColumns itemPointer(String relativePointer, boolean timestamp) {
        JsonPointer pointer = compile(relativePointer);
        return with((event, item, stamps) -> {
            JsonNode value = item.at(pointer);
            if (value.isMissingNode()) {
                throw new MappingException(relativePointer, "field '" + relativePointer
                        + "' is missing in an item of event '" + event.id() + "'");
            }
            stamps[0] = timestamp;
            return value;
        });
    }

    /** Adds a column computed by a function; Instant and zoned values become timestamps. */
    RowColumns function(Function<? super Event, ?> function) {
        Objects.requireNonNull(function, "function");
        return with((event, item, stamps) -> {
            Object value = function.apply(event);
            if (value instanceof Instant || value instanceof OffsetDateTime
                    || value instanceof ZonedDateTime) {
                stamps[0] = true;
                return TextNode.valueOf(value.toString());
            }
            try {
                return Mapping.toJson(value);
            } catch (IllegalArgumentException e) {
                throw new MappingException("values", e.getMessage());
            }
        });
    }

    /** Adds a column rendered by a mapping; never a timestamp. */
    RowColumns mapping(Mapping mapping) {
        Objects.requireNonNull(mapping, "mapping");
        return with((event, item, stamps) -> mapping.apply(event));
    }

    /**
     * Renders one row.
     *
     * @param event the triggering event
     * @param item the array item the row is made from, or {@code null}
     * @param subject the step, starting each error message
     * @param timestamps collects the indexes of timestamp cells
     * @return the row
     * @throws MappingException if a column cannot be rendered or renders an object or array
     */
    ArrayNode render(Event event, JsonNode item, String subject, Set<Integer> timestamps) {
        ArrayNode row = JsonNodeFactory.instance.arrayNode();
        for (int i = 0; i < columns.size(); i++) {
            boolean[] stamp = {false};
            JsonNode value = columns.get(i).render(event, item, stamp);
            if (value == null || value.isContainerNode() || value.isMissingNode()
                    || value.isBinary() || value.isPojo()) {
                String kind = value == null ? "nothing" : "a JSON "
                        + value.getNodeType().name().toLowerCase(Locale.ROOT);
                throw new MappingException("values/" + i, subject + ": column " + i
                        + " rendered " + kind + " for event '" + event.id() + "'; a cell "
                        + "takes text, a number, a boolean or null");
            }
            if (stamp[0] && !value.isNull()) {
                timestamps.add(i);
            }
            row.add(value);
        }
        return row;
    }

    static JsonPointer compile(String jsonPointer) {
        Objects.requireNonNull(jsonPointer, "jsonPointer");
        try {
            return JsonPointer.compile(jsonPointer);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + jsonPointer + "' is not a JSON Pointer "
                    + "(it must start with '/')", e);
        }
    }

    private RowColumns with(Column column) {
        List<Column> more = new ArrayList<>(columns);
        more.add(column);
        return new RowColumns(List.copyOf(more));
    }
}
