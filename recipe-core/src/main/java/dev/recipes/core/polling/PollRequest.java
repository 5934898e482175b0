package dev.recipes.core.polling;

import dev.recipes.core.Connection;
import java.util.Objects;
import java.util.Optional;

/**
 * What the engine asks a {@link PollSource} to read.
 *
 * @param trigger the trigger being polled; its {@link PollingTrigger#params()} say what to read
 * @param connection the trigger's connection from the engine's connection store, or empty if
 *     the store does not hold it
 * @param cursor where the previous poll said to start, or empty on the first poll of a source
 *     that returned no cursor yet
 */
public record PollRequest(PollingTrigger trigger, Optional<Connection> connection,
        Optional<String> cursor) {

    /**
     * Checks that nothing is null.
     *
     * @param trigger the trigger being polled; its {@link PollingTrigger#params()} say what to read
     * @param connection the trigger's connection from the engine's connection store, or empty if
     *     the store does not hold it
     * @param cursor where the previous poll said to start, or empty on the first poll of a source
     *     that returned no cursor yet
     */
    public PollRequest {
        Objects.requireNonNull(trigger, "trigger");
        Objects.requireNonNull(connection, "connection");
        Objects.requireNonNull(cursor, "cursor");
    }

    /**
     * Returns the connection, or fails with a message that names it.
     *
     * @return the connection
     * @throws PollException if the connection store does not hold it
     */
    public Connection requireConnection() {
        return connection.orElseThrow(() -> new PollException(trigger + ": connection '"
                + trigger.service() + "/" + trigger.connection() + "' is not in the connection "
                + "store; add it with connections().put()", null, null));
    }
}
