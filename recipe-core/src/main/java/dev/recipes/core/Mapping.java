package dev.recipes.core;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.temporal.TemporalAccessor;
import java.util.Objects;
import java.util.function.Function;

/**
 * Renders one action parameter from an event: a JSON Pointer into the event's data, a lambda, or
 * a constant.
 *
 * <p>Mappings must be thread-safe. A mapping that cannot render its value throws
 * {@link MappingException}; the engine then reports the recipe as failed, naming the field, and
 * other recipes still run.
 */
@FunctionalInterface
public interface Mapping {

    /**
     * Renders the value for an event.
     *
     * @param event the event that triggered the recipe
     * @return the value as JSON, never {@code null}
     * @throws MappingException if the value cannot be rendered
     */
    JsonNode apply(Event event);

    /**
     * Reads a field of the event's data by JSON Pointer (RFC 6901). A field that is absent is an
     * error; a field that is present with the value {@code null} renders as JSON {@code null}.
     *
     * @param jsonPointer such as {@code /event/text}
     * @return the mapping
     * @throws IllegalArgumentException if the pointer is not valid JSON Pointer syntax
     */
    static Mapping pointer(String jsonPointer) {
        JsonPointer pointer = compile(jsonPointer);
        return new Mapping() {
            @Override
            public JsonNode apply(Event event) {
                JsonNode value = event.data().at(pointer);
                if (value.isMissingNode()) {
                    throw new MappingException(jsonPointer, "field '" + jsonPointer
                            + "' is missing in event '" + event.id() + "' of type '"
                            + event.type() + "'");
                }
                return value;
            }

            @Override
            public String toString() {
                return "Mapping[" + jsonPointer + "]";
            }
        };
    }

    /**
     * Computes the value with a function of the event. Strings, numbers, booleans, JSON nodes and
     * temporal values (written in ISO 8601) are accepted; {@code null} renders as JSON null.
     *
     * @param function a thread-safe function
     * @return the mapping
     */
    static Mapping of(Function<? super Event, ?> function) {
        Objects.requireNonNull(function, "function");
        return event -> toJson(function.apply(event));
    }

    /**
     * Renders the same value for every event.
     *
     * @param value a string, number, boolean, JSON node or temporal value
     * @return the mapping
     */
    static Mapping constant(Object value) {
        JsonNode json = toJson(value);
        return event -> json;
    }

    /**
     * Converts a plain Java value to JSON.
     *
     * @param value a string, number, boolean, JSON node, temporal value or {@code null}
     * @return the JSON value
     * @throws IllegalArgumentException for any other kind of value
     */
    static JsonNode toJson(Object value) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        if (value == null) {
            return NullNode.getInstance();
        } else if (value instanceof JsonNode node) {
            return node;
        } else if (value instanceof CharSequence text) {
            return nodes.textNode(text.toString());
        } else if (value instanceof Boolean bool) {
            return nodes.booleanNode(bool);
        } else if (value instanceof Integer || value instanceof Long
                || value instanceof Short || value instanceof Byte) {
            return nodes.numberNode(((Number) value).longValue());
        } else if (value instanceof Double || value instanceof Float) {
            return nodes.numberNode(((Number) value).doubleValue());
        } else if (value instanceof BigDecimal decimal) {
            return nodes.numberNode(decimal);
        } else if (value instanceof BigInteger integer) {
            return nodes.numberNode(integer);
        } else if (value instanceof TemporalAccessor || value instanceof java.net.URI) {
            return nodes.textNode(value.toString());
        }
        throw new IllegalArgumentException("mapping: a value of type '"
                + value.getClass().getName() + "' cannot be written as JSON");
    }

    private static JsonPointer compile(String jsonPointer) {
        Objects.requireNonNull(jsonPointer, "jsonPointer");
        try {
            return JsonPointer.compile(jsonPointer);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "mapping: '" + jsonPointer + "' is not a JSON Pointer (it must start with "
                            + "'/'; for a fixed value use Mapping.constant)",
                    e);
        }
    }
}
