package dev.recipes.core.attack;

import static dev.recipes.core.attack.Attack.data;
import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.ActionStep;
import dev.recipes.core.DeadLetter;
import dev.recipes.core.Event;
import dev.recipes.core.EventBus;
import dev.recipes.core.Mapping;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RetryPolicy;
import dev.recipes.core.Trigger;
import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.ActionOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Batching actions that misbehave, connections that differ, and redelivered events. */
final class BatchAttackTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final RetryPolicy QUICK = RetryPolicy.custom().maxAttempts(3)
            .initialBackoff(Duration.ofMillis(1)).maxBackoff(Duration.ofMillis(5)).build();

    private final CountDownLatch release = new CountDownLatch(1);
    private final List<List<ActionInvocation>> batches = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> succeeded = new ConcurrentHashMap<>();
    private final AtomicInteger matched = new AtomicInteger();
    private RecipeEngine engine;

    @AfterEach
    void close() {
        release.countDown();
        if (engine != null) {
            engine.close();
        }
    }

    // The first batch waits for release, so that the next requests pile up behind it; every
    // batch is recorded, and what the body answers is what the engine gets.
    private void start(EventBus bus, int max,
            Function<List<ActionInvocation>, List<ActionOutcome>> body) {
        engine = RecipeEngine.builder().discoverServices(false).retryPolicy(QUICK)
                .bus(bus).listener(new dev.recipes.core.EngineListener() {
                    @Override
                    public void recipeMatched(String recipeId, Event event) {
                        matched.incrementAndGet();
                    }
                })
                .service(Attack.service("b", Attack.batching("write", max, invocations -> {
                    batches.add(List.copyOf(invocations));
                    if (batches.size() == 1) {
                        try {
                            release.await(20, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return body.apply(invocations);
                })))
                .recipe(Recipe.named("orders")
                        .when(Attack.keyed("t.batch", Trigger.IndexKey.dataAt("/k", "go")))
                        .then(ActionStep.of("b", "write").pointer("n", "/n")
                                .as(Mapping.pointer("/conn")).build())
                        .build())
                .build();
        engine.start();
    }

    private List<ActionOutcome> succeed(List<ActionInvocation> invocations) {
        List<ActionOutcome> outcomes = new ArrayList<>();
        for (ActionInvocation invocation : invocations) {
            succeeded.computeIfAbsent(invocation.requireText("n"), n -> new AtomicInteger())
                    .incrementAndGet();
            outcomes.add(ActionOutcome.succeeded(data()));
        }
        return outcomes;
    }

    private static Event order(String id, String n, String conn) {
        return Attack.event("t.batch", id, data().put("k", "go").put("n", n).put("conn", conn));
    }

    // Lets the first batch end once the dispatcher has handed on the given number of events.
    private void releaseAfter(int events) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (matched.get() < events && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(matched).hasValue(events);
        release.countDown();
    }

    private void awaitFirstBatch() throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (batches.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(batches).isNotEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"throws", "error", "null", "nulls", "too-many", "too-few",
            "modifies", "slow"})
    void aMisbehavingBatchFailsEachOfItsRequestsOnceAndTheEngineGoesOn(String how)
            throws Exception {
        start(EventBus.inMemory(), 10, invocations -> {
            if (invocations.size() == 1) {
                return succeed(invocations);
            }
            return switch (how) {
                case "throws" -> throw new IllegalStateException("batch blew up");
                case "error" -> throw new AssertionError("batch asserted");
                case "null" -> null;
                case "nulls" -> {
                    List<ActionOutcome> outcomes = new ArrayList<>(succeed(invocations));
                    for (int i = 0; i < outcomes.size(); i += 2) {
                        outcomes.set(i, null);
                    }
                    yield outcomes;
                }
                case "too-many" -> {
                    List<ActionOutcome> outcomes = new ArrayList<>(succeed(invocations));
                    outcomes.add(ActionOutcome.succeeded(data()));
                    yield outcomes;
                }
                case "too-few" -> succeed(invocations).subList(1, invocations.size());
                case "modifies" -> {
                    invocations.remove(0);
                    yield succeed(invocations);
                }
                default -> {
                    Attack.sleep(300);
                    yield succeed(invocations);
                }
            };
        });

        engine.publish(order("e0", "n0", "c1"));
        awaitFirstBatch();
        for (int i = 1; i < 10; i++) {
            engine.publish(order("e" + i, "n" + i, "c1"));
        }
        releaseAfter(10);
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        engine.publish(order("after", "n-after", "c1"));
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertThat(batches.get(1)).as("second batch").hasSize(9);
        List<DeadLetter> letters = engine.deadLetters().list();
        // Each request ends once: either a success counted here or one dead letter.
        int lettersForN = (int) letters.stream().map(l -> l.params().path("n").asText())
                .distinct().count();
        assertThat(lettersForN).isEqualTo(letters.size());
        assertThat(succeeded).containsKeys("n0", "n-after");
        letters.forEach(letter -> {
            assertThat(letter.reason()).isEqualTo(DeadLetter.Reason.PERMANENT_FAILURE);
            assertThat(letter.lastError()).isNotBlank();
        });
        switch (how) {
            case "slow" -> assertThat(letters).isEmpty();
            case "nulls" -> assertThat(letters).hasSize(5);
            default -> assertThat(letters).hasSize(9);
        }
    }

    @Test
    void requestsWithDifferentConnectionsNeverShareABatch() throws Exception {
        start(EventBus.inMemory(), 50, this::succeed);
        engine.publish(order("e0", "n0", "c1"));
        awaitFirstBatch();
        for (int i = 1; i <= 40; i++) {
            engine.publish(order("e" + i, "n" + i, i % 3 == 0 ? "c2" : "c1"));
        }
        releaseAfter(41);
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertThat(batches).allSatisfy(batch -> assertThat(batch.stream()
                .map(ActionInvocation::connectionId).distinct()).hasSize(1));
        assertThat(batches.stream().mapToInt(List::size).sum()).isEqualTo(41);
        assertThat(succeeded).hasSize(41).allSatisfy((n, count) -> assertThat(count).hasValue(1));
    }

    /**
     * The in-memory bus forgets an event's fingerprint after 4,096 others, so a late
     * redelivery reaches the recipe again; both copies wait in the lane and land in one batch.
     */
    @Test
    void aRedeliveredEventInTheSameBatchRunsItsActionOnce() throws Exception {
        start(EventBus.inMemory(8192), 10, this::succeed);
        engine.publish(order("e0", "n0", "c1"));
        awaitFirstBatch();
        engine.publish(order("dup", "n-dup", "c1"));
        for (int i = 0; i < 4200; i++) {
            Attack.publishPatiently(engine, Attack.event("t.batch", "filler-" + i,
                    data().put("k", "not-go")), WAIT);
        }
        engine.publish(order("dup", "n-dup", "c1"));
        releaseAfter(3);
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertThat(succeeded.get("n-dup")).hasValue(1);
        assertThat(batches.stream().flatMap(List::stream)
                .filter(i -> i.requireText("n").equals("n-dup"))).hasSize(1);
    }

    @Test
    void batchesWithRetriesAndDeadLettersEndEachRequestOnce() throws Exception {
        Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
        start(EventBus.inMemory(), 10, invocations -> {
            List<ActionOutcome> outcomes = new ArrayList<>();
            for (ActionInvocation invocation : invocations) {
                String n = invocation.requireText("n");
                int attempt = attempts.computeIfAbsent(n, k -> new AtomicInteger())
                        .incrementAndGet();
                if (n.endsWith("3")) {
                    outcomes.add(ActionOutcome.failed(ActionException.retryable("busy", null,
                            null)));
                } else if (n.endsWith("5") && attempt == 1) {
                    outcomes.add(ActionOutcome.failed(ActionException.retryable("once", null,
                            null)));
                } else if (n.endsWith("7")) {
                    outcomes.add(ActionOutcome.failed(ActionException.permanent("bad", null)));
                } else {
                    outcomes.addAll(succeed(List.of(invocation)));
                }
            }
            return outcomes;
        });
        engine.publish(order("e0", "n0", "c1"));
        awaitFirstBatch();
        for (int i = 1; i < 30; i++) {
            engine.publish(order("e" + i, "n" + i, "c1"));
        }
        releaseAfter(30);
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        List<DeadLetter> letters = engine.deadLetters().list();
        assertThat(letters).filteredOn(l -> l.reason() == DeadLetter.Reason.RETRIES_EXHAUSTED)
                .hasSize(3).allSatisfy(l -> assertThat(l.attempts()).isEqualTo(3));
        assertThat(letters).filteredOn(l -> l.reason() == DeadLetter.Reason.PERMANENT_FAILURE)
                .hasSize(3);
        assertThat(succeeded).hasSize(24).allSatisfy((n, count) -> assertThat(count).hasValue(1));
        assertThat(attempts.entrySet()).allSatisfy(entry -> assertThat(entry.getValue().get())
                .isEqualTo(entry.getKey().endsWith("3") ? 3
                        : entry.getKey().endsWith("5") ? 2 : 1));
        assertThat(letters).hasSize(6);
    }
}
