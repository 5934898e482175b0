package dev.recipes.core.internal;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Wakes the sleeping subscribers of the in-memory bus's topics a little after an event came
 * for them, on a thread of its own started with the first such event, so that a subscriber
 * that keeps up with its publishers takes their events in runs rather than one wake-up each.
 */
final class Waker implements Runnable {

    // How long after the first event a group's subscriber is woken, at most about.
    private static final long DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    /** What the waker wakes. */
    interface Sleeper {

        /** Wakes sleeping subscribers that have events to take, if any. */
        void wakeOne();
    }

    private final Queue<Sleeper> deferred = new ConcurrentLinkedQueue<>();
    private volatile Thread thread;
    private volatile boolean stopped;
    // Set while the thread waits for a sleeper to be deferred, so that a deferral wakes it only
    // then: it counts itself idle, then looks at the queue again, and defer queues, then looks
    // at the flag, so one of the two sees the other.
    private volatile boolean idle;

    /** Wakes the sleeper after the delay. */
    void defer(Sleeper sleeper) {
        deferred.add(sleeper);
        Thread current = thread;
        if (current == null) {
            current = start();
        }
        if (idle) {
            LockSupport.unpark(current);
        }
    }

    private synchronized Thread start() {
        if (thread == null) {
            Thread started = new Thread(this, "recipes-bus-waker");
            started.setDaemon(true);
            thread = started;
            started.start();
        }
        return thread;
    }

    /** Stops the thread, once every deferred sleeper is woken. */
    void stop() {
        stopped = true;
        Thread current = thread;
        if (current != null) {
            LockSupport.unpark(current);
        }
    }

    @Override
    public void run() {
        while (!stopped || !deferred.isEmpty()) {
            if (deferred.isEmpty()) {
                idle = true;
                if (deferred.isEmpty() && !stopped) {
                    LockSupport.park(this);
                }
                idle = false;
                continue;
            }
            LockSupport.parkNanos(this, DELAY_NANOS);
            for (Sleeper sleeper = deferred.poll(); sleeper != null; sleeper = deferred.poll()) {
                sleeper.wakeOne();
            }
        }
    }
}
