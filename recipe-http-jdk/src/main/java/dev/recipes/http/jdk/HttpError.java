package dev.recipes.http.jdk;

/**
 * A request the server answers itself, with an error status, and then closes the connection:
 * malformed, too large, or not received in time. The message names what was wrong, never a
 * header's value or the body. Carries no stack trace: it is an answer, not a failure.
 */
final class HttpError extends Exception {

    private static final long serialVersionUID = 1L;

    private final int status;

    HttpError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    int status() {
        return status;
    }
}
