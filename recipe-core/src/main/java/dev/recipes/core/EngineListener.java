package dev.recipes.core;

import java.time.Duration;

/**
 * Observes what the engine does, for metrics, tracing or tests. Every method has an empty
 * default, so a listener implements what it needs.
 *
 * <p>Methods are called on the engine's threads, often several at once, and must be quick and
 * thread-safe. A listener that throws is logged at WARN and does not disturb the engine. The
 * calls about one action request come in order (started, then retried or succeeded or failed,
 * then dead-lettered); {@link #eventReceived} is told by the thread that published the event,
 * so it may come after the first calls about that event's recipes. Each {@link ActionAttempt}
 * carries the action's rendered parameters and the id of the event that triggered it.
 */
public interface EngineListener {

    /**
     * A service (or {@link RecipeEngine#publish}) published an event for recipes; the engine's
     * own result, failure and dead-letter events are not reported here.
     *
     * @param event the event
     */
    default void eventReceived(Event event) {
    }

    /**
     * A recipe's trigger and filter accepted an event, and its actions were requested.
     *
     * @param recipeId the recipe
     * @param event the event
     */
    default void recipeMatched(String recipeId, Event event) {
    }

    /**
     * An attempt at an action starts.
     *
     * @param attempt the attempt
     */
    default void actionStarted(ActionAttempt attempt) {
    }

    /**
     * An attempt at an action succeeded.
     *
     * @param attempt the attempt
     */
    default void actionSucceeded(ActionAttempt attempt) {
    }

    /**
     * An attempt failed with a retryable error, and the action will be tried again.
     *
     * @param attempt the attempt that failed
     * @param delay how long until the next attempt
     * @param error the failure's message
     */
    default void actionRetried(ActionAttempt attempt, Duration delay, String error) {
    }

    /**
     * An attempt failed and the action will not be tried again; a dead letter follows.
     *
     * @param attempt the attempt that failed
     * @param error the failure's message
     */
    default void actionFailed(ActionAttempt attempt, String error) {
    }

    /**
     * An action request was put in the dead-letter store.
     *
     * @param deadLetter the dead letter
     */
    default void deadLettered(DeadLetter deadLetter) {
    }
}
