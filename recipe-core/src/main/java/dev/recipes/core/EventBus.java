package dev.recipes.core;

import dev.recipes.core.internal.InMemoryEventBus;
import java.time.Duration;

/**
 * Carries events between the parts of the engine, by topic.
 *
 * <p>Every group subscribed to a topic gets each event published on it; within a group, each
 * event goes to one subscriber (competing consumers). Delivery is at least once. Queues are
 * bounded: when a group's queue is full, {@link #publish(String, Event)} rejects the event
 * rather than wait, though groups with room may have taken it; the publisher tries again later
 * and consumers skip what they had by its idempotency key. Implementations must be
 * thread-safe.
 */
public interface EventBus extends AutoCloseable {

    /**
     * Publishes an event on a topic. An event on a topic that no group subscribes to is dropped.
     *
     * @param topic such as {@code trigger.slack.message}
     * @param event the event
     * @throws EventRejectedException if a group's queue is full (other groups may have taken the
     *     event) or the bus is closed
     */
    void publish(String topic, Event event);

    /**
     * Tells whether the events on this bus outlive the process: an event a subscriber took but
     * did not acknowledge (its handler threw, or the process stopped) is delivered again, to
     * another subscriber of its group or later. The engine then closes without draining the
     * bus and never dead-letters work the bus still holds: what this instance leaves unfinished
     * stays on the bus for the others.
     *
     * @return {@code true} for a durable bus; {@code false} by default
     */
    default boolean isDurable() {
        return false;
    }

    /**
     * Tells whether the bus holds events published with {@link #publishLater} itself, durably,
     * so that they outlive the process that published them. The engine keeps delayed events
     * (retries waiting for their backoff) on its own scheduler when the bus does not.
     *
     * @return {@code true} if {@link #publishLater} is supported; {@code false} by default
     */
    default boolean holdsDelayedEvents() {
        return false;
    }

    /**
     * Publishes an event on a topic once a delay has passed. The bus holds the event until
     * then; closing the bus, or the process, does not lose it.
     *
     * @param topic the topic
     * @param event the event
     * @param delay how long to wait first, zero or more
     * @throws EventRejectedException if the bus cannot take the event now or is closed
     * @throws UnsupportedOperationException if {@link #holdsDelayedEvents()} is {@code false}
     */
    default void publishLater(String topic, Event event, Duration delay) {
        throw new UnsupportedOperationException(getClass().getName()
                + " does not hold delayed events");
    }

    /**
     * Subscribes a handler to a topic within a group.
     *
     * @param topic the topic
     * @param group the group; subscribers in one group compete for the events
     * @param handler the handler, called on a thread of the bus
     * @return the subscription
     * @throws IllegalStateException if the bus is closed
     */
    Subscription subscribe(String topic, String group, EventHandler handler);

    /**
     * Stops taking events, lets subscribers finish what is queued for up to the given time,
     * then stops them.
     *
     * <p>Limitation: called from one of the bus's own handlers, it waits out the whole
     * deadline, since that handler's event is still being handled, and what was queued behind
     * it is dropped; close the bus from another thread.
     *
     * @param deadline how long to wait for queued events
     * @return {@code true} if everything queued was handled in time
     * @throws NullPointerException if the deadline is null
     */
    boolean close(Duration deadline);

    /**
     * Waits until no event is queued or being handled. Events published by handlers while
     * waiting are waited for too, and so are events held by {@link #publishLater} for topics
     * this bus delivers: the engine's retries wait there when the bus holds delayed events.
     *
     * @param timeout how long to wait at most
     * @return {@code true} if the bus became idle, {@code false} if the time ran out
     * @throws InterruptedException if the waiting thread is interrupted
     * @throws UnsupportedOperationException if the bus cannot tell, as a distributed bus cannot
     */
    default boolean awaitIdle(Duration timeout) throws InterruptedException {
        throw new UnsupportedOperationException(getClass().getName()
                + " cannot tell when it is idle; use the in-memory bus in tests");
    }

    /** Closes with a deadline of 10 seconds. */
    @Override
    default void close() {
        close(Duration.ofSeconds(10));
    }

    /**
     * Returns a bus in memory whose subscriber queues hold at most 1,024 events each. When a
     * full group refused an event that other groups took, those do not take it again when it
     * is published again (each topic remembers, by source and id, the events of its last 4,096
     * refusals); any other event published twice is delivered twice, as delivery is at least
     * once.
     *
     * @return a new bus
     */
    static EventBus inMemory() {
        return inMemory(1024);
    }

    /**
     * Returns a bus in memory. Each topic with a subscriber keeps its events in a ring of
     * twice the queue capacity, made when its first group subscribes: about 16 bytes of memory
     * per unit of capacity and topic, besides the events it holds.
     *
     * @param queueCapacity how many events each group's queue holds, from 1 to 16,777,216
     * @return a new bus
     * @throws IllegalArgumentException if the capacity is out of that range
     */
    static EventBus inMemory(int queueCapacity) {
        return new InMemoryEventBus(queueCapacity);
    }
}
