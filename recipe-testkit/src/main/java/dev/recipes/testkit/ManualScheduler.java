package dev.recipes.testkit;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ScheduledExecutorService} that runs nothing until the test moves time, so that tests
 * can check timed work (retries with backoff, polling) without sleeping.
 *
 * <pre>{@code
 * MutableClock clock = new MutableClock(Instant.parse("2024-05-01T12:00:00Z"));
 * ManualScheduler scheduler = new ManualScheduler(clock);
 * RecipeEngine engine = RecipeEngine.builder().clock(clock).scheduler(scheduler)...build();
 * // ... a Sheets append fails with 429 and Retry-After: 30, the engine schedules a retry
 * assertThat(engine.bus().awaitIdle(Duration.ofSeconds(5))).isTrue();
 * assertThat(scheduler.nextDueIn()).contains(Duration.ofSeconds(30));
 * scheduler.advance(Duration.ofSeconds(30)); // the retry runs, here, on this thread
 * }</pre>
 *
 * <p>A task scheduled with a delay is due at the clock's instant plus the delay; one given to
 * {@link #execute(Runnable)} or {@code submit} is due at once. Due tasks run on the thread
 * that calls {@link #advance(Duration)} or {@link #runDueTasks()}, one at a time, in due-time
 * order (first scheduled first among equals), with the clock showing each task's due time
 * while it runs. A periodic task is scheduled again after each run that returns normally.
 * A task that throws completes its future exceptionally (a periodic task then stops); the
 * others still run. Failures of tasks given to {@code execute}, which have no future to look
 * at, are also logged at WARN.
 *
 * <p>Thread-safe: other threads may schedule and cancel tasks while a test thread advances;
 * a task scheduled during an advance is due at the clock's instant at that moment plus its
 * delay, and runs in that advance when that falls inside it. Tasks never run while the
 * scheduler holds its lock, so they may schedule and cancel freely.
 *
 * <p>{@link #invokeAll} and {@link #invokeAny} block until another thread runs the tasks, so
 * call them from a thread other than the one that advances.
 */
public final class ManualScheduler extends AbstractExecutorService
        implements ScheduledExecutorService {

    private static final Logger LOG = LoggerFactory.getLogger(ManualScheduler.class);
    /** Tasks run in one call without the clock moving, past which a task must be looping. */
    private static final int MAX_TASKS_AT_ONE_INSTANT = 100_000;

    private final MutableClock clock;
    private final ReentrantLock driving = new ReentrantLock();
    private final Object lock = new Object();
    private final PriorityQueue<Task<?>> queue = new PriorityQueue<>(
            Comparator.<Task<?>, Instant>comparing(task -> task.dueAt)
                    .thenComparingLong(task -> task.sequence));
    private long sequence;
    private int running;
    private boolean shutdown;

    /**
     * Creates a scheduler that reads and moves a clock; give the engine the same clock.
     *
     * @param clock the clock tasks are due by
     */
    public ManualScheduler(MutableClock clock) {
        this.clock = Objects.requireNonNull(clock, "manual scheduler: clock is null");
    }

    /**
     * Returns the clock tasks are due by.
     *
     * @return the clock given to the constructor
     */
    public MutableClock clock() {
        return clock;
    }

    /**
     * Moves the clock forward, running on this thread every task that falls due on the way,
     * in due-time order, each with the clock set to its due time (or left where it is for a
     * task already overdue). Tasks that those tasks schedule run too if they fall due within
     * the window. The clock ends at its start plus {@code duration}, or later if a task moved
     * it further.
     *
     * @param duration how far to move the clock; zero runs what is due now
     * @return how many tasks ran
     * @throws IllegalArgumentException if the duration is negative
     * @throws IllegalStateException if called from a task this scheduler is running, or if a
     *     task keeps scheduling work without delay (100,000 tasks at one instant)
     */
    public int advance(Duration duration) {
        Objects.requireNonNull(duration, "manual scheduler: duration is null");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("manual scheduler: duration " + duration
                    + " is negative; time only moves forward");
        }
        startDriving();
        try {
            Instant end = plus(clock.instant(), duration);
            int ran = runUntil(end);
            if (clock.instant().isBefore(end)) {
                clock.set(end);
            }
            return ran;
        } finally {
            driving.unlock();
        }
    }

    /**
     * Runs on this thread, without moving the clock, every task due now, including tasks
     * they schedule without delay.
     *
     * @return how many tasks ran
     * @throws IllegalStateException if called from a task this scheduler is running, or if a
     *     task keeps scheduling work without delay (100,000 tasks at one instant)
     */
    public int runDueTasks() {
        startDriving();
        try {
            return runUntil(clock.instant());
        } finally {
            driving.unlock();
        }
    }

    /**
     * Returns how many tasks wait to run, periodic ones counted once.
     *
     * @return the count; a task that is running is not counted
     */
    public int pendingTasks() {
        synchronized (lock) {
            return queue.size();
        }
    }

    /**
     * Returns how long until the next task is due, by the clock.
     *
     * @return the wait, {@link Duration#ZERO} if a task is already due; empty if none waits
     */
    public Optional<Duration> nextDueIn() {
        Instant due;
        synchronized (lock) {
            Task<?> next = queue.peek();
            if (next == null) {
                return Optional.empty();
            }
            due = next.dueAt;
        }
        Duration wait = Duration.between(clock.instant(), due);
        return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
    }

    /**
     * Schedules a task to run once, when the test next advances or runs due tasks.
     *
     * @param command the task
     * @throws RejectedExecutionException if the scheduler is shut down
     */
    @Override
    public void execute(Runnable command) {
        Objects.requireNonNull(command, "manual scheduler: task is null");
        Task<?> own = claimUnsubmitted(command);
        enqueue(own != null ? own : new Task<>(command, Duration.ZERO, true), clock.instant());
    }

    /**
     * Schedules a task to run once, after a delay by the clock.
     *
     * @param command the task
     * @param delay the delay; zero or negative means due now
     * @param unit the delay's unit
     * @return a future that completes when the task has run, or can cancel it
     * @throws RejectedExecutionException if the scheduler is shut down
     */
    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        Objects.requireNonNull(command, "manual scheduler: task is null");
        return enqueue(new Task<>(command, Duration.ZERO, false), dueAfter(delay, unit));
    }

    /**
     * Schedules a task to run once, after a delay by the clock.
     *
     * @param callable the task
     * @param delay the delay; zero or negative means due now
     * @param unit the delay's unit
     * @param <V> the task's result type
     * @return a future that completes with the task's result, or can cancel it
     * @throws RejectedExecutionException if the scheduler is shut down
     */
    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        Objects.requireNonNull(callable, "manual scheduler: task is null");
        return enqueue(new Task<>(callable, Duration.ZERO, false), dueAfter(delay, unit));
    }

    /**
     * Schedules a task to run after an initial delay and then every period, counted from
     * each run's due time, so that runs missed by a long advance all happen in it.
     *
     * @param command the task
     * @param initialDelay the delay before the first run
     * @param period the time between due times, positive
     * @param unit the unit of both
     * @return a future that only completes if the task throws or is cancelled
     * @throws IllegalArgumentException if the period is not positive
     * @throws RejectedExecutionException if the scheduler is shut down
     */
    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay,
            long period, TimeUnit unit) {
        return schedulePeriodic(command, initialDelay, period, unit, true);
    }

    /**
     * Schedules a task to run after an initial delay and then again each time a delay has
     * passed since the clock's instant at the end of the previous run.
     *
     * @param command the task
     * @param initialDelay the delay before the first run
     * @param delay the time from the end of a run to the next due time, positive
     * @param unit the unit of both
     * @return a future that only completes if the task throws or is cancelled
     * @throws IllegalArgumentException if the delay is not positive
     * @throws RejectedExecutionException if the scheduler is shut down
     */
    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay,
            long delay, TimeUnit unit) {
        return schedulePeriodic(command, initialDelay, delay, unit, false);
    }

    /**
     * Stops taking tasks and cancels periodic ones; tasks already scheduled to run once still
     * run when the test advances, as with {@link java.util.concurrent.ScheduledThreadPoolExecutor}.
     */
    @Override
    public void shutdown() {
        List<Task<?>> periodic = new ArrayList<>();
        synchronized (lock) {
            shutdown = true;
            queue.stream().filter(Task::isPeriodic).forEach(periodic::add);
        }
        periodic.forEach(task -> task.cancel(false));
    }

    /**
     * Stops taking tasks and removes every waiting task without cancelling it. A task that is
     * running is not interrupted.
     *
     * @return the removed tasks, in due order; each is the future that scheduling returned
     */
    @Override
    public List<Runnable> shutdownNow() {
        List<Runnable> removed = new ArrayList<>();
        synchronized (lock) {
            shutdown = true;
            while (!queue.isEmpty()) {
                removed.add(queue.poll());
            }
        }
        return removed;
    }

    /**
     * Returns whether {@link #shutdown()} or {@link #shutdownNow()} was called.
     *
     * @return {@code true} once shut down
     */
    @Override
    public boolean isShutdown() {
        synchronized (lock) {
            return shutdown;
        }
    }

    /**
     * Returns whether the scheduler is shut down with no task waiting or running.
     *
     * @return {@code true} once terminated
     */
    @Override
    public boolean isTerminated() {
        synchronized (lock) {
            return shutdown && queue.isEmpty() && running == 0;
        }
    }

    /**
     * Returns at once whether the scheduler is terminated, without waiting: tasks only run
     * when the test advances, so waiting would not help.
     *
     * @param timeout ignored
     * @param unit ignored
     * @return {@link #isTerminated()}
     */
    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return isTerminated();
    }

    @Override
    protected <T> RunnableFuture<T> newTaskFor(Runnable runnable, T value) {
        return new Task<>(Executors.callable(runnable, value), Duration.ZERO, false, true);
    }

    @Override
    protected <T> RunnableFuture<T> newTaskFor(Callable<T> callable) {
        return new Task<>(callable, Duration.ZERO, false, true);
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "ManualScheduler[at " + clock.instant() + ", " + queue.size() + " pending"
                    + (shutdown ? ", shut down]" : "]");
        }
    }

    private ScheduledFuture<?> schedulePeriodic(Runnable command, long initialDelay,
            long period, TimeUnit unit, boolean fixedRate) {
        Objects.requireNonNull(command, "manual scheduler: task is null");
        Objects.requireNonNull(unit, "manual scheduler: unit is null");
        if (period <= 0) {
            throw new IllegalArgumentException("manual scheduler: period " + period + " "
                    + unit + " is not positive");
        }
        Duration every = duration(period, unit);
        return enqueue(new Task<>(command, fixedRate ? every : every.negated(), false),
                dueAfter(initialDelay, unit));
    }

    private void startDriving() {
        if (driving.isHeldByCurrentThread()) {
            throw new IllegalStateException("manual scheduler: a task it is running cannot "
                    + "advance it or run due tasks; schedule the work instead");
        }
        driving.lock();
    }

    /** Runs tasks due by {@code end}; long because it is the scheduler's one loop. */
    private int runUntil(Instant end) {
        int ran = 0;
        int atOneInstant = 0;
        Task<?> task;
        while ((task = takeDue(end)) != null) {
            try {
                Instant due = task.dueAt();
                if (due.isAfter(clock.instant())) {
                    clock.set(due);
                    atOneInstant = 0;
                }
                if (++atOneInstant > MAX_TASKS_AT_ONE_INSTANT) {
                    requeue(task);
                    throw new IllegalStateException("manual scheduler: ran "
                            + MAX_TASKS_AT_ONE_INSTANT + " tasks at " + clock.instant()
                            + " without time moving; a task probably schedules itself "
                            + "without delay");
                }
                task.run();
                ran++;
            } finally {
                synchronized (lock) {
                    running--;
                }
            }
        }
        return ran;
    }

    private Task<?> takeDue(Instant end) {
        synchronized (lock) {
            Task<?> next = queue.peek();
            if (next == null || next.dueAt.isAfter(end)) {
                return null;
            }
            running++;
            return queue.poll();
        }
    }

    private void requeue(Task<?> task) {
        synchronized (lock) {
            queue.add(task);
        }
    }

    private Task<?> claimUnsubmitted(Runnable command) {
        if (command instanceof Task<?> task && task.owner() == this) {
            synchronized (lock) {
                if (task.unsubmitted) {
                    task.unsubmitted = false;
                    return task;
                }
            }
        }
        return null;
    }

    private <V> Task<V> enqueue(Task<V> task, Instant dueAt) {
        synchronized (lock) {
            if (shutdown) {
                throw new RejectedExecutionException("manual scheduler: shut down; task "
                        + task.source + " rejected");
            }
            task.dueAt = dueAt;
            task.sequence = sequence++;
            queue.add(task);
        }
        return task;
    }

    private Instant dueAfter(long delay, TimeUnit unit) {
        Objects.requireNonNull(unit, "manual scheduler: unit is null");
        Instant now = clock.instant();
        return delay <= 0 ? now : plus(now, duration(delay, unit));
    }

    private static Duration duration(long amount, TimeUnit unit) {
        try {
            return Duration.of(amount, unit.toChronoUnit());
        } catch (ArithmeticException e) {
            return Duration.ofSeconds(Long.MAX_VALUE);
        }
    }

    /** Adds, saturating at {@link Instant#MAX} rather than failing. */
    private static Instant plus(Instant instant, Duration duration) {
        try {
            return instant.plus(duration);
        } catch (ArithmeticException | DateTimeException e) {
            return Instant.MAX;
        }
    }

    /**
     * A scheduled task and its future.
     *
     * @param <V> the result type
     */
    private final class Task<V> extends FutureTask<V> implements RunnableScheduledFuture<V> {

        /** Positive: fixed rate; negative: fixed delay; zero: runs once. */
        private final Duration period;
        /** Given to execute(), so no one looks at the future: failures are logged. */
        private final boolean fireAndForget;
        /** The runnable or callable, named in messages. */
        private final Object source;
        /** Made by newTaskFor and not yet given to execute(); guarded by lock. */
        private boolean unsubmitted;
        /** Guarded by lock. */
        private Instant dueAt;
        /** Guarded by lock. */
        private long sequence;

        Task(Runnable command, Duration period, boolean fireAndForget) {
            super(command, null);
            this.period = period;
            this.fireAndForget = fireAndForget;
            this.source = command;
            this.dueAt = clock.instant();
        }

        Task(Callable<V> callable, Duration period, boolean fireAndForget) {
            this(callable, period, fireAndForget, false);
        }

        Task(Callable<V> callable, Duration period, boolean fireAndForget, boolean unsubmitted) {
            super(callable);
            this.period = period;
            this.fireAndForget = fireAndForget;
            this.source = callable;
            this.unsubmitted = unsubmitted;
            this.dueAt = clock.instant();
        }

        ManualScheduler owner() {
            return ManualScheduler.this;
        }

        Instant dueAt() {
            synchronized (lock) {
                return dueAt;
            }
        }

        @Override
        public boolean isPeriodic() {
            return !period.isZero();
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(Duration.between(clock.instant(), dueAt()));
        }

        /** Orders by due time, then by scheduling order; other delays by their delay. */
        @Override
        public int compareTo(Delayed other) {
            if (other == this) {
                return 0;
            }
            if (other instanceof Task<?> task && task.owner() == owner()) {
                synchronized (lock) {
                    return queue.comparator().compare(this, task);
                }
            }
            return Long.compare(getDelay(TimeUnit.NANOSECONDS),
                    other.getDelay(TimeUnit.NANOSECONDS));
        }

        @Override
        public void run() {
            if (!isPeriodic()) {
                super.run();
            } else if (runAndReset()) {
                scheduleNext();
            }
            if (fireAndForget) {
                logFailure();
            }
        }

        /** Cancels the task and removes it from the queue, so that it is no longer pending. */
        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            boolean cancelled = super.cancel(mayInterruptIfRunning);
            if (cancelled) {
                synchronized (lock) {
                    queue.remove(this);
                }
            }
            return cancelled;
        }

        private void scheduleNext() {
            synchronized (lock) {
                if (shutdown) {
                    super.cancel(false);
                } else if (!isCancelled()) {
                    dueAt = period.isNegative() ? plus(clock.instant(), period.negated())
                            : plus(dueAt, period);
                    sequence = ManualScheduler.this.sequence++;
                    queue.add(this);
                }
            }
        }

        private void logFailure() {
            if (!isDone() || isCancelled()) {
                return;
            }
            try {
                get();
            } catch (ExecutionException e) {
                LOG.warn("Manual scheduler: task {} given to execute() failed", source,
                        e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
