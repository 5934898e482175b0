package dev.recipes.core.polling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.time.Instant;
import java.util.Objects;

/**
 * One item a {@link PollSource} found, such as a new row or a new message.
 *
 * @param key what identifies the item within its source, stable across polls however the
 *     source orders or repeats it: 1 to 500 characters without control characters. It becomes
 *     the event's id, and the engine remembers it so that the item fires once
 * @param data the event's data; copied
 * @param time when the item happened, or {@code null} for the time it was polled
 * @param subject what the item is about within its source, or {@code null}
 */
public record PolledItem(String key, JsonNode data, Instant time, String subject) {

    /** The longest key. */
    public static final int MAX_KEY_LENGTH = 500;

    /**
     * Validates the key and copies the data.
     *
     * @param key what identifies the item within its source, stable across polls however the
     *     source orders or repeats it: 1 to 500 characters without control characters. It becomes
     *     the event's id, and the engine remembers it so that the item fires once
     * @param data the event's data; copied
     * @param time when the item happened, or {@code null} for the time it was polled
     * @param subject what the item is about within its source, or {@code null}
     */
    public PolledItem {
        Objects.requireNonNull(key, "polled item: key is null");
        if (key.isEmpty() || key.length() > MAX_KEY_LENGTH) {
            throw new IllegalArgumentException("polled item: key of " + key.length()
                    + " characters must have 1 to " + MAX_KEY_LENGTH);
        }
        if (key.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("polled item '" + key.replaceAll("\\p{Cntrl}",
                    "?") + "': key holds a control character");
        }
        if (subject != null && subject.isEmpty()) {
            throw new IllegalArgumentException("polled item '" + key + "': subject is empty");
        }
        data = data == null ? NullNode.getInstance() : data.deepCopy();
    }

    /**
     * Returns an item with its key and data only.
     *
     * @param key the item's key within its source
     * @param data the event's data
     * @return the item
     */
    public static PolledItem of(String key, JsonNode data) {
        return new PolledItem(key, data, null, null);
    }
}
