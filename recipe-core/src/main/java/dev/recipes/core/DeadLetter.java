package dev.recipes.core;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.Objects;

/**
 * An action request the engine gave up on, with why: its last attempt failed permanently, its
 * retries ran out, or the engine closed before it could be tried again. Dead letters can be
 * listed, inspected and replayed through {@link RecipeEngine#deadLetters()}.
 *
 * @param id the dead letter's own id
 * @param service the service id
 * @param action the action name
 * @param connection the connection id the action runs as
 * @param recipe the recipe that asked for the action
 * @param triggerEventId the id of the event that triggered the recipe
 * @param idempotencyKey the key under which the action runs once
 * @param params the rendered parameters, copied
 * @param chainDepth how many recipes led to this action, 1 for a recipe on a service's event
 * @param reason why the engine gave up
 * @param attempts how many attempts were made
 * @param lastError the message of the last failure
 * @param firstAttemptAt when the first attempt started
 * @param deadAt when the request was given up
 * @param replayOf the id of the dead letter this request was a replay of, or empty
 */
public record DeadLetter(
        String id,
        String service,
        String action,
        String connection,
        String recipe,
        String triggerEventId,
        String idempotencyKey,
        ObjectNode params,
        int chainDepth,
        Reason reason,
        int attempts,
        String lastError,
        Instant firstAttemptAt,
        Instant deadAt,
        String replayOf) {

    /** Why a request was given up. */
    public enum Reason {
        /** The action failed with a permanent error. */
        PERMANENT_FAILURE,
        /** The action kept failing with retryable errors until the retry policy ran out. */
        RETRIES_EXHAUSTED,
        /** The engine closed while the request waited for its next attempt. */
        ENGINE_CLOSED
    }

    /**
     * Validates and copies the parameters.
     *
     * @param id the dead letter's own id
     * @param service the service id
     * @param action the action name
     * @param connection the connection id the action runs as
     * @param recipe the recipe that asked for the action
     * @param triggerEventId the id of the event that triggered the recipe
     * @param idempotencyKey the key under which the action runs once
     * @param params the rendered parameters, copied
     * @param chainDepth how many recipes led to this action, 1 for a recipe on a service's event
     * @param reason why the engine gave up
     * @param attempts how many attempts were made
     * @param lastError the message of the last failure
     * @param firstAttemptAt when the first attempt started
     * @param deadAt when the request was given up
     * @param replayOf the id of the dead letter this request was a replay of, or empty
     */
    public DeadLetter {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        Objects.requireNonNull(reason, "reason");
        params = params.deepCopy();
        replayOf = replayOf == null ? "" : replayOf;
    }

    @Override
    public String toString() {
        return "DeadLetter[" + id + ", " + service + "/" + action + " for recipe '" + recipe
                + "', " + reason + " after " + attempts + " attempt(s): " + lastError + "]";
    }
}
