package dev.recipes.core.attack;

import static dev.recipes.core.attack.Attack.data;
import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.ActionStep;
import dev.recipes.core.DeadLetter;
import dev.recipes.core.DeadLetterStore;
import dev.recipes.core.Event;
import dev.recipes.core.EventBus;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RetryPolicy;
import dev.recipes.core.Trigger;
import dev.recipes.core.spi.ActionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The shared action pool and its lanes: fairness, chains, loops, close, idle and replay. */
final class LaneAttackTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final RetryPolicy QUICK = RetryPolicy.custom().maxAttempts(3)
            .initialBackoff(Duration.ofMillis(1)).maxBackoff(Duration.ofMillis(5)).build();

    private final CountDownLatch release = new CountDownLatch(1);
    private final List<RecipeEngine> engines = new ArrayList<>();

    @AfterEach
    void close() {
        release.countDown();
        engines.forEach(RecipeEngine::close);
    }

    private RecipeEngine started(RecipeEngine.Builder builder) {
        RecipeEngine engine = builder.build();
        engines.add(engine);
        engine.start();
        return engine;
    }

    private static Recipe on(String id, dev.recipes.core.Trigger trigger, String service,
            String action) {
        return Recipe.named(id).when(trigger)
                .then(ActionStep.of(service, action).constant("r", id).build()).build();
    }

    private static Event ev(String type, String id) {
        return Attack.event(type, id, data());
    }

    @Test
    void aBlockedRecipeDoesNotStarveOthersInASmallPool() throws Exception {
        AtomicInteger fast = new AtomicInteger();
        RecipeEngine engine = started(RecipeEngine.builder().discoverServices(false)
                .actionThreads(3)
                .service(Attack.service("w", Attack.action("slow", invocation -> {
                    awaitRelease();
                    return data();
                }), Attack.action("fast", invocation -> {
                    fast.incrementAndGet();
                    return data();
                })))
                .recipe(on("slow", Trigger.of("t.x"), "w", "slow"))
                .recipe(on("fast", Trigger.of("t.x"), "w", "fast")));

        for (int i = 0; i < 100; i++) {
            engine.publish(ev("t.x", "e" + i));
        }
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (fast.get() < 100 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(fast).hasValue(100);
        release.countDown();
        assertThat(engine.awaitIdle(WAIT)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void manyRecipesWithOneSlowFollowerNeverDeadlock(int threads) throws Exception {
        Set<String> produced = ConcurrentHashMap.newKeySet();
        Set<String> followed = ConcurrentHashMap.newKeySet();
        AtomicInteger followRuns = new AtomicInteger();
        RecipeEngine.Builder builder = RecipeEngine.builder().discoverServices(false)
                .actionThreads(threads).bus(EventBus.inMemory(8))
                .service(Attack.service("w", Attack.action("produce", invocation -> {
                    produced.add(invocation.idempotencyKey());
                    return data();
                }), Attack.action("follow", invocation -> {
                    followRuns.incrementAndGet();
                    followed.add(invocation.params().path("from").asText());
                    Attack.sleep(1);
                    return data();
                })))
                .recipe(Recipe.named("follower").when(Trigger.onSuccess("w", "produce"))
                        .then(ActionStep.of("w", "follow")
                                .pointer("from", "/idempotencyKey").build())
                        .build());
        for (int r = 0; r < 5; r++) {
            builder.recipe(on("source-" + r, Trigger.of("t.chain"), "w", "produce"));
        }
        RecipeEngine engine = started(builder);

        int accepted = 0;
        for (int i = 0; i < 40; i++) {
            if (Attack.publishPatiently(engine, ev("t.chain", "c" + i), Duration.ofSeconds(5))) {
                accepted++;
            }
        }
        assertThat(accepted).isEqualTo(40);
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(produced).hasSize(200);
        assertThat(followed).isEqualTo(produced);
        assertThat(followRuns).hasValue(200);
        assertThat(engine.deadLetters().list()).isEmpty();
    }

    @Test
    void aRecipeFollowingItsOwnResultsStopsAtTheChainLimit() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        List<Event> failures = new CopyOnWriteArrayList<>();
        RecipeEngine engine = RecipeEngine.builder().discoverServices(false).maxChainDepth(4)
                .service(Attack.service("w", Attack.action("echo", invocation -> {
                    runs.incrementAndGet();
                    return data();
                })))
                .recipe(on("start", Trigger.of("t.loop"), "w", "echo"))
                .recipe(on("again", Trigger.onSuccess("w", "echo"), "w", "echo"))
                .build();
        engines.add(engine);
        engine.bus().subscribe("recipe.failed", "test", failures::add);
        engine.start();

        engine.publish(ev("t.loop", "l1"));
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertThat(runs).hasValue(4);
        assertThat(failures).singleElement().satisfies(failure ->
                assertThat(failure.data().path("error").asText()).contains("loop"));
    }

    /**
     * A recipe on recipe.failed that itself fails feeds the topic its own dispatchers drain.
     * With a small bus queue the dispatchers wait for room on the queue only they empty.
     */
    @ParameterizedTest
    @ValueSource(ints = {4, 1024})
    void aFailingFollowerOfRecipeFailedDoesNotDeadlockItsOwnTopic(int capacity)
            throws Exception {
        RecipeEngine engine = started(RecipeEngine.builder().discoverServices(false)
                .bus(EventBus.inMemory(capacity)).drainDeadline(Duration.ofSeconds(1))
                .service(Attack.service("w", Attack.action("noop", invocation -> data())))
                .recipe(Recipe.named("source").when(Trigger.of("t.boom"))
                        .filter(event -> {
                            throw new IllegalStateException("source filter");
                        })
                        .then(ActionStep.of("w", "noop").build()).build())
                .recipe(Recipe.named("watcher").when(Trigger.of("recipe.failed"))
                        .filter(event -> {
                            throw new IllegalStateException("watcher filter");
                        })
                        .then(ActionStep.of("w", "noop").build()).build()));

        int accepted = 0;
        int events = capacity * 3;
        for (int i = 0; i < events; i++) {
            if (!Attack.publishPatiently(engine, ev("t.boom", "b" + i), Duration.ofSeconds(2))) {
                break;
            }
            accepted++;
        }
        boolean idle = engine.awaitIdle(Duration.ofSeconds(20));
        assertThat(accepted).as("events taken").isEqualTo(events);
        assertThat(idle).as("engine idle").isTrue();
    }

    @ParameterizedTest
    @ValueSource(ints = {30, 10_000})
    void closeUnderLoadRunsOrDeadLettersEveryAcceptedAction(int drainMillis) throws Exception {
        Set<String> succeeded = ConcurrentHashMap.newKeySet();
        AtomicInteger runs = new AtomicInteger();
        Set<String> failedOnce = ConcurrentHashMap.newKeySet();
        java.util.function.Function<dev.recipes.core.spi.ActionInvocation,
                com.fasterxml.jackson.databind.JsonNode> work = invocation -> {
                    runs.incrementAndGet();
                    Attack.sleep(1);
                    if (failedOnce.add(invocation.idempotencyKey())
                            && invocation.idempotencyKey().hashCode() % 3 == 0) {
                        throw ActionException.retryable("flaky", null, null);
                    }
                    succeeded.add(invocation.idempotencyKey());
                    return data();
                };
        RecipeEngine.Builder builder = RecipeEngine.builder().discoverServices(false)
                .retryPolicy(QUICK).drainDeadline(Duration.ofMillis(drainMillis))
                .actionThreads(4)
                .service(Attack.service("w", Attack.action("work", work),
                        Attack.action("after", work)))
                .recipe(on("follow", Trigger.onSuccess("w", "work"), "w", "after"));
        for (int r = 0; r < 3; r++) {
            builder.recipe(on("r" + r, Trigger.of("t.load"), "w", "work"));
        }
        RecipeEngine engine = started(builder);
        int accepted = 0;
        for (int i = 0; i < 300; i++) {
            if (Attack.publishPatiently(engine, ev("t.load", "x" + i), Duration.ofSeconds(2))) {
                accepted++;
            }
        }
        engine.close();

        Set<String> dead = new HashSet<>();
        List<String> twice = new ArrayList<>();
        for (DeadLetter letter : engine.deadLetters().list()) {
            if (!dead.add(letter.idempotencyKey())) {
                engine.deadLetters().list().stream()
                        .filter(l -> l.idempotencyKey().equals(letter.idempotencyKey()))
                        .forEach(l -> twice.add(l.idempotencyKey() + " attempts=" + l.attempts()
                                + " error=" + l.lastError()));
            }
            assertThat(letter.reason()).isEqualTo(DeadLetter.Reason.ENGINE_CLOSED);
        }
        assertThat(twice).as("dead letters sharing a key").isEmpty();
        Set<String> sourceKeys = new HashSet<>();
        succeeded.forEach(key -> sourceKeys.add(key));
        dead.forEach(key -> sourceKeys.add(key));
        assertThat(dead).doesNotContainAnyElementsOf(succeeded);
        long sourceEnded = sourceKeys.stream().filter(key -> !key.contains(":follow:")).count();
        assertThat(sourceEnded).as("source actions that ran or were dead-lettered")
                .isEqualTo(accepted * 3L);
        long followersExpected = succeeded.stream().filter(k -> !k.contains(":follow:")).count();
        long followersEnded = sourceKeys.stream().filter(key -> key.contains(":follow:")).count();
        // A source action that succeeded published a result that the follower must either
        // run for or dead-letter, whether close drained in time or not.
        assertThat(followersEnded).as("follower actions that ran or were dead-lettered")
                .isEqualTo(followersExpected);
        if (drainMillis > 1000) {
            assertThat(dead).isEmpty();
        }
    }

    /**
     * An action still running when close() passes its drain deadline is waited for; when it
     * then succeeds, the recipe that follows its result must run or be dead-lettered.
     */
    @Test
    void theResultOfAnActionThatEndsWhileClosingIsNotDropped() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        AtomicInteger followed = new AtomicInteger();
        RecipeEngine engine = started(RecipeEngine.builder().discoverServices(false)
                .drainDeadline(Duration.ofMillis(50))
                .service(Attack.service("w", Attack.action("work", invocation -> {
                    running.countDown();
                    awaitRelease();
                    return data();
                }), Attack.action("after", invocation -> {
                    followed.incrementAndGet();
                    return data();
                })))
                .recipe(on("source", Trigger.of("t.closing"), "w", "work"))
                .recipe(on("follower", Trigger.onSuccess("w", "work"), "w", "after")));
        engine.publish(ev("t.closing", "c1"));
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();

        Thread closer = new Thread(engine::close);
        closer.start();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                engine.bus().publish("probe", ev("probe", "p"));
                Thread.sleep(1);
            } catch (dev.recipes.core.EventRejectedException e) {
                break; // the bus is closing now
            }
        }
        release.countDown();
        closer.join(WAIT.toMillis());

        long followerLetters = engine.deadLetters().list().stream()
                .filter(letter -> letter.recipe().equals("follower")).count();
        assertThat(followed.get() + followerLetters)
                .as("follower runs plus follower dead letters").isEqualTo(1);
    }

    /**
     * A retry whose timer has fired but not finished when close() dead-letters the waiting
     * retries must end once: run, or one dead letter. Two letters would make two replays.
     */
    @Test
    void aRetryFiringWhileCloseCancelsRetriesIsDeadLetteredOnce() throws Exception {
        CountDownLatch firing = new CountDownLatch(1);
        java.util.concurrent.ScheduledThreadPoolExecutor scheduler =
                new java.util.concurrent.ScheduledThreadPoolExecutor(2) {
                    @Override
                    public java.util.concurrent.ScheduledFuture<?> schedule(Runnable task,
                            long delay, TimeUnit unit) {
                        return super.schedule(() -> {
                            firing.countDown();
                            awaitRelease();
                            task.run();
                        }, delay, unit);
                    }
                };
        AtomicInteger attempts = new AtomicInteger();
        try {
            RecipeEngine engine = started(RecipeEngine.builder().discoverServices(false)
                    .scheduler(scheduler).retryPolicy(QUICK)
                    .drainDeadline(Duration.ofMillis(100))
                    .service(Attack.service("w", Attack.action("flaky", invocation -> {
                        if (attempts.incrementAndGet() == 1) {
                            throw ActionException.retryable("once", null, null);
                        }
                        return data();
                    })))
                    .recipe(on("r", Trigger.of("t.retry"), "w", "flaky")));
            engine.publish(ev("t.retry", "r1"));
            assertThat(firing.await(10, TimeUnit.SECONDS)).isTrue();

            Thread closer = new Thread(engine::close);
            closer.start();
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (engine.deadLetters().list().isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            release.countDown(); // the fired retry goes on now
            closer.join(WAIT.toMillis());
            scheduler.shutdown();
            assertThat(scheduler.awaitTermination(10, TimeUnit.SECONDS)).isTrue();

            List<DeadLetter> letters = engine.deadLetters().list();
            assertThat((attempts.get() - 1) + letters.size())
                    .as("attempt 2 runs plus dead letters: %s", letters.stream()
                            .map(DeadLetter::lastError).toList())
                    .isEqualTo(1);
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Test
    void awaitIdleIsTrueOnlyOnceAChainHasEnded() throws Exception {
        AtomicInteger last = new AtomicInteger();
        RecipeEngine engine = started(RecipeEngine.builder().discoverServices(false)
                .service(Attack.service("w", Attack.action("a", invocation -> data()),
                        Attack.action("b", invocation -> data()),
                        Attack.action("c", invocation -> {
                            Attack.sleep(1);
                            last.incrementAndGet();
                            return data();
                        })))
                .recipe(on("one", Trigger.of("t.idle"), "w", "a"))
                .recipe(on("two", Trigger.onSuccess("w", "a"), "w", "b"))
                .recipe(on("three", Trigger.onSuccess("w", "b"), "w", "c")));
        for (int round = 1; round <= 30; round++) {
            engine.publish(ev("t.idle", "i" + round));
            assertThat(engine.awaitIdle(WAIT)).isTrue();
            assertThat(last).as("round %s", round).hasValue(round);
        }
    }

    @Test
    void aPendingRetryOrARunningActionKeepsTheEngineBusy() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        RecipeEngine engine = started(RecipeEngine.builder().discoverServices(false)
                .retryPolicy(RetryPolicy.custom().maxAttempts(2)
                        .initialBackoff(Duration.ofMillis(400))
                        .maxBackoff(Duration.ofMillis(400)).build())
                .service(Attack.service("w", Attack.action("once", invocation -> {
                    if (attempts.incrementAndGet() == 1) {
                        throw ActionException.retryable("later", Duration.ofMillis(400), null);
                    }
                    awaitRelease();
                    return data();
                })))
                .recipe(on("r", Trigger.of("t.busy"), "w", "once")));
        engine.publish(ev("t.busy", "b1"));
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (attempts.get() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(engine.awaitIdle(Duration.ofMillis(100))).isFalse();
        while (attempts.get() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(engine.awaitIdle(Duration.ofMillis(100))).isFalse();
        release.countDown();
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(attempts).hasValue(2);
    }

    @Test
    void aReplayedDeadLetterRunsInItsLaneOnce() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        Set<String> ok = ConcurrentHashMap.newKeySet();
        RecipeEngine engine = started(RecipeEngine.builder().discoverServices(false)
                .retryPolicy(QUICK)
                .service(Attack.service("w", Attack.action("flaky", invocation -> {
                    if (runs.incrementAndGet() <= 3) {
                        throw ActionException.retryable("down", null, null);
                    }
                    ok.add(invocation.idempotencyKey());
                    return data();
                })))
                .recipe(on("r", Trigger.of("t.replay"), "w", "flaky")));
        engine.publish(ev("t.replay", "p1"));
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        DeadLetter letter = engine.deadLetters().list().get(0);
        assertThat(letter.reason()).isEqualTo(DeadLetter.Reason.RETRIES_EXHAUSTED);
        assertThat(letter.attempts()).isEqualTo(3);

        assertThat(engine.replay(letter.id())).isTrue();
        assertThat(engine.replay(letter.id())).isFalse();
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(runs).hasValue(4);
        assertThat(ok).hasSize(1);
        assertThat(engine.deadLetters().list()).isEmpty();
    }

    /**
     * A dead letter replayed by an engine that no longer has its action must not vanish: it
     * should be refused (and kept) or come back as a dead letter.
     */
    @ParameterizedTest
    @ValueSource(strings = {"recipe-gone", "action-gone", "service-gone"})
    void aDeadLetterReplayedAfterItsRecipeIsGoneIsNeitherLostNorRunTwice(String gone)
            throws Exception {
        DeadLetterStore store = DeadLetterStore.inMemory(100);
        AtomicInteger runs = new AtomicInteger();
        RecipeEngine first = started(RecipeEngine.builder().discoverServices(false)
                .deadLetters(store).retryPolicy(RetryPolicy.none())
                .service(Attack.service("w", Attack.action("act", invocation -> {
                    runs.incrementAndGet();
                    throw ActionException.permanent("not now", null);
                })))
                .recipe(on("r", Trigger.of("t.gone"), "w", "act")));
        first.publish(ev("t.gone", "g1"));
        assertThat(first.awaitIdle(WAIT)).isTrue();
        first.close();
        String id = store.list().get(0).id();

        AtomicInteger replayed = new AtomicInteger();
        RecipeEngine.Builder second = RecipeEngine.builder().discoverServices(false)
                .deadLetters(store).retryPolicy(RetryPolicy.none());
        switch (gone) {
            case "recipe-gone" -> second.service(Attack.service("w",
                    Attack.action("act", invocation -> {
                        replayed.incrementAndGet();
                        return data();
                    })));
            case "action-gone" -> second.service(Attack.service("w",
                    Attack.action("other", invocation -> data())));
            default -> second.service(Attack.service("v",
                    Attack.action("act", invocation -> data())));
        }
        RecipeEngine engine = started(second);
        boolean taken;
        try {
            taken = engine.replay(id);
        } catch (RuntimeException e) {
            taken = false;
        }
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        if (gone.equals("recipe-gone")) {
            assertThat(taken).isTrue();
            assertThat(replayed).hasValue(1);
            assertThat(store.list()).isEmpty();
        } else {
            // The letter is either still there, or back as a new letter naming it.
            assertThat(store.list()).as("dead letters after replaying with " + gone)
                    .anySatisfy(letter -> assertThat(letter.id().equals(id)
                            || id.equals(letter.replayOf())).isTrue());
        }
        assertThat(runs).hasValue(1);
    }

    private void awaitRelease() {
        try {
            release.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
