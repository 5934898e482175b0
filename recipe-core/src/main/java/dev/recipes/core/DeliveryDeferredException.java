package dev.recipes.core;

/**
 * Thrown by an {@link EventHandler} that cannot handle an event yet, for example because
 * another process holds the work it stands for. A bus that redelivers what is not acknowledged
 * delivers the event again later; the in-memory bus, which does not, logs it without an error,
 * since the event is being handled elsewhere.
 */
public class DeliveryDeferredException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates an exception.
     *
     * @param message why the event waits
     */
    public DeliveryDeferredException(String message) {
        super(message, null, false, false);
    }
}
