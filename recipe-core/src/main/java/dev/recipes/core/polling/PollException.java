package dev.recipes.core.polling;

import dev.recipes.core.RecipeException;
import java.time.Duration;
import java.util.Optional;

/**
 * A poll that failed. The engine polls again after a backoff that grows with each failure in a
 * row, and not before {@link #retryAfter()} when the source was told when to come back.
 */
public final class PollException extends RecipeException {

    private static final long serialVersionUID = 1L;

    /** Not serialized: a Duration is, but the exception's state is only its message. */
    private final transient Duration retryAfter;

    /**
     * Creates the exception.
     *
     * @param message what failed; never a secret
     * @param retryAfter how long the source asked to wait, or {@code null}
     * @param cause the cause, or {@code null}
     */
    public PollException(String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.retryAfter = retryAfter;
    }

    /**
     * Returns how long the source asked to wait before the next poll.
     *
     * @return the delay, if the source gave one
     */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
