package dev.recipes.core;

import java.time.Duration;

/**
 * Thrown when the bus cannot take an event now, because a bounded queue is full or the bus is
 * closing. The sender should try again later; the HTTP ingress answers 503 with
 * {@code Retry-After}.
 */
public final class EventRejectedException extends RecipeException {

    private static final long serialVersionUID = 1L;

    /** How long the sender should wait before trying again. */
    private final Duration retryAfter;

    /**
     * Creates a rejection.
     *
     * @param message why the event was not taken, starting with its subject
     * @param retryAfter how long the sender should wait before trying again
     */
    public EventRejectedException(String message, Duration retryAfter) {
        super(message);
        this.retryAfter = retryAfter;
    }

    /**
     * Returns how long the sender should wait before trying again.
     *
     * @return a positive duration
     */
    public Duration retryAfter() {
        return retryAfter;
    }
}
