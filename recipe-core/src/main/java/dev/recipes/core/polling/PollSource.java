package dev.recipes.core.polling;

/**
 * What a service offers to be polled, through {@link dev.recipes.core.spi.Service#pollSource()}:
 * it reads its provider from a cursor and returns the items found and the next cursor.
 *
 * <p>The engine calls it for each {@link PollingTrigger} of the service, on the engine's
 * scheduler, one poll at a time per trigger and on one engine instance at a time, and turns each
 * item whose key it has not seen into an event. A source does not need to remember what it
 * returned: it may return an item again, and may return everything it sees (a snapshot) rather
 * than what changed. Implementations must be thread-safe: different triggers may be polled at
 * once.
 */
@FunctionalInterface
public interface PollSource {

    /**
     * Reads the provider once.
     *
     * @param request the trigger, its connection and the cursor
     * @return the items found and the next cursor
     * @throws PollException or any other runtime exception if the read failed; the engine backs
     *     off and polls again, and keeps its cursor and seen keys
     */
    PollResult poll(PollRequest request);
}
