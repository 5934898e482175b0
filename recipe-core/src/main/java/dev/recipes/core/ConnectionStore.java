package dev.recipes.core;

import dev.recipes.core.internal.InMemoryConnectionStore;
import java.util.Optional;

/**
 * Where connections (the accounts actions run as) are kept. Implementations must be
 * thread-safe.
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
     * Returns an empty store that keeps connections in memory.
     *
     * @return a new thread-safe store
     */
    static ConnectionStore inMemory() {
        return new InMemoryConnectionStore();
    }
}
