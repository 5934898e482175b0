package dev.recipes.core;

import dev.recipes.core.internal.InMemoryConnectionStore;
import java.util.List;
import java.util.Optional;

/**
 * Where connections (the accounts actions run as) are kept. Implementations must be
 * thread-safe.
 *
 * <p>A connection whose credentials rotate, such as an OAuth token with a refresh token, is
 * updated with {@link #replace(Connection, Connection)}, which stores the new version only if
 * the stored one is still the version the caller read. Several engine instances sharing one
 * store use it to make a refresh single-flight:
 *
 * <ol>
 *   <li>read the connection with {@link #find(String, String)};
 *   <li>claim the refresh: {@code replace(read, read-plus-a-claim-setting)}, where the claim
 *       names this instance and when the claim expires. Only one caller wins; a loser reads
 *       again, and either finds fresh tokens or waits for the claim to go or expire;
 *   <li>the winner calls the provider with the refresh token, then stores the answer with
 *       {@code replace(claimed, refreshed)}, the refreshed version carrying no claim.
 * </ol>
 *
 * <p>No caller uses a refresh token while a claim on it is held, so the new refresh token is
 * stored before the old one can be used again. Within one instance, callers waiting for the
 * same connection can share one refresh in memory before they reach the store.
 */
public interface ConnectionStore {

    /**
     * Finds a connection.
     *
     * @param service the service id
     * @param id the connection id
     * @return the connection, if stored
     */
    Optional<Connection> find(String service, String id);

    /**
     * Stores a connection, replacing one with the same service and id.
     *
     * @param connection the connection
     */
    void put(Connection connection);

    /**
     * Removes a connection, if stored.
     *
     * @param service the service id
     * @param id the connection id
     * @return {@code true} if a connection was removed
     * @throws UnsupportedOperationException if the store does not implement it
     */
    default boolean delete(String service, String id) {
        throw new UnsupportedOperationException(getClass().getName()
                + " cannot delete connections; implement ConnectionStore.delete to support it");
    }

    /**
     * Lists the connections of one service.
     *
     * @param service the service id
     * @return the service's connections, ordered by id; empty if it has none
     * @throws UnsupportedOperationException if the store does not implement it
     */
    default List<Connection> list(String service) {
        throw new UnsupportedOperationException(getClass().getName()
                + " cannot list connections; implement ConnectionStore.list to support it");
    }

    /**
     * Replaces a stored connection with a new version, atomically, if the stored one equals
     * {@code expected} (settings and secrets alike). Of several callers racing to replace the
     * same version, exactly one wins, also across engine instances sharing the store.
     *
     * @param expected the version the caller read
     * @param updated the new version, with the same service and id
     * @return {@code true} if {@code updated} is stored now; {@code false} if the stored
     *     connection is missing or differs from {@code expected}
     * @throws IllegalArgumentException if the two name different connections
     * @throws UnsupportedOperationException if the store does not implement it
     */
    default boolean replace(Connection expected, Connection updated) {
        throw new UnsupportedOperationException(getClass().getName()
                + " cannot replace connections atomically; implement ConnectionStore.replace"
                + " to support token rotation");
    }

    /**
     * Returns an empty store that keeps connections in memory.
     *
     * @return a new thread-safe store
     */
    static ConnectionStore inMemory() {
        return new InMemoryConnectionStore();
    }
}
