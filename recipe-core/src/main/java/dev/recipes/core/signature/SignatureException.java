package dev.recipes.core.signature;

import dev.recipes.core.RecipeException;

/**
 * Thrown when a webhook request's signature does not verify: missing, malformed, stale or wrong.
 * The message says which, and never contains the secret or the expected signature.
 */
public final class SignatureException extends RecipeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message why the signature was refused
     */
    public SignatureException(String message) {
        super(message);
    }
}
