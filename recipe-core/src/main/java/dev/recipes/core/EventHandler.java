package dev.recipes.core;

/** Receives the events of a subscription. */
@FunctionalInterface
public interface EventHandler {

    /**
     * Handles one event. Returning normally acknowledges it.
     *
     * @param event the event
     * @throws DeliveryDeferredException if the event cannot be handled yet; a bus that
     *     redelivers delivers it again later
     * @throws Exception if the event could not be handled; the bus logs it with the event id,
     *     and a bus that redelivers what is not acknowledged delivers it again
     */
    void handle(Event event) throws Exception;
}
