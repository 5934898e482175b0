package dev.recipes.testkit.bus;

import dev.recipes.core.Event;
import dev.recipes.core.EventHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Records the events a handler received, with the time each arrived, and lets a test wait for
 * them. Thread-safe.
 */
final class Inbox implements EventHandler {

    private final List<Event> events = new ArrayList<>();
    private final List<Long> arrivals = new ArrayList<>();

    @Override
    public synchronized void handle(Event event) {
        events.add(event);
        arrivals.add(System.nanoTime());
        notifyAll();
    }

    synchronized List<Event> events() {
        return List.copyOf(events);
    }

    synchronized List<String> ids() {
        return events.stream().map(Event::id).toList();
    }

    synchronized int count() {
        return events.size();
    }

    /** Returns when the event at {@code index} arrived, in {@link System#nanoTime()} terms. */
    synchronized long arrivalNanos(int index) {
        return arrivals.get(index);
    }

    /** Waits until at least {@code count} events arrived; returns whether they did in time. */
    boolean awaitCount(int count, Duration timeout) throws InterruptedException {
        return await(() -> events.size() >= count, timeout);
    }

    /** Waits until every one of the ids arrived; returns whether they did in time. */
    boolean awaitIds(Collection<String> ids, Duration timeout) throws InterruptedException {
        return await(() -> new HashSet<>(ids()).containsAll(ids), timeout);
    }

    private synchronized boolean await(BooleanSupplier condition, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }
}
