package dev.recipes.core;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Delayed;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs scheduled tasks only when the test moves the clock, on the test's thread, each with the
 * clock at its due time. Several engines, standing for several processes, can share it and the
 * clock through {@link #process(String)}; {@link #kill(String)} stops one's tasks as if its
 * process died. Periodic scheduling is not supported: the engine does not use it.
 */
final class ManualSchedulerFixture {

    private final MutableClockFixture clock;
    private final PriorityQueue<Task<?>> queue = new PriorityQueue<>(
            Comparator.<Task<?>, Instant>comparing(task -> task.due)
                    .thenComparingLong(task -> task.sequence));
    private final Set<String> dead = ConcurrentHashMap.newKeySet();
    private long sequence;

    ManualSchedulerFixture(MutableClockFixture clock) {
        this.clock = clock;
    }

    /** Returns a scheduler for one process; tasks of all processes run in due order. */
    ScheduledExecutorService process(String name) {
        return new Process(name);
    }

    /** Drops the process's tasks from now on, as if it died: it renews and fires nothing. */
    void kill(String name) {
        dead.add(name);
    }

    /** Moves the clock forward, running the tasks that fall due on the way, in due order. */
    void advance(Duration duration) {
        Instant end = clock.instant().plus(duration);
        for (Task<?> task = nextDue(end); task != null; task = nextDue(end)) {
            moveTo(task.due);
            if (!dead.contains(task.process)) {
                task.run();
            }
        }
        moveTo(end);
    }

    private Task<?> nextDue(Instant end) {
        synchronized (queue) {
            Task<?> next = queue.peek();
            return next == null || next.due.isAfter(end) ? null : queue.poll();
        }
    }

    private void moveTo(Instant instant) {
        if (instant.isAfter(clock.instant())) {
            clock.advance(Duration.between(clock.instant(), instant));
        }
    }

    private <V> Task<V> enqueue(Task<V> task) {
        synchronized (queue) {
            task.sequence = sequence++;
            queue.add(task);
        }
        return task;
    }

    private final class Task<V> extends FutureTask<V> implements ScheduledFuture<V> {

        private final Instant due;
        private final String process;
        private long sequence;

        Task(Callable<V> callable, Duration delay, String process) {
            super(callable);
            this.due = clock.instant().plus(delay.isNegative() ? Duration.ZERO : delay);
            this.process = process;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(Duration.between(clock.instant(), due));
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(getDelay(TimeUnit.NANOSECONDS),
                    other.getDelay(TimeUnit.NANOSECONDS));
        }

        @Override
        public boolean cancel(boolean mayInterrupt) {
            synchronized (queue) {
                queue.remove(this);
            }
            return super.cancel(mayInterrupt);
        }
    }

    private final class Process extends AbstractExecutorService
            implements ScheduledExecutorService {

        private final String name;

        Process(String name) {
            this.name = name;
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            return schedule(Executors.callable(command), delay, unit);
        }

        @Override
        public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
            return enqueue(new Task<>(callable, Duration.of(delay, unit.toChronoUnit()), name));
        }

        @Override
        public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay,
                long period, TimeUnit unit) {
            throw new UnsupportedOperationException("manual scheduler: not periodic");
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay,
                long delay, TimeUnit unit) {
            throw new UnsupportedOperationException("manual scheduler: not periodic");
        }

        @Override
        public void execute(Runnable command) {
            schedule(command, 0, TimeUnit.NANOSECONDS);
        }

        @Override
        public void shutdown() {
        }

        @Override
        public List<Runnable> shutdownNow() {
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return false;
        }

        @Override
        public boolean isTerminated() {
            return false;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return false;
        }
    }
}
