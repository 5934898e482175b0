package dev.recipes.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

final class ManualSchedulerTest {

    private static final Instant START = Instant.parse("2024-05-01T12:00:00Z");

    private final MutableClock clock = new MutableClock(START);
    private final ManualScheduler scheduler = new ManualScheduler(clock);
    private final List<String> log = Collections.synchronizedList(new ArrayList<>());

    @Test
    void runsNothingUntilAdvanced() {
        scheduler.schedule(() -> log.add("later"), 1, TimeUnit.SECONDS);
        scheduler.execute(() -> log.add("now"));

        assertThat(log).isEmpty();
        assertThat(scheduler.pendingTasks()).isEqualTo(2);
        assertThat(scheduler.nextDueIn()).contains(Duration.ZERO);
    }

    @Test
    void advance_runsDueTasksInDueOrderAtTheirDueTimes() {
        scheduler.schedule(() -> log.add("c@" + clock.instant()), 3, TimeUnit.SECONDS);
        scheduler.schedule(() -> log.add("a@" + clock.instant()), 1, TimeUnit.SECONDS);
        scheduler.schedule(() -> log.add("b1@" + clock.instant()), 2000, TimeUnit.MILLISECONDS);
        scheduler.schedule(() -> log.add("b2@" + clock.instant()), 2, TimeUnit.SECONDS);

        int ran = scheduler.advance(Duration.ofSeconds(5));

        assertThat(ran).isEqualTo(4);
        assertThat(log).containsExactly("a@2024-05-01T12:00:01Z", "b1@2024-05-01T12:00:02Z",
                "b2@2024-05-01T12:00:02Z", "c@2024-05-01T12:00:03Z");
        assertThat(clock.instant()).isEqualTo(START.plusSeconds(5));
        assertThat(scheduler.pendingTasks()).isZero();
    }

    @Test
    void advance_leavesLaterTasksPending() {
        scheduler.schedule(() -> log.add("soon"), 1, TimeUnit.SECONDS);
        scheduler.schedule(() -> log.add("late"), 10, TimeUnit.SECONDS);

        scheduler.advance(Duration.ofSeconds(4));

        assertThat(log).containsExactly("soon");
        assertThat(scheduler.pendingTasks()).isEqualTo(1);
        assertThat(scheduler.nextDueIn()).contains(Duration.ofSeconds(6));
    }

    @Test
    void taskDueAtTheEndOfTheWindow_runs() {
        scheduler.schedule(() -> log.add("edge"), 4, TimeUnit.SECONDS);

        scheduler.advance(Duration.ofSeconds(4));

        assertThat(log).containsExactly("edge");
    }

    @Test
    void tasksScheduledByTasks_runWhenDueWithinTheWindow() {
        scheduler.schedule(() -> {
            log.add("first@" + clock.instant());
            scheduler.schedule(() -> log.add("nested@" + clock.instant()), 2, TimeUnit.SECONDS);
            scheduler.schedule(() -> log.add("beyond"), 10, TimeUnit.SECONDS);
            scheduler.execute(() -> log.add("executed@" + clock.instant()));
        }, 1, TimeUnit.SECONDS);

        scheduler.advance(Duration.ofSeconds(5));

        assertThat(log).containsExactly("first@2024-05-01T12:00:01Z",
                "executed@2024-05-01T12:00:01Z", "nested@2024-05-01T12:00:03Z");
        assertThat(scheduler.nextDueIn()).contains(Duration.ofSeconds(6));
    }

    @Test
    void execute_runsOnTheThreadThatRunsDueTasks() throws Exception {
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        Thread caller = new Thread(
                () -> scheduler.execute(() -> ranOn.set(Thread.currentThread())));
        caller.start();
        caller.join();

        assertThat(ranOn.get()).isNull();

        int ran = scheduler.runDueTasks();

        assertThat(ran).isEqualTo(1);
        assertThat(ranOn).hasValue(Thread.currentThread());
        assertThat(clock.instant()).isEqualTo(START);
    }

    @Test
    void runDueTasks_leavesFutureTasksAndTheClockAlone() {
        scheduler.schedule(() -> log.add("later"), 1, TimeUnit.NANOSECONDS);

        int ran = scheduler.runDueTasks();

        assertThat(ran).isZero();
        assertThat(log).isEmpty();
        assertThat(clock.instant()).isEqualTo(START);
    }

    @Test
    void runDueTasks_runsTasksMadeOverdueByMovingTheClock() {
        scheduler.schedule(() -> log.add("at " + clock.instant()), 1, TimeUnit.SECONDS);
        clock.advance(Duration.ofMinutes(1));

        scheduler.runDueTasks();

        assertThat(log).containsExactly("at 2024-05-01T12:01:00Z");
    }

    @Test
    void submit_completesTheFutureWithTheResult() throws Exception {
        Future<String> callable = scheduler.submit(() -> "done");
        Future<Integer> runnable = scheduler.submit(() -> log.add("ran"), 7);

        scheduler.runDueTasks();

        assertThat(callable.get(0, TimeUnit.SECONDS)).isEqualTo("done");
        assertThat(runnable.get(0, TimeUnit.SECONDS)).isEqualTo(7);
        assertThat(log).containsExactly("ran");
    }

    @Test
    void scheduleCallable_completesTheFutureWithTheResult() throws Exception {
        ScheduledFuture<Instant> future = scheduler.schedule(clock::instant, 90,
                TimeUnit.MINUTES);

        scheduler.advance(Duration.ofHours(2));

        assertThat(future.isDone()).isTrue();
        assertThat(future.get()).isEqualTo(START.plus(Duration.ofMinutes(90)));
    }

    @Test
    void fixedRate_runsEveryPeriodFromTheDueTimes() {
        scheduler.scheduleAtFixedRate(() -> {
            log.add("tick@" + clock.instant());
            clock.advance(Duration.ofSeconds(1));
        }, 1, 2, TimeUnit.SECONDS);

        int ran = scheduler.advance(Duration.ofSeconds(8));

        assertThat(ran).isEqualTo(4);
        assertThat(log).containsExactly("tick@2024-05-01T12:00:01Z", "tick@2024-05-01T12:00:03Z",
                "tick@2024-05-01T12:00:05Z", "tick@2024-05-01T12:00:07Z");
        assertThat(scheduler.pendingTasks()).isEqualTo(1);
        assertThat(scheduler.nextDueIn()).contains(Duration.ofSeconds(1));
    }

    @Test
    void fixedDelay_countsFromTheEndOfEachRun() {
        scheduler.scheduleWithFixedDelay(() -> {
            log.add("tick@" + clock.instant());
            clock.advance(Duration.ofSeconds(1));
        }, 1, 2, TimeUnit.SECONDS);

        int ran = scheduler.advance(Duration.ofSeconds(8));

        assertThat(ran).isEqualTo(3);
        assertThat(log).containsExactly("tick@2024-05-01T12:00:01Z", "tick@2024-05-01T12:00:04Z",
                "tick@2024-05-01T12:00:07Z");
        assertThat(clock.instant()).isEqualTo(START.plusSeconds(8));
        assertThat(scheduler.nextDueIn()).contains(Duration.ofSeconds(2));
    }

    @Test
    void rejectsNonPositivePeriod() {
        assertThatThrownBy(() -> scheduler.scheduleAtFixedRate(() -> { }, 0, 0,
                TimeUnit.SECONDS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("manual scheduler: period 0 SECONDS is not positive");
        assertThatThrownBy(() -> scheduler.scheduleWithFixedDelay(() -> { }, 0, -1,
                TimeUnit.SECONDS))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("manual scheduler: period -1 SECONDS is not positive");
    }

    @Test
    void cancelledTask_neverRunsAndIsNoLongerPending() {
        ScheduledFuture<?> future = scheduler.schedule(() -> log.add("cancelled"), 1,
                TimeUnit.SECONDS);
        scheduler.schedule(() -> log.add("kept"), 2, TimeUnit.SECONDS);

        boolean cancelled = future.cancel(false);

        assertThat(cancelled).isTrue();
        assertThat(future.isCancelled()).isTrue();
        assertThat(scheduler.pendingTasks()).isEqualTo(1);
        scheduler.advance(Duration.ofSeconds(3));
        assertThat(log).containsExactly("kept");
        assertThatThrownBy(future::get).isInstanceOf(CancellationException.class);
    }

    @Test
    void cancelledSubmission_isNoLongerPending() {
        Future<?> future = scheduler.submit(() -> log.add("cancelled"));

        future.cancel(true);

        assertThat(scheduler.pendingTasks()).isZero();
        assertThat(scheduler.runDueTasks()).isZero();
    }

    @Test
    void periodicTask_stopsWhenCancelledFromItsOwnRun() {
        AtomicReference<ScheduledFuture<?>> self = new AtomicReference<>();
        AtomicInteger runs = new AtomicInteger();
        self.set(scheduler.scheduleAtFixedRate(() -> {
            if (runs.incrementAndGet() == 3) {
                self.get().cancel(false);
            }
        }, 0, 1, TimeUnit.SECONDS));

        scheduler.advance(Duration.ofSeconds(10));

        assertThat(runs).hasValue(3);
        assertThat(self.get().isCancelled()).isTrue();
        assertThat(scheduler.pendingTasks()).isZero();
    }

    @Test
    void getDelay_isMeasuredAgainstTheClock() {
        ScheduledFuture<?> future = scheduler.schedule(() -> { }, 10, TimeUnit.SECONDS);

        clock.advance(Duration.ofSeconds(4));

        assertThat(future.getDelay(TimeUnit.MILLISECONDS)).isEqualTo(6_000);
        clock.advance(Duration.ofSeconds(7));
        assertThat(future.getDelay(TimeUnit.SECONDS)).isEqualTo(-1);
    }

    @Test
    void futures_compareByDelay() {
        ScheduledFuture<?> late = scheduler.schedule(() -> { }, 5, TimeUnit.SECONDS);
        ScheduledFuture<?> early = scheduler.schedule(() -> { }, 1, TimeUnit.SECONDS);
        ScheduledFuture<?> alsoEarly = scheduler.schedule(() -> { }, 1, TimeUnit.SECONDS);

        List<ScheduledFuture<?>> sorted = new ArrayList<>(List.of(late, alsoEarly, early));
        Collections.sort(sorted);

        assertThat(sorted).containsExactly(early, alsoEarly, late);
        assertThat(late.compareTo(late)).isZero();
    }

    @Test
    void failingTask_completesItsFutureExceptionallyAndOthersStillRun() {
        ScheduledFuture<?> failing = scheduler.schedule(() -> {
            throw new IllegalStateException("boom");
        }, 1, TimeUnit.SECONDS);
        scheduler.execute(() -> {
            throw new IllegalStateException("unobserved");
        });
        scheduler.schedule(() -> log.add("after"), 2, TimeUnit.SECONDS);

        int ran = scheduler.advance(Duration.ofSeconds(3));

        assertThat(ran).isEqualTo(3);
        assertThat(log).containsExactly("after");
        assertThatThrownBy(failing::get).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class)
                .hasRootCauseMessage("boom");
    }

    @Test
    void failingPeriodicTask_stops() {
        AtomicInteger runs = new AtomicInteger();
        ScheduledFuture<?> future = scheduler.scheduleAtFixedRate(() -> {
            if (runs.incrementAndGet() == 2) {
                throw new IllegalStateException("second run fails");
            }
        }, 1, 1, TimeUnit.SECONDS);

        scheduler.advance(Duration.ofSeconds(10));

        assertThat(runs).hasValue(2);
        assertThat(future.isDone()).isTrue();
        assertThatThrownBy(future::get).hasRootCauseMessage("second run fails");
        assertThat(scheduler.pendingTasks()).isZero();
    }

    @Test
    void advanceFromATask_isRefused() {
        ScheduledFuture<Integer> nested = scheduler.schedule(
                () -> scheduler.advance(Duration.ofSeconds(1)), 0, TimeUnit.SECONDS);

        scheduler.runDueTasks();

        assertThatThrownBy(nested::get).hasCauseInstanceOf(IllegalStateException.class)
                .hasRootCauseMessage("manual scheduler: a task it is running cannot advance it "
                        + "or run due tasks; schedule the work instead");
    }

    @Test
    void taskReschedulingItselfWithoutDelay_isStopped() {
        Runnable[] loop = new Runnable[1];
        loop[0] = () -> scheduler.execute(loop[0]);
        scheduler.execute(loop[0]);

        assertThatThrownBy(scheduler::runDueTasks)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("without time moving");
        assertThat(scheduler.pendingTasks()).isEqualTo(1);
    }

    @Test
    void rejectsNegativeAdvance() {
        assertThatThrownBy(() -> scheduler.advance(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("manual scheduler: duration PT-1S is negative; time only moves "
                        + "forward");
    }

    @Test
    void veryLongDelays_saturateInsteadOfOverflowing() {
        ScheduledFuture<?> future = scheduler.schedule(() -> { }, Long.MAX_VALUE,
                TimeUnit.DAYS);

        assertThat(future.getDelay(TimeUnit.NANOSECONDS)).isEqualTo(Long.MAX_VALUE);
        assertThat(scheduler.advance(Duration.ofDays(365_000))).isZero();
    }

    @Test
    void shutdown_rejectsNewTasksRunsWaitingOnesAndCancelsPeriodicOnes() {
        scheduler.schedule(() -> log.add("waiting"), 1, TimeUnit.SECONDS);
        ScheduledFuture<?> periodic = scheduler.scheduleAtFixedRate(() -> log.add("tick"), 1, 1,
                TimeUnit.SECONDS);

        scheduler.shutdown();

        assertThat(scheduler.isShutdown()).isTrue();
        assertThat(periodic.isCancelled()).isTrue();
        assertThat(scheduler.isTerminated()).isFalse();
        assertThatThrownBy(() -> scheduler.execute(() -> { }))
                .isInstanceOf(RejectedExecutionException.class)
                .hasMessageStartingWith("manual scheduler: shut down; task ");
        scheduler.advance(Duration.ofSeconds(5));
        assertThat(log).containsExactly("waiting");
        assertThat(scheduler.isTerminated()).isTrue();
        assertThat(scheduler.awaitTermination(0, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void shutdown_duringAPeriodicRun_stopsIt() {
        AtomicInteger runs = new AtomicInteger();
        scheduler.scheduleWithFixedDelay(() -> {
            runs.incrementAndGet();
            scheduler.shutdown();
        }, 1, 1, TimeUnit.SECONDS);

        scheduler.advance(Duration.ofSeconds(5));

        assertThat(runs).hasValue(1);
        assertThat(scheduler.isTerminated()).isTrue();
    }

    @Test
    void shutdownNow_returnsTheWaitingTasksInDueOrder() {
        ScheduledFuture<?> second = scheduler.schedule(() -> log.add("second"), 2,
                TimeUnit.SECONDS);
        ScheduledFuture<?> first = scheduler.schedule(() -> log.add("first"), 1,
                TimeUnit.SECONDS);

        List<Runnable> waiting = scheduler.shutdownNow();

        assertThat(waiting).containsExactly((Runnable) first, (Runnable) second);
        assertThat(scheduler.isTerminated()).isTrue();
        assertThat(scheduler.pendingTasks()).isZero();
        assertThat(scheduler.advance(Duration.ofSeconds(5))).isZero();
        assertThat(log).isEmpty();
    }

    @Test
    void awaitTermination_answersAtOnceWhileTasksWait() {
        scheduler.schedule(() -> { }, 1, TimeUnit.SECONDS);
        scheduler.shutdown();

        boolean terminated = scheduler.awaitTermination(1, TimeUnit.DAYS);

        assertThat(terminated).isFalse();
    }

    @Test
    void invokeAll_completesOnceAnotherThreadRunsTheTasks() throws Exception {
        List<Callable<String>> tasks = List.of(() -> "a", () -> "b");
        CompletableFuture<List<Future<String>>> all = CompletableFuture.supplyAsync(() -> {
            try {
                return scheduler.invokeAll(tasks);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        awaitPending(2);

        scheduler.runDueTasks();

        List<Future<String>> futures = all.get(10, TimeUnit.SECONDS);
        assertThat(futures).hasSize(2);
        assertThat(futures.get(0).get()).isEqualTo("a");
        assertThat(futures.get(1).get()).isEqualTo("b");
    }

    @Test
    void schedulingFromManyThreads_whileAdvancing_runsEveryTaskOnceInDueOrder()
            throws Exception {
        int threads = 8;
        int perThread = 500;
        List<Instant> ranAt = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<Future<?>> producers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            producers.add(pool.submit(() -> {
                go.await();
                for (int i = 0; i < perThread; i++) {
                    scheduler.schedule(() -> ranAt.add(clock.instant()),
                            (seed * 7L + i * 13L) % 1_000, TimeUnit.MILLISECONDS);
                }
                return null;
            }));
        }

        go.countDown();
        for (int step = 0; step < 200; step++) {
            scheduler.advance(Duration.ofMillis(5));
        }
        for (Future<?> producer : producers) {
            producer.get(10, TimeUnit.SECONDS);
        }
        pool.shutdown();
        scheduler.advance(Duration.ofSeconds(1));

        assertThat(ranAt).hasSize(threads * perThread).isSorted();
        assertThat(scheduler.pendingTasks()).isZero();
    }

    @Test
    void cancellingFromAnotherThread_whileAdvancing_losesNoTask() throws Exception {
        int count = 1_000;
        AtomicIntegerArray runs = new AtomicIntegerArray(count);
        List<ScheduledFuture<?>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int index = i;
            futures.add(scheduler.schedule(() -> runs.incrementAndGet(index), i,
                    TimeUnit.MILLISECONDS));
        }
        Thread canceller = new Thread(() -> futures.forEach(future -> future.cancel(false)));

        canceller.start();
        scheduler.advance(Duration.ofSeconds(2));
        canceller.join();

        for (int i = 0; i < count; i++) {
            assertThat(runs.get(i)).as("runs of task %d", i).isLessThanOrEqualTo(1);
            assertThat(runs.get(i) == 1 || futures.get(i).isCancelled())
                    .as("task %d ran or was cancelled", i).isTrue();
        }
        assertThat(scheduler.pendingTasks()).isZero();
    }

    @Test
    void toString_showsTheClockAndPendingCount() {
        scheduler.schedule(() -> { }, 1, TimeUnit.SECONDS);

        assertThat(scheduler).hasToString("ManualScheduler[at 2024-05-01T12:00:00Z, 1 pending]");
    }

    private void awaitPending(int count) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (scheduler.pendingTasks() < count) {
            assertThat(System.nanoTime()).as("%d pending tasks within 10s", count)
                    .isLessThan(deadline);
            Thread.onSpinWait();
        }
    }
}
