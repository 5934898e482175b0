package dev.recipes.bus.redis;

import java.util.concurrent.TimeUnit;

/**
 * Counts the handlers of one bus that are running, and versions every step its consumers take,
 * so that a caller can tell that nothing happened while it looked at Redis.
 */
final class Activity {

    private int handling;
    private long version;

    synchronized void started() {
        handling++;
        version++;
    }

    synchronized void finished() {
        handling--;
        version++;
        if (handling == 0) {
            notifyAll();
        }
    }

    /** Records that a consumer fetched or claimed entries. */
    synchronized void touched() {
        version++;
    }

    synchronized int handling() {
        return handling;
    }

    /** Returns the version if no handler runs, or -1. */
    synchronized long versionIfQuiet() {
        return handling == 0 ? version : -1;
    }

    /** Waits until no handler runs, up to a deadline on {@link System#nanoTime()}. */
    synchronized boolean awaitQuiet(long deadlineNanos) throws InterruptedException {
        while (handling > 0) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }
}
