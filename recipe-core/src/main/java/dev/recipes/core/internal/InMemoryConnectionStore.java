package dev.recipes.core.internal;

import dev.recipes.core.Connection;
import dev.recipes.core.ConnectionStore;
import java.util.Comparator;
import java.util.List;
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

    @Override
    public boolean delete(String service, String id) {
        return connections.remove(key(service, id)) != null;
    }

    @Override
    public List<Connection> list(String service) {
        Objects.requireNonNull(service, "service");
        return connections.values().stream()
                .filter(connection -> connection.service().equals(service))
                .sorted(Comparator.comparing(Connection::id))
                .toList();
    }

    @Override
    public boolean replace(Connection expected, Connection updated) {
        Objects.requireNonNull(expected, "expected");
        Objects.requireNonNull(updated, "updated");
        if (!expected.service().equals(updated.service()) || !expected.id().equals(updated.id())) {
            throw new IllegalArgumentException("connection '" + expected.service() + "/"
                    + expected.id() + "': cannot be replaced by '" + updated.service() + "/"
                    + updated.id() + "'; replace keeps the service and id");
        }
        return connections.replace(key(expected.service(), expected.id()), expected, updated);
    }

    private static String key(String service, String id) {
        return Objects.requireNonNull(service, "service") + '/' + Objects.requireNonNull(id, "id");
    }

    @Override
    public String toString() {
        return "ConnectionStore[in memory, " + connections.size() + " connections]";
    }
}
