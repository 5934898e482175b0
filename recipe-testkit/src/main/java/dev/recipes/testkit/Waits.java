package dev.recipes.testkit;

import dev.recipes.core.EventBus;
import dev.recipes.core.RecipeEngine;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * How a test engine waits and moves time: it drives the manual scheduler from the test's
 * thread while the bus's threads handle what that starts, and says what is left when the
 * engine does not settle.
 */
final class Waits {

    private final Clock clock;
    /** The manual scheduler, or null with real time. */
    private final ManualScheduler scheduler;
    private final Activity activity;

    Waits(Clock clock, ManualScheduler scheduler, Activity activity) {
        this.clock = clock;
        this.scheduler = scheduler;
        this.activity = activity;
    }

    /**
     * Moves manual time from timer to timer up to the end of the window, letting the work of
     * each settle; before the engine starts (running is null) it only moves the clock.
     */
    void advance(RecipeEngine running, Duration duration, Duration timeout) {
        if (running == null) {
            scheduler.advance(duration);
            return;
        }
        Instant target = clock.instant().plus(duration);
        settleOrFail(running, timeout);
        Optional<Duration> next;
        while ((next = scheduler.nextDueIn()).isPresent()
                && !clock.instant().plus(next.get()).isAfter(target)) {
            scheduler.advance(next.get());
            settleOrFail(running, timeout);
        }
        Duration rest = Duration.between(clock.instant(), target);
        if (!rest.isNegative() && !rest.isZero()) {
            scheduler.advance(rest);
        }
    }

    /** Waits until everything caused so far has settled; see {@link TestEngine#awaitIdle()}. */
    void awaitIdle(RecipeEngine running, Duration timeout) {
        if (running == null) {
            return;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!settle(running, deadline)) {
            throw notSettled(running, timeout);
        }
        if (scheduler != null) {
            if (!idleWithin(running, 0)) {
                throw waitingForTimers();
            }
        } else if (!idleWithin(running, deadline - System.nanoTime())) {
            throw notSettled(running, timeout);
        }
    }

    /** Waits until nothing can happen without time moving; see {@link TestEngine#awaitQuiet()}. */
    void awaitQuiet(RecipeEngine running, Duration timeout) {
        if (running != null) {
            settleOrFail(running, timeout);
        }
    }

    /** How long until the first retry waiting is due, by the clock. */
    Optional<Duration> nextRetryIn() {
        return waitingRetries(activity.snapshot()).stream().findFirst()
                .map(action -> dueIn(action.retryAt().orElseThrow()));
    }

    private void settleOrFail(RecipeEngine running, Duration timeout) {
        if (!settle(running, System.nanoTime() + timeout.toNanos())) {
            throw notSettled(running, timeout);
        }
    }

    // Manual time: the test thread runs what is due, the bus's threads handle what that
    // publishes, and the two repeat until the bus is idle with nothing due. Work a handler
    // schedules is scheduled before the handler returns, so an idle bus has none on its way.
    private boolean settle(RecipeEngine running, long deadline) {
        EventBus bus = running.bus();
        while (true) {
            if (scheduler != null) {
                scheduler.runDueTasks();
            }
            if (!interruptibly(() -> bus.awaitIdle(left(deadline)))) {
                return false;
            }
            if (scheduler == null || !dueNow()) {
                return true;
            }
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
        }
    }

    private boolean dueNow() {
        return scheduler.nextDueIn().filter(Duration::isZero).isPresent();
    }

    private static boolean idleWithin(RecipeEngine running, long nanos) {
        return interruptibly(() -> running.awaitIdle(Duration.ofNanos(Math.max(nanos, 0))));
    }

    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(deadline - System.nanoTime(), 0));
    }

    private static boolean interruptibly(Wait wait) {
        try {
            return wait.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("test engine: interrupted while waiting for the "
                    + "engine", e);
        }
    }

    /** A wait that may be interrupted. */
    @FunctionalInterface
    private interface Wait {

        boolean await() throws InterruptedException;
    }

    private Duration dueIn(Instant at) {
        Duration wait = Duration.between(clock.instant(), at);
        return wait.isNegative() ? Duration.ZERO : wait;
    }

    private static List<RecordedAction> waitingRetries(Seen seen) {
        return seen.actions().stream()
                .filter(action -> action.status() == RecordedAction.Status.WAITING_TO_RETRY)
                .sorted(Comparator.comparing(action -> action.retryAt().orElseThrow()))
                .toList();
    }

    private AssertionError waitingForTimers() {
        Seen seen = activity.snapshot();
        List<RecordedAction> waiting = waitingRetries(seen);
        if (waiting.isEmpty()) {
            String next = scheduler.nextDueIn().map(Duration::toString).orElse("none");
            return Failures.fail("test engine: not idle: the engine holds work on its "
                    + "scheduler that is not an action retry (next timer in " + next
                    + "); call advance(...) to run it.\n\n" + seen.describe());
        }
        Duration first = dueIn(waiting.get(0).retryAt().orElseThrow());
        return Failures.fail("test engine: not idle: " + waiting.size() + " action request"
                + (waiting.size() == 1 ? " waits" : "s wait") + " for a retry timer, and "
                + "manual time moves only when the test calls advance():"
                + Compact.list(waiting, this::waitingLine)
                + "\nCall advance(" + first + ") to run the first, or awaitQuiet() to wait only "
                + "for the work that can run now.\n\n" + seen.describe());
    }

    private String waitingLine(RecordedAction action) {
        Instant due = action.retryAt().orElseThrow();
        return action.service() + "/" + action.action() + " by recipe '" + action.recipe()
                + "'" + (action.triggerEventId().isEmpty() ? ""
                : " for event '" + action.triggerEventId() + "'") + ": attempt "
                + (action.attempts() + 1) + " is due in " + dueIn(due) + ", at " + due
                + ", after: " + Compact.cut(action.lastError().orElse("?"), Compact.JSON_WIDTH);
    }

    private AssertionError notSettled(RecipeEngine running, Duration timeout) {
        Seen seen = activity.snapshot();
        List<RecordedAction> open = seen.actions().stream()
                .filter(action -> action.status() == RecordedAction.Status.RUNNING
                        || action.status() == RecordedAction.Status.WAITING_TO_RETRY)
                .toList();
        boolean busy = !interruptibly(() -> running.bus().awaitIdle(Duration.ZERO));
        return Failures.fail("test engine: not idle after " + timeout + "; still going on:"
                + (open.isEmpty() ? "\n  no action request is running or waiting"
                : Compact.list(open, RecordedAction::toString))
                + (busy ? "\n  events or action requests are still queued or being handled "
                        + "on the bus" : "")
                + "\n\n" + seen.describe());
    }
}
