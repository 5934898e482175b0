package dev.recipes.core;

/**
 * The root of every unchecked exception this library throws.
 *
 * <p>Messages start with the subject and quote the bad value, and never carry a secret.
 */
public class RecipeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception with a message.
     *
     * @param message what went wrong, starting with its subject
     */
    public RecipeException(String message) {
        super(message);
    }

    /**
     * Creates an exception with a message and its cause.
     *
     * @param message what went wrong, starting with its subject
     * @param cause the underlying failure
     */
    public RecipeException(String message, Throwable cause) {
        super(message, cause);
    }
}
