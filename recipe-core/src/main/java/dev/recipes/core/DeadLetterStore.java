package dev.recipes.core;

import dev.recipes.core.internal.InMemoryDeadLetterStore;
import java.util.List;
import java.util.Optional;

/**
 * Keeps the action requests the engine gave up on, until they are replayed or removed.
 * Implementations must be thread-safe.
 */
public interface DeadLetterStore {

    /**
     * Adds a dead letter.
     *
     * @param deadLetter the dead letter
     */
    void add(DeadLetter deadLetter);

    /**
     * Lists the dead letters, oldest first.
     *
     * @return a snapshot
     */
    List<DeadLetter> list();

    /**
     * Finds a dead letter.
     *
     * @param id its id
     * @return the dead letter, if stored
     */
    Optional<DeadLetter> find(String id);

    /**
     * Removes a dead letter.
     *
     * @param id its id
     * @return {@code true} if it was stored
     */
    boolean remove(String id);

    /**
     * Returns a store in memory that keeps at most {@code capacity} dead letters; when full, the
     * oldest is dropped with an ERROR log line.
     *
     * @param capacity at least 1
     * @return a new store
     */
    static DeadLetterStore inMemory(int capacity) {
        return new InMemoryDeadLetterStore(capacity);
    }
}
