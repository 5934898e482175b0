package dev.recipes.core;

/** A handler's subscription to one topic within a group; closing it stops delivery to it. */
public interface Subscription extends AutoCloseable {

    /**
     * Returns the topic.
     *
     * @return the topic
     */
    String topic();

    /**
     * Returns the group: subscribers in one group share the topic's events, each event going to
     * one of them.
     *
     * @return the group
     */
    String group();

    /**
     * Stops delivery to this handler once the event it is handling, if any, is done. On the
     * in-memory bus, closing waits for that event, unless it is called from a handler of the
     * same bus: then it returns at once, and the event being handled may still be finishing,
     * since two handlers closing each other's subscriptions would otherwise wait for each
     * other for ever.
     */
    @Override
    void close();
}
