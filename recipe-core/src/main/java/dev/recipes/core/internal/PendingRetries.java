package dev.recipes.core.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The action requests waiting on the scheduler for their next attempt, so that the engine can
 * tell when it is idle and can give up on them when it closes.
 */
final class PendingRetries {

    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final Object idle = new Object();
    private long version; // changes whenever a request is scheduled or leaves; guarded by idle

    // Either the task or cancelAll takes the entry, never both: cancelling a running task
    // still succeeds, so the flag, not the future, says who handles the request.
    private record Pending(ActionRequest request, ScheduledFuture<?> future, AtomicBoolean taken) {
    }

    /**
     * Schedules a request's next attempt. The request stays pending until {@code fire} has run,
     * so that whatever {@code fire} publishes is on the bus before the request leaves.
     *
     * @throws java.util.concurrent.RejectedExecutionException if the scheduler is shut down
     */
    void schedule(ScheduledExecutorService scheduler, ActionRequest request, Duration delay,
            Consumer<ActionRequest> fire) {
        String key = request.claimKey();
        synchronized (idle) {
            // The task reads the holder only under this lock, so it is filled by then.
            Pending[] self = new Pending[1];
            AtomicBoolean taken = new AtomicBoolean();
            ScheduledFuture<?> future = scheduler.schedule(() -> {
                if (!taken.compareAndSet(false, true)) {
                    return;
                }
                try {
                    fire.accept(request);
                } finally {
                    done(key, self);
                }
            }, Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
            self[0] = new Pending(request, future, taken);
            pending.put(key, self[0]);
            version++;
        }
    }

    // Removes only this entry: the task may have scheduled the same request again under the
    // same key, and that one is still pending.
    private void done(String key, Pending[] entry) {
        synchronized (idle) {
            pending.remove(key, entry[0]);
            version++;
            if (pending.isEmpty()) {
                idle.notifyAll();
            }
        }
    }

    boolean isEmpty() {
        return pending.isEmpty();
    }

    /** Returns the version of the pending set if it is empty, else -1. */
    long versionIfEmpty() {
        synchronized (idle) {
            return pending.isEmpty() ? version : -1;
        }
    }

    int size() {
        return pending.size();
    }

    /** Waits until nothing is pending, up to a deadline in System.nanoTime() terms. */
    boolean awaitEmpty(long deadlineNanos) throws InterruptedException {
        synchronized (idle) {
            while (!pending.isEmpty()) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(idle, left);
            }
            return true;
        }
    }

    /** Cancels every pending attempt that has not started, and returns their requests. */
    List<ActionRequest> cancelAll() {
        List<ActionRequest> cancelled = new ArrayList<>();
        synchronized (idle) {
            for (Map.Entry<String, Pending> entry : pending.entrySet()) {
                if (entry.getValue().taken().compareAndSet(false, true)) {
                    entry.getValue().future().cancel(false);
                    cancelled.add(entry.getValue().request());
                    pending.remove(entry.getKey());
                    version++;
                }
            }
            if (pending.isEmpty()) {
                idle.notifyAll();
            }
        }
        return cancelled;
    }
}
