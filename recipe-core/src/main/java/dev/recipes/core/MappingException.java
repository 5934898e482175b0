package dev.recipes.core;

/**
 * Thrown when a recipe cannot render an action parameter from an event, for example because a
 * JSON Pointer names a field the event does not have.
 */
public final class MappingException extends RecipeException {

    private static final long serialVersionUID = 1L;

    /** The JSON Pointer or parameter name that failed. */
    private final String field;

    /**
     * Creates an exception for one field.
     *
     * @param field the JSON Pointer or parameter name that failed
     * @param message what went wrong, starting with its subject
     */
    public MappingException(String field, String message) {
        super(message);
        this.field = field;
    }

    /**
     * Returns the field that could not be rendered.
     *
     * @return a JSON Pointer or a parameter name
     */
    public String field() {
        return field;
    }
}
