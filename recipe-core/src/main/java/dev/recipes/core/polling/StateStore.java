package dev.recipes.core.polling;

import dev.recipes.core.internal.InMemoryStateStore;
import java.util.Optional;

/**
 * Keeps the state of polled sources (a cursor and the keys of the items seen), so that a
 * restarted engine, or another instance taking a poll over, resumes where the last poll ended
 * and fires no item twice. Implementations must be thread-safe.
 *
 * <p>The engine saves a source's state after it has published the poll's events: a process
 * that dies in between publishes those events again on its next poll, with the same ids, and
 * the engine's idempotency store runs their actions once.
 */
public interface StateStore {

    /**
     * Reads the state of a source.
     *
     * @param key the source, such as {@code google-sheets/default/1AbC/Log!A:D/new-row}
     * @return the state saved last, or empty if none was
     */
    Optional<PollState> load(String key);

    /**
     * Saves the state of a source, replacing what was saved before.
     *
     * @param key the source
     * @param state the state
     */
    void save(String key, PollState state);

    /**
     * Forgets the state of a source, so that its next poll starts afresh, as a first poll does.
     *
     * @param key the source
     * @return {@code true} if there was a state to forget
     */
    boolean delete(String key);

    /**
     * Returns a store in memory, for an engine that runs alone and may forget its sources'
     * state when it stops: after a restart each source sets a new baseline.
     *
     * @return a new thread-safe store
     */
    static StateStore inMemory() {
        return new InMemoryStateStore();
    }
}
