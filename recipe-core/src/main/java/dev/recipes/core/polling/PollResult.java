package dev.recipes.core.polling;

import java.util.List;
import java.util.Objects;

/**
 * What one poll found: the items, in the order they happened as far as the source knows, and
 * where the next poll starts.
 *
 * @param items the items; ones the engine has seen before are skipped, so a source may return
 *     items again (an overlap window, a reordered page) without them firing twice
 * @param cursor where the next poll starts, as the source understands it (a timestamp, a page
 *     token, a row count), or {@code null} to keep the current one
 */
public record PollResult(List<PolledItem> items, String cursor) {

    /**
     * Copies the items.
     *
     * @param items the items; ones the engine has seen before are skipped, so a source may return
     *     items again (an overlap window, a reordered page) without them firing twice
     * @param cursor where the next poll starts, as the source understands it (a timestamp, a page
     *     token, a row count), or {@code null} to keep the current one
     */
    public PollResult {
        items = List.copyOf(Objects.requireNonNull(items, "poll result: items is null"));
    }

    /**
     * Returns a result.
     *
     * @param items the items
     * @param cursor the next cursor, or {@code null} to keep the current one
     * @return the result
     */
    public static PollResult of(List<PolledItem> items, String cursor) {
        return new PollResult(items, cursor);
    }
}
