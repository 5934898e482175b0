package dev.recipes.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One action request a {@link TestEngine} saw, as it stood when it was looked at: which action,
 * for which recipe and event, with which rendered parameters, how many attempts it took and how
 * it ended. A replayed dead letter is a new request.
 *
 * <p>Immutable. The parameters are shared and must not be modified. {@link #toString()} masks
 * the values of parameters whose names say they hold credentials.
 */
public final class RecordedAction {

    /** Where an action request stands. */
    public enum Status {
        /** An attempt has started and not ended. */
        RUNNING,
        /** An attempt failed with a retryable error; the next waits for its backoff. */
        WAITING_TO_RETRY,
        /** An attempt succeeded. */
        SUCCEEDED,
        /** The engine gave up: a permanent error, retries ran out, or it closed; see the dead
         * letter. */
        FAILED
    }

    private final String service;
    private final String action;
    private final String recipe;
    private final String triggerEventId;
    private final String idempotencyKey;
    private final ObjectNode params;
    private final int attempts;
    private final Status status;
    private final List<String> errors;
    private final Instant retryAt;

    RecordedAction(String service, String action, String recipe, String triggerEventId,
            String idempotencyKey, ObjectNode params, int attempts, Status status,
            List<String> errors, Instant retryAt) {
        this.service = service;
        this.action = action;
        this.recipe = recipe;
        this.triggerEventId = triggerEventId;
        this.idempotencyKey = idempotencyKey;
        this.params = params;
        this.attempts = attempts;
        this.status = status;
        this.errors = List.copyOf(errors);
        this.retryAt = retryAt;
    }

    /**
     * Returns the service id.
     *
     * @return such as {@code google-sheets}
     */
    public String service() {
        return service;
    }

    /**
     * Returns the action name.
     *
     * @return such as {@code append-row}
     */
    public String action() {
        return action;
    }

    /**
     * Returns the recipe that asked for the action.
     *
     * @return the recipe id
     */
    public String recipe() {
        return recipe;
    }

    /**
     * Returns the id of the event that triggered the recipe.
     *
     * @return the event id, or empty if the engine did not say
     */
    public String triggerEventId() {
        return triggerEventId;
    }

    /**
     * Returns the key under which the action runs once.
     *
     * @return the idempotency key
     */
    public String idempotencyKey() {
        return idempotencyKey;
    }

    /**
     * Returns the rendered parameters the action was called with.
     *
     * @return the parameters; must not be modified
     */
    public ObjectNode params() {
        return params;
    }

    /**
     * Returns one parameter by JSON Pointer.
     *
     * @param jsonPointer such as {@code /values/0/1}
     * @return the value, if there is one at that pointer
     * @throws IllegalArgumentException if the pointer is not a JSON Pointer
     */
    public Optional<JsonNode> param(String jsonPointer) {
        JsonNode value = params.at(Values.pointer(jsonPointer));
        return value.isMissingNode() ? Optional.empty() : Optional.of(value);
    }

    /**
     * Returns how many attempts have started.
     *
     * @return 0 if the engine gave up before the first, else from 1
     */
    public int attempts() {
        return attempts;
    }

    /**
     * Returns where the request stands.
     *
     * @return the status
     */
    public Status status() {
        return status;
    }

    /**
     * Returns the message of each failed attempt, oldest first.
     *
     * @return the messages, empty if no attempt failed
     */
    public List<String> errors() {
        return errors;
    }

    /**
     * Returns the message of the last failed attempt.
     *
     * @return the message, if an attempt failed
     */
    public Optional<String> lastError() {
        return errors.isEmpty() ? Optional.empty() : Optional.of(errors.get(errors.size() - 1));
    }

    /**
     * Returns when the next attempt is due, while the request waits to be retried.
     *
     * @return the instant by the engine's clock; empty unless {@link Status#WAITING_TO_RETRY}
     */
    public Optional<Instant> retryAt() {
        return Optional.ofNullable(retryAt);
    }

    /**
     * Shows the action on one line: what, for whom, how it stands, then its parameters.
     *
     * @return such as {@code google-sheets/append-row by recipe 'sales-log' for event 'Ev1':
     *     succeeded on attempt 1; params {"range":"Log!A:B",...}}
     */
    @Override
    public String toString() {
        return service + "/" + action + " by recipe '" + recipe + "'"
                + (triggerEventId.isEmpty() ? "" : " for event '" + triggerEventId + "'")
                + ": " + outcome() + "; params " + Compact.json(params);
    }

    /** How the request stands, in words. */
    String outcome() {
        return switch (status) {
            case RUNNING -> "running attempt " + attempts;
            case WAITING_TO_RETRY -> "attempt " + attempts + " failed, attempt " + (attempts + 1)
                    + " waits until " + retryAt + " (" + lastErrorText() + ")";
            case SUCCEEDED -> "succeeded on attempt " + attempts;
            case FAILED -> "failed after " + attempts + " attempt" + (attempts == 1 ? "" : "s")
                    + ": " + lastErrorText();
        };
    }

    private String lastErrorText() {
        return Compact.cut(lastError().orElse("no error given"), Compact.JSON_WIDTH);
    }

    /** Tells whether the request names this action. */
    boolean is(String service, String action) {
        return this.service.equals(service) && this.action.equals(action);
    }
}
