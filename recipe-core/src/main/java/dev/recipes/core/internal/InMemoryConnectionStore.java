package dev.recipes.core.internal;

import dev.recipes.core.Connection;
import dev.recipes.core.ConnectionStore;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Keeps connections in a concurrent map, keyed by service and id. */
public final class InMemoryConnectionStore implements ConnectionStore {

    private final ConcurrentMap<String, Connection> connections = new ConcurrentHashMap<>();

    @Override
    public Optional<Connection> find(String service, String id) {
        return Optional.ofNullable(connections.get(key(service, id)));
    }

    @Override
    public void put(Connection connection) {
        Objects.requireNonNull(connection, "connection");
        connections.put(key(connection.service(), connection.id()), connection);
    }

    private static String key(String service, String id) {
        return service + '/' + id;
    }

    @Override
    public String toString() {
        return "ConnectionStore[in memory, " + connections.size() + " connections]";
    }
}
