package dev.recipes.core;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * One attempt at one action request, as an {@link EngineListener} sees it.
 *
 * <p>The parameters are shared by every listener told of the attempt and must not be modified.
 * {@link #toString()} leaves them out, so that logging an attempt stays short.
 *
 * @param recipe the recipe that asked for the action
 * @param service the service id
 * @param action the action name
 * @param idempotencyKey the key under which the action runs once
 * @param attempt which attempt this is, from 1
 * @param triggerEventId the id of the event that triggered the recipe, or empty if not known
 * @param params the rendered parameters the action is called with, copied; an empty object if
 *     not known
 */
public record ActionAttempt(String recipe, String service, String action, String idempotencyKey,
        int attempt, String triggerEventId, ObjectNode params) {

    /**
     * Checks the names and copies the parameters.
     *
     * @param recipe the recipe that asked for the action
     * @param service the service id
     * @param action the action name
     * @param idempotencyKey the key under which the action runs once
     * @param attempt which attempt this is, from 1
     * @param triggerEventId the id of the event that triggered the recipe, or empty if not known
     * @param params the rendered parameters the action is called with, copied; an empty object if
     *     not known
     */
    public ActionAttempt {
        Objects.requireNonNull(recipe, "recipe");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        triggerEventId = triggerEventId == null ? "" : triggerEventId;
        params = params == null ? JsonNodeFactory.instance.objectNode() : params.deepCopy();
    }

    /**
     * Describes an attempt without its trigger event and parameters.
     *
     * @param recipe the recipe that asked for the action
     * @param service the service id
     * @param action the action name
     * @param idempotencyKey the key under which the action runs once
     * @param attempt which attempt this is, from 1
     */
    public ActionAttempt(String recipe, String service, String action, String idempotencyKey,
            int attempt) {
        this(recipe, service, action, idempotencyKey, attempt, "", null);
    }

    /**
     * Shows the action, recipe, attempt and key, without the parameters.
     *
     * @return such as {@code ActionAttempt[google-sheets/append-row for recipe 'sales-log',
     *     attempt 2, key ...]}
     */
    @Override
    public String toString() {
        return "ActionAttempt[" + service + "/" + action + " for recipe '" + recipe
                + "', attempt " + attempt + ", key " + idempotencyKey + "]";
    }
}
