package dev.recipes.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The action lanes' pool: the thread idle last runs the next task, and none is lost. */
final class LifoThreadPoolTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final Duration LONG = Duration.ofMinutes(1);

    private final List<LifoThreadPool> pools = new ArrayList<>();
    private final List<CountDownLatch> holds = new ArrayList<>();
    private final List<Throwable> uncaught = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() throws InterruptedException {
        holds.forEach(CountDownLatch::countDown);
        for (LifoThreadPool pool : pools) {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        }
    }

    @ParameterizedTest(name = "max {0} threads, keep-alive {1} ms")
    @CsvSource({"4, 60000", "64, 60000", "4, 1", "64, 1"})
    void everyTaskRunsOnce_underManySubmittersWithBursts(int max, long keepAliveMillis)
            throws Exception {
        LifoThreadPool pool = pool(max, Duration.ofMillis(keepAliveMillis));
        int submitters = 8;
        int each = 20_000;
        int children = submitters * each / 16;
        AtomicIntegerArray runs = new AtomicIntegerArray(submitters * each + children);
        CountDownLatch done = new CountDownLatch(runs.length());
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostAtOnce = new AtomicInteger();
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        AtomicInteger nextChild = new AtomicInteger(submitters * each);
        AtomicReference<Throwable> failure = new AtomicReference<>();

        List<Thread> feeders = new ArrayList<>();
        for (int s = 0; s < submitters; s++) {
            int first = s * each;
            feeders.add(daemon("feeder-" + s, () -> {
                for (int i = first; i < first + each; i++) {
                    int task = i;
                    pool.execute(() -> {
                        mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                        threads.add(Thread.currentThread());
                        if (task % 100 == 0) {
                            LockSupport.parkNanos(200_000);
                        }
                        if (task % 16 == 0) {
                            int child = nextChild.getAndIncrement();
                            pool.execute(() -> count(runs, child, done));
                        }
                        running.decrementAndGet();
                        count(runs, task, done);
                    });
                    if (i % 2_000 == 1_999) {
                        // A pause, after which a burst finds the threads idle, or ended.
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(3));
                    }
                }
            }, failure));
        }
        feeders.forEach(Thread::start);
        for (Thread feeder : feeders) {
            feeder.join(WAIT.toMillis() * 6);
        }

        assertThat(failure.get()).isNull();
        assertThat(done.await(WAIT.toSeconds() * 6, TimeUnit.SECONDS))
                .as("all ran, %s left, %s", done.getCount(), pool).isTrue();
        for (int i = 0; i < runs.length(); i++) {
            assertThat(runs.get(i)).as("runs of task %s", i).isEqualTo(1);
        }
        assertThat(uncaught).isEmpty();
        assertThat(mostAtOnce.get()).isBetween(1, max);
        if (keepAliveMillis >= LONG.toMillis()) {
            assertThat(threads).hasSizeLessThanOrEqualTo(max);
        }
        assertThat(pool.hasQueued()).isFalse();
        pool.shutdown();
        assertThat(pool.awaitTermination(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    }

    // Each task is queued or handed over just as the thread that ran the one before goes idle,
    // or, with the short keep-alive, ends: a task lost in between would hold the loop up.
    @ParameterizedTest(name = "keep-alive {0} us")
    @CsvSource({"60000000", "50"})
    void aTaskComingAsTheLastBusyThreadGoesIdle_stillRuns(long keepAliveMicros)
            throws Exception {
        LifoThreadPool pool = pool(1, Duration.ofNanos(keepAliveMicros * 1_000));

        for (int i = 0; i < 20_000; i++) {
            CountDownLatch done = new CountDownLatch(1);
            pool.execute(done::countDown);
            assertThat(done.await(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                    .as("task %s ran, %s", i, pool).isTrue();
        }
    }

    @Test
    void theThreadIdleLast_runsTheNextTask() throws Exception {
        LifoThreadPool pool = pool(8, LONG);
        List<Thread> held = new ArrayList<>();
        List<CountDownLatch> releases = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            CountDownLatch release = hold();
            releases.add(release);
            held.add(runHeld(pool, release));
        }
        assertThat(Set.copyOf(held)).hasSize(3);

        for (int i = 0; i < 3; i++) {
            releases.get(i).countDown();
            int idle = i + 1;
            awaitTrue(() -> pool.idleThreads() == idle);
        }
        List<Thread> ran = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            ran.add(ranOn(pool));
            awaitTrue(() -> pool.idleThreads() == 3);
        }

        assertThat(ran).containsOnly(held.get(2));
    }

    @Test
    void aTrickleOfTasks_keepsToFewThreads() throws Exception {
        LifoThreadPool pool = pool(64, LONG);
        Set<Thread> ran = ConcurrentHashMap.newKeySet();

        for (int i = 0; i < 1_000; i++) {
            ran.add(ranOn(pool));
        }

        // A task's submitter may see it done before its thread is back on the stack, and so
        // start a second; hardly ever a third (a ThreadPoolExecutor would use all 64).
        assertThat(ran).hasSizeLessThan(8);
    }

    @Test
    void tasksBeyondTheMaximum_waitAndRunInTheOrderTheyCame() throws Exception {
        LifoThreadPool pool = pool(1, LONG);
        CountDownLatch release = hold();
        Thread only = runHeld(pool, release);
        List<Integer> order = new CopyOnWriteArrayList<>();
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        CountDownLatch done = new CountDownLatch(50);

        for (int i = 0; i < 50; i++) {
            int task = i;
            pool.execute(() -> {
                threads.add(Thread.currentThread());
                order.add(task);
                done.countDown();
            });
        }
        assertThat(pool.hasQueued()).isTrue();
        release.countDown();

        assertThat(done.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(order).containsExactlyElementsOf(range(50));
        assertThat(threads).containsOnly(only);
        assertThat(pool.hasQueued()).isFalse();
    }

    @Test
    void tasksSubmittedFromTasks_runEvenOnOneThread() throws Exception {
        LifoThreadPool pool = pool(1, LONG);
        CountDownLatch done = new CountDownLatch(1_000);

        pool.execute(new Runnable() {
            @Override
            public void run() {
                done.countDown();
                if (done.getCount() > 0) {
                    pool.execute(this);
                }
            }
        });

        assertThat(done.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    }

    @Test
    void idleThreadsEndAfterTheKeepAlive_andALaterBurstStartsNewOnes() throws Exception {
        LifoThreadPool pool = pool(4, Duration.ofMillis(50));
        List<Thread> first = runBurst(pool, 4);

        for (Thread thread : first) {
            thread.join(WAIT.toMillis());
            assertThat(thread.isAlive()).as(thread.getName()).isFalse();
        }
        assertThat(pool.idleThreads()).isZero();
        List<Thread> second = runBurst(pool, 4);

        assertThat(Set.copyOf(second)).hasSize(4).doesNotContainAnyElementsOf(first);
    }

    @Test
    void idleThreadsStayForTheKeepAlive() throws Exception {
        LifoThreadPool pool = pool(4, LONG);

        Thread thread = ranOn(pool);
        thread.join(200);

        assertThat(thread.isAlive()).isTrue();
        assertThat(ranOn(pool))
                .isSameAs(thread);
    }

    @Test
    void shutdown_runsWhatIsQueuedAndRefusesNewTasks() throws Exception {
        LifoThreadPool pool = pool(1, LONG);
        CountDownLatch release = hold();
        AtomicReference<Throwable> fromInside = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        pool.execute(() -> {
            started.countDown();
            awaitQuietly(release);
            try {
                pool.execute(() -> { });
            } catch (RejectedExecutionException e) {
                fromInside.set(e);
            }
        });
        assertThat(started.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        List<Integer> ran = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 5; i++) {
            int task = i;
            pool.execute(() -> ran.add(task));
        }

        pool.shutdown();

        assertThat(pool.isShutdown()).isTrue();
        assertThatThrownBy(() -> pool.execute(() -> { }))
                .isInstanceOf(RejectedExecutionException.class);
        assertThat(pool.awaitTermination(50, TimeUnit.MILLISECONDS)).isFalse();
        assertThat(pool.isTerminated()).isFalse();
        release.countDown();
        assertThat(pool.awaitTermination(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(pool.isTerminated()).isTrue();
        assertThat(ran).containsExactly(0, 1, 2, 3, 4);
        assertThat(fromInside.get()).isInstanceOf(RejectedExecutionException.class);
    }

    @Test
    void shutdown_endsIdleThreadsAtOnce() throws Exception {
        LifoThreadPool pool = pool(4, LONG);
        List<Thread> threads = runBurst(pool, 4);
        awaitTrue(() -> pool.idleThreads() == 4);

        pool.shutdown();

        assertThat(pool.awaitTermination(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        for (Thread thread : threads) {
            thread.join(WAIT.toMillis());
            assertThat(thread.isAlive()).isFalse();
        }
        LifoThreadPool unused = pool(4, LONG);
        unused.shutdown();
        assertThat(unused.awaitTermination(0, TimeUnit.MILLISECONDS)).isTrue();
    }

    @Test
    void shutdownNow_interruptsRunningTasksAndReturnsTheQueuedOnes() throws Exception {
        LifoThreadPool pool = pool(1, LONG);
        CountDownLatch interrupted = new CountDownLatch(1);
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch never = hold();
        pool.execute(() -> {
            started.countDown();
            try {
                never.await();
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
        });
        assertThat(started.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        AtomicInteger ran = new AtomicInteger();
        List<Runnable> queued = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Runnable task = ran::incrementAndGet;
            queued.add(task);
            pool.execute(task);
        }

        List<Runnable> returned = pool.shutdownNow();

        assertThat(returned).containsExactlyElementsOf(queued);
        assertThat(interrupted.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(pool.awaitTermination(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        assertThat(ran).hasValue(0);
        assertThat(pool.hasQueued()).isFalse();
    }

    @Test
    void aTaskThatThrowsOrLeavesAnInterrupt_doesNotHarmTheNext() throws Exception {
        LifoThreadPool pool = pool(1, LONG);
        Thread first = ranOn(pool);

        pool.execute(() -> {
            throw new IllegalStateException("task: broken on purpose");
        });
        pool.execute(() -> Thread.currentThread().interrupt());
        boolean interrupted = pool.submit(() -> Thread.currentThread().isInterrupted())
                .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

        assertThat(interrupted).isFalse();
        assertThat(uncaught).singleElement().isInstanceOf(IllegalStateException.class);
        assertThat(ranOn(pool))
                .isSameAs(first);
    }

    @Test
    void aThreadFactoryThatMakesNoThread_refusesTheTaskAndThePoolGoesOn() throws Exception {
        AtomicInteger made = new AtomicInteger();
        ThreadFactory once = task -> made.getAndIncrement() == 0 ? factory().newThread(task)
                : null;
        LifoThreadPool pool = track(new LifoThreadPool(2, LONG, once));
        CountDownLatch release = hold();
        Thread only = runHeld(pool, release);

        assertThatThrownBy(() -> pool.execute(() -> { }))
                .isInstanceOf(RejectedExecutionException.class);
        release.countDown();

        awaitTrue(() -> pool.idleThreads() == 1);
        assertThat(ranOn(pool))
                .isSameAs(only);
    }

    @Test
    void refusesNoThreadsOrNoKeepAlive() {
        assertThatThrownBy(() -> new LifoThreadPool(0, LONG, factory()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new LifoThreadPool(1, Duration.ZERO, factory()))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private LifoThreadPool pool(int max, Duration keepAlive) {
        return track(new LifoThreadPool(max, keepAlive, factory()));
    }

    private LifoThreadPool track(LifoThreadPool pool) {
        pools.add(pool);
        return pool;
    }

    private ThreadFactory factory() {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, "pool-test-" + count.incrementAndGet());
            thread.setDaemon(true);
            thread.setUncaughtExceptionHandler((t, e) -> uncaught.add(e));
            return thread;
        };
    }

    private CountDownLatch hold() {
        CountDownLatch hold = new CountDownLatch(1);
        holds.add(hold);
        return hold;
    }

    // Runs a task that waits for the release; returns the thread it runs on once it runs.
    private static Thread runHeld(LifoThreadPool pool, CountDownLatch release)
            throws InterruptedException {
        AtomicReference<Thread> thread = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        pool.execute(() -> {
            thread.set(Thread.currentThread());
            started.countDown();
            awaitQuietly(release);
        });
        assertThat(started.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        return thread.get();
    }

    // Runs as many tasks at once as asked, each on its own thread; returns those threads.
    private List<Thread> runBurst(LifoThreadPool pool, int size) throws InterruptedException {
        CountDownLatch release = hold();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            threads.add(runHeld(pool, release));
        }
        release.countDown();
        return threads;
    }

    // Runs a task and returns the thread it ran on.
    private static Thread ranOn(LifoThreadPool pool) throws Exception {
        return pool.submit(Thread::currentThread).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static void count(AtomicIntegerArray runs, int task, CountDownLatch done) {
        runs.incrementAndGet(task);
        done.countDown();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waited too long").isNegative();
            Thread.sleep(1);
        }
    }

    private static Thread daemon(String name, Runnable body, AtomicReference<Throwable> failure) {
        Thread thread = new Thread(() -> {
            try {
                body.run();
            } catch (RuntimeException | Error e) {
                failure.compareAndSet(null, e);
            }
        }, name);
        thread.setDaemon(true);
        return thread;
    }

    private static List<Integer> range(int size) {
        List<Integer> range = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            range.add(i);
        }
        return range;
    }
}
