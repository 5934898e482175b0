package dev.recipes.core.internal;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A pool of threads that hands each task to the thread that went idle last, and starts a new
 * thread only when none is idle, up to its maximum; the tasks that come while that many run
 * wait in a queue without bound and start in the order they came. A thread idle for the
 * keep-alive ends.
 *
 * <p>So a steady trickle of tasks runs on one warm thread, and the threads a burst started end
 * when it is over. A {@link java.util.concurrent.ThreadPoolExecutor} whose core size is its
 * maximum does the opposite: it starts a thread for each task until it has them all, and its
 * idle threads take the queue's tasks the longest idle first, so a trickle runs on each of
 * them in turn, each cold, and keeps them all alive.
 *
 * <p>Shutting down is as for any executor: {@link #shutdown} refuses new tasks and lets the
 * queued ones run; {@link #shutdownNow} refuses them too, interrupts the threads and returns
 * the tasks that had not started. A task that throws goes to its thread's uncaught-exception
 * handler, and the thread goes on. Safe for use by any thread.
 */
final class LifoThreadPool extends AbstractExecutorService {

    // Every field below is guarded by the lock. Why no task is ever stranded:
    // (1) execute queues a task only when no worker is idle and the maximum (at least one)
    //     runs, each of them busy with a task;
    // (2) a worker goes idle, onto the stack, only in the same hold of the lock in which it
    //     found the queue empty (take), and a task that comes while a worker is idle is handed
    //     to it, not queued. So while the queue holds a task, no worker is idle, and no worker
    //     ends: one ends only from the stack (keep-alive) or on finding the queue empty once
    //     shut down (or emptied by shutdownNow). The maximum thus still runs, all busy;
    // (3) a busy worker, when its task returns or throws (runTask catches everything), takes
    //     the queue's head before it may go idle or end.
    // So every queued task is taken by the first worker to finish its task after it. The race
    // of a task queued just as the last busy worker goes idle cannot happen: the worker's
    // "queue empty" and "go idle" are one step under the lock, and so are execute's "none
    // idle" and "queue"; whichever comes second sees the other. Nor the race of a task handed
    // to a worker whose keep-alive just ran out: the worker is popped with it from the stack
    // under the lock, so it goes to that worker only, which looks for a handed task before it
    // looks at its keep-alive or at shutdown. This holds as long as a worker's thread survives
    // its tasks: only an Error in this class's own few steps (the JVM out of memory) could end
    // one early. LifoThreadPoolTest hits both races many times over.

    private final int maxThreads;
    private final long keepAliveNanos;
    private final ThreadFactory factory;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ended = lock.newCondition();
    // The idle workers, the one idle last first.
    private final ArrayDeque<Worker> idle;
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    // The workers started and not ended, idle or not.
    private final Set<Worker> workers = new HashSet<>();
    // Written under the lock and read without it: the queue's size, and whether shut down.
    private volatile int queued;
    private volatile boolean shutdown;

    /**
     * Makes the pool; it starts no thread before its first task.
     *
     * @param maxThreads the most threads the pool runs at once, at least 1
     * @param keepAlive how long a thread waits idle before it ends, positive
     * @param factory makes the threads
     */
    LifoThreadPool(int maxThreads, Duration keepAlive, ThreadFactory factory) {
        if (maxThreads < 1 || keepAlive.isNegative() || keepAlive.isZero()) {
            throw new IllegalArgumentException("pool: needs at least 1 thread and a positive "
                    + "keep-alive, not " + maxThreads + " and " + keepAlive);
        }
        this.maxThreads = maxThreads;
        this.keepAliveNanos = keepAlive.toNanos();
        this.factory = Objects.requireNonNull(factory, "factory");
        this.idle = new ArrayDeque<>(maxThreads);
    }

    /**
     * Runs a task on the thread idle last, on a new thread if none is idle and fewer than the
     * maximum run, or else when a thread is free, after the tasks queued before it.
     *
     * @param task the task
     * @throws RejectedExecutionException if the pool is shut down, or its thread factory made
     *     no thread
     */
    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        lock.lock();
        try {
            if (shutdown) {
                throw new RejectedExecutionException("pool: shut down; the task was not taken");
            }
            Worker worker = idle.pollFirst();
            if (worker != null) {
                worker.onStack = false;
                worker.handed = task;
                worker.wake.signal();
            } else if (workers.size() < maxThreads) {
                start(task);
            } else {
                queue.addLast(task);
                queued = queue.size();
            }
        } finally {
            lock.unlock();
        }
    }

    // Starts a worker for its first task. Under the lock, so that none sees it counted and
    // not started: if it cannot start, it is uncounted before the lock is let go.
    private void start(Runnable task) {
        Worker worker = new Worker();
        Thread thread = factory.newThread(worker);
        if (thread == null) {
            throw new RejectedExecutionException("pool: the thread factory made no thread");
        }
        worker.thread = thread;
        worker.handed = task;
        workers.add(worker);
        try {
            thread.start();
        } catch (RuntimeException | Error e) {
            workers.remove(worker);
            throw e;
        }
    }

    // The worker's next task: the one handed to it, else the queue's head, else one handed to
    // it while it waits idle on the stack. Null when it is to end, which it then has.
    private Runnable take(Worker worker) {
        lock.lock();
        try {
            long deadline = System.nanoTime() + keepAliveNanos;
            while (true) {
                Runnable task = worker.handed != null ? worker.handed : queue.pollFirst();
                if (task != null) {
                    worker.handed = null;
                    queued = queue.size();
                    // Whatever interrupt the last task left is not for this one; shutdownNow
                    // interrupts under the lock, so it cannot be lost here.
                    Thread.interrupted();
                    return task;
                }
                long left = deadline - System.nanoTime();
                if (shutdown || left <= 0) {
                    end(worker);
                    return null;
                }
                if (!worker.onStack) {
                    worker.onStack = true;
                    idle.addFirst(worker);
                }
                awaitNanos(worker.wake, left);
            }
        } finally {
            lock.unlock();
        }
    }

    private static void awaitNanos(Condition condition, long nanos) {
        try {
            condition.awaitNanos(nanos);
        } catch (InterruptedException e) {
            // A stray interrupt, or shutdownNow's: the caller looks again either way.
        }
    }

    // Ends a worker that found nothing to do. The one ending of keep-alive is most often the
    // longest idle, at the stack's bottom.
    private void end(Worker worker) {
        if (worker.onStack) {
            worker.onStack = false;
            idle.removeLastOccurrence(worker);
        }
        workers.remove(worker);
        if (workers.isEmpty()) {
            ended.signalAll();
        }
    }

    /**
     * Tells whether tasks wait in the queue, all threads being busy; cheap, without locking.
     *
     * @return {@code true} if at least one task waits
     */
    boolean hasQueued() {
        return queued > 0;
    }

    /**
     * Returns the most threads the pool runs at once.
     *
     * @return the maximum
     */
    int maxThreads() {
        return maxThreads;
    }

    /**
     * Returns how many threads wait idle for a task now.
     *
     * @return their number
     */
    int idleThreads() {
        lock.lock();
        try {
            return idle.size();
        } finally {
            lock.unlock();
        }
    }

    /** Refuses new tasks; those queued still run, and the threads end once they are done. */
    @Override
    public void shutdown() {
        lock.lock();
        try {
            shutdown = true;
            for (Worker worker : idle) {
                worker.wake.signal();
            }
            if (workers.isEmpty()) {
                ended.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Refuses new tasks, interrupts every thread, and takes back the tasks not started.
     *
     * @return the tasks that were handed to a thread or queued and had not started, in the
     *     order they came as far as the queue goes
     */
    @Override
    public List<Runnable> shutdownNow() {
        lock.lock();
        try {
            shutdown();
            List<Runnable> left = new ArrayList<>(queue.size());
            for (Worker worker : workers) {
                if (worker.handed != null) {
                    left.add(worker.handed);
                    worker.handed = null;
                }
                worker.thread.interrupt();
            }
            left.addAll(queue);
            queue.clear();
            queued = 0;
            return left;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        lock.lock();
        try {
            return shutdown && workers.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long left = unit.toNanos(timeout);
        lock.lock();
        try {
            while (!shutdown || !workers.isEmpty()) {
                if (left <= 0) {
                    return false;
                }
                left = ended.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            return "LifoThreadPool[" + workers.size() + " of " + maxThreads + " threads, "
                    + idle.size() + " idle, " + queue.size() + " queued"
                    + (shutdown ? ", shut down]" : "]");
        } finally {
            lock.unlock();
        }
    }

    /** One thread of the pool: runs the tasks it takes until it finds none. */
    private final class Worker implements Runnable {
        // Signalled when a task is handed to this worker idle, or the pool shuts down.
        private final Condition wake = lock.newCondition();
        private Thread thread;
        // A task handed to this worker and not taken yet.
        private Runnable handed;
        // Whether this worker is on the stack of idle ones.
        private boolean onStack;

        @Override
        public void run() {
            for (Runnable task = take(this); task != null; task = take(this)) {
                runTask(task);
            }
        }

        // Runs a task; what it throws goes to the thread's handler, and what that throws is
        // dropped, so that the worker always comes back for the queue (reason 3 above).
        private void runTask(Runnable task) {
            try {
                task.run();
            } catch (Throwable e) {
                try {
                    thread.getUncaughtExceptionHandler().uncaughtException(thread, e);
                } catch (Throwable ignored) {
                    // Nowhere left to report it.
                }
            }
        }
    }
}
