package dev.recipes.core;

/** Receives the events of a subscription. */
@FunctionalInterface
public interface EventHandler {

    /**
     * Handles one event. Returning normally acknowledges it.
     *
     * @param event the event
     * @throws Exception if the event could not be handled; the bus logs it with the event id
     */
    void handle(Event event) throws Exception;
}
