package dev.recipes.http.jdk;

import java.util.concurrent.atomic.AtomicLong;

/**
 * How many bytes of request bodies the server holds at once, over all connections: bodies
 * being received and bodies whose requests are being handled. Without it, clients that each
 * announce a body at the limit and send it slowly could make the server hold the connection
 * limit times the body limit (1 GiB with the defaults). A request whose body would pass it is
 * answered 503, as when the handler's queue is full. Thread-safe.
 */
final class BodyBudget {

    private final long limit;
    private final AtomicLong held = new AtomicLong();

    BodyBudget(long limit) {
        this.limit = limit;
    }

    /**
     * Takes bytes from the budget if they fit.
     *
     * @param bytes zero or more
     * @return whether they were taken
     */
    boolean take(long bytes) {
        long now;
        do {
            now = held.get();
            if (now + bytes > limit) {
                return false;
            }
        } while (!held.compareAndSet(now, now + bytes));
        return true;
    }

    /**
     * Gives bytes back.
     *
     * @param bytes what an earlier {@link #take(long)} took
     */
    void giveBack(long bytes) {
        if (bytes != 0) {
            held.addAndGet(-bytes);
        }
    }

    long limit() {
        return limit;
    }
}
