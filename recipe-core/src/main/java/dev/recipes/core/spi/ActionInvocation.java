package dev.recipes.core.spi;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Connection;
import java.util.Objects;
import java.util.Optional;

/**
 * One request to run an action: its rendered parameters, the connection it runs as, and a key
 * that is the same each time the same request is delivered.
 *
 * @param service the service id
 * @param action the action name
 * @param params the rendered parameters
 * @param connectionId the id of the connection the action runs as
 * @param connection that connection, or {@code null} if the store has none by that id
 * @param idempotencyKey trigger event id, recipe id and step, joined by ':'
 * @param recipeId the recipe that asked for the action
 * @param triggerEventId the id of the event that triggered the recipe
 * @param mayHaveRunBefore {@code true} if an earlier attempt of this request may have had its
 *     effect: it failed after it started (an attempt after the first, or a replay of a dead
 *     letter), or the process running it stopped part way and this one took it over. An
 *     action whose effect is not idempotent at the provider, such as appending a row, checks
 *     for its effect before doing it again
 */
public record ActionInvocation(
        String service,
        String action,
        ObjectNode params,
        String connectionId,
        Connection connection,
        String idempotencyKey,
        String recipeId,
        String triggerEventId,
        boolean mayHaveRunBefore) {

    /**
     * Validates.
     *
     * @param service the service id
     * @param action the action name
     * @param params the rendered parameters
     * @param connectionId the id of the connection the action runs as
     * @param connection that connection, or {@code null} if the store has none by that id
     * @param idempotencyKey trigger event id, recipe id and step, joined by ':'
     * @param recipeId the recipe that asked for the action
     * @param triggerEventId the id of the event that triggered the recipe
     * @param mayHaveRunBefore {@code true} if an earlier attempt of this request may have had its
     *     effect: it failed after it started (an attempt after the first, or a replay of a dead
     *     letter), or the process running it stopped part way and this one took it over. An
     *     action whose effect is not idempotent at the provider, such as appending a row, checks
     *     for its effect before doing it again
     */
    public ActionInvocation {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(params, "params");
        Objects.requireNonNull(connectionId, "connectionId");
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
    }

    /**
     * Returns the connection the action runs as.
     *
     * @return the connection
     * @throws ActionException (permanent) if the connection store has no such connection
     */
    public Connection requireConnection() {
        if (connection == null) {
            throw ActionException.permanent("service '" + service + "': connection '"
                    + connectionId + "' is not in the connection store; add it with "
                    + "ConnectionStore.put()", null);
        }
        return connection;
    }

    /**
     * Returns a text parameter.
     *
     * @param name the parameter name
     * @return the text
     * @throws ActionException (permanent) if the parameter is missing or not text
     */
    public String requireText(String name) {
        JsonNode value = params.get(name);
        if (value == null || !value.isTextual() || value.asText().isEmpty()) {
            throw ActionException.permanent("action '" + service + "/" + action
                    + "': parameter '" + name + "' must be non-empty text", null);
        }
        return value.asText();
    }

    /**
     * Returns an optional parameter.
     *
     * @param name the parameter name
     * @return the value, if present and not JSON null
     */
    public Optional<JsonNode> param(String name) {
        JsonNode value = params.get(name);
        return value == null || value.isNull() ? Optional.empty() : Optional.of(value);
    }
}
