package dev.recipes.core.polling;

import java.util.List;
import java.util.Objects;

/**
 * What the engine remembers about one polled source between polls and across restarts.
 *
 * @param cursor where the next poll starts, or {@code null} if the source gave none yet
 * @param seenKeys the keys of the items seen, least recently seen first; copied
 */
public record PollState(String cursor, List<String> seenKeys) {

    /**
     * Copies the keys.
     *
     * @param cursor where the next poll starts, or {@code null} if the source gave none yet
     * @param seenKeys the keys of the items seen, least recently seen first; copied
     */
    public PollState {
        seenKeys = List.copyOf(Objects.requireNonNull(seenKeys, "poll state: seenKeys is null"));
    }
}
