package dev.recipes.core.spi;

import dev.recipes.core.RecipeException;
import java.time.Duration;
import java.util.Optional;

/**
 * A failed action, classified: a retryable failure (a 5xx, a 429, a timeout, a lost connection)
 * may succeed later, perhaps after a delay the provider named; a permanent one (a 4xx, invalid
 * parameters) will not.
 */
public final class ActionException extends RecipeException {

    private static final long serialVersionUID = 1L;

    /** Whether a later attempt may succeed. */
    private final boolean retryable;
    private final transient Duration retryAfter;

    private ActionException(String message, Throwable cause, boolean retryable,
            Duration retryAfter) {
        super(message, cause);
        this.retryable = retryable;
        this.retryAfter = retryAfter;
    }

    /**
     * Makes a retryable failure.
     *
     * @param message what failed, starting with its subject
     * @param retryAfter how long the provider asked to wait, or {@code null}
     * @param cause the underlying failure, or {@code null}
     * @return the exception
     */
    public static ActionException retryable(String message, Duration retryAfter,
            Throwable cause) {
        return new ActionException(message, cause, true, retryAfter);
    }

    /**
     * Makes a permanent failure.
     *
     * @param message what failed, starting with its subject
     * @param cause the underlying failure, or {@code null}
     * @return the exception
     */
    public static ActionException permanent(String message, Throwable cause) {
        return new ActionException(message, cause, false, null);
    }

    /**
     * Tells whether trying again may succeed.
     *
     * @return {@code true} for a retryable failure
     */
    public boolean retryable() {
        return retryable;
    }

    /**
     * Returns how long the provider asked to wait before trying again.
     *
     * @return the delay, if the provider named one
     */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
