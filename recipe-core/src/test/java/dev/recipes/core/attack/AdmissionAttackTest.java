package dev.recipes.core.attack;

import static dev.recipes.core.attack.Attack.data;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.core.ActionStep;
import dev.recipes.core.EngineListener;
import dev.recipes.core.Event;
import dev.recipes.core.EventBus;
import dev.recipes.core.EventRejectedException;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.Trigger;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.ActionOutcome;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Refusing events whose recipes (or the recipes that follow them) have a full queue. */
final class AdmissionAttackTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final CountDownLatch release = new CountDownLatch(1);
    // recipe -> trigger event id -> runs
    private final Map<String, Map<String, AtomicInteger>> runs = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> matched = new ConcurrentHashMap<>();
    private RecipeEngine engine;

    @AfterEach
    void close() {
        release.countDown();
        if (engine != null) {
            engine.close();
        }
    }

    private Function<ActionInvocation, JsonNode> record(boolean blocking) {
        return invocation -> {
            if (blocking) {
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            String event = invocation.params().path("origin").asText();
            runs.computeIfAbsent(invocation.recipeId(), r -> new ConcurrentHashMap<>())
                    .computeIfAbsent(event, e -> new AtomicInteger()).incrementAndGet();
            return data();
        };
    }

    private RecipeEngine.Builder builder() {
        return RecipeEngine.builder().discoverServices(false).bus(EventBus.inMemory(4))
                .listener(new EngineListener() {
                    @Override
                    public void recipeMatched(String recipeId, Event event) {
                        matched.computeIfAbsent(recipeId, r -> new AtomicInteger())
                                .incrementAndGet();
                    }
                })
                .service(Attack.service("w", Attack.action("slow", record(true)),
                        Attack.action("fast", record(false))));
    }

    private static Recipe recipe(String id, Trigger trigger, String action, String origin) {
        return Recipe.named(id).when(trigger)
                .then(ActionStep.of("w", action).pointer("origin", origin).build()).build();
    }

    private static Event ev(int i) {
        return Attack.event("t.adm", "a" + i, data().put("origin", "a" + i));
    }

    // Publishes one event at a time, waiting until the watched recipe has matched it, until
    // an event is refused; returns the refusal and how many were taken before.
    private EventRejectedException fillUntilRefused(String watched, List<Integer> taken)
            throws InterruptedException {
        long patience = System.nanoTime() + WAIT.toNanos();
        for (int i = 0; i < 200; i++) {
            try {
                engine.publish(ev(i));
            } catch (EventRejectedException e) {
                // Another queue, full for a moment on a busy machine: the same event again.
                if (!e.getMessage().contains("recipe '" + watched + "'")
                        && System.nanoTime() < patience) {
                    Thread.sleep(5);
                    i--;
                    continue;
                }
                return e;
            }
            taken.add(i);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (matched.getOrDefault(watched, new AtomicInteger()).get() < taken.size()
                    && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
        }
        return null;
    }

    @Test
    void aFullLaneRefusesTheWholeEventAndTakesItAgainOnceDrained() throws Exception {
        engine = builder().recipe(recipe("slow", Trigger.of("t.adm"), "slow", "/origin"))
                .recipe(recipe("fast", Trigger.of("t.adm"), "fast", "/origin")).build();
        engine.start();

        List<Integer> taken = new ArrayList<>();
        EventRejectedException refused = fillUntilRefused("slow", taken);
        assertThat(refused).isNotNull();
        assertThat(refused).hasMessageContaining("recipe 'slow'");
        int refusedEvent = taken.size();
        assertThat(runs.getOrDefault("fast", Map.of())).doesNotContainKey("a" + refusedEvent);

        release.countDown();
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        engine.publish(ev(refusedEvent));
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        for (String recipe : List.of("slow", "fast")) {
            assertThat(runs.get(recipe)).as(recipe).hasSize(taken.size() + 1)
                    .allSatisfy((event, count) -> assertThat(count).hasValue(1));
        }
    }

    @Test
    void aFullLaneOfAFollowerDownAChainRefusesTheEventAtTheStart() throws Exception {
        engine = builder().recipe(recipe("head", Trigger.of("t.adm"), "fast", "/origin"))
                .recipe(recipe("tail", Trigger.onSuccess("w", "fast"), "slow",
                        "/params/origin"))
                .build();
        engine.start();

        List<Integer> taken = new ArrayList<>();
        EventRejectedException refused = fillUntilRefused("tail", taken);
        assertThat(refused).isNotNull();
        assertThat(refused).hasMessageContaining("recipe 'tail'")
                .hasMessageContaining("follows recipe 'head'");

        release.countDown();
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        engine.publish(ev(taken.size()));
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(runs.get("head")).hasSize(taken.size() + 1)
                .allSatisfy((event, count) -> assertThat(count).hasValue(1));
        assertThat(runs.get("tail")).hasSize(taken.size() + 1)
                .allSatisfy((event, count) -> assertThat(count).hasValue(1));
    }

    /**
     * A batching action's size sets its lane's capacity; a huge one must not unbound it: the
     * engine counts at most Action.MAX_BATCH.
     */
    @Test
    void aHugeMaxBatchDoesNotMakeTheLaneUnbounded() throws Exception {
        engine = RecipeEngine.builder().discoverServices(false).bus(EventBus.inMemory(4))
                .service(Attack.service("w", Attack.batching("bulk", Integer.MAX_VALUE,
                        invocations -> {
                            try {
                                release.await(20, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            return invocations.stream()
                                    .map(i -> ActionOutcome.succeeded(data())).toList();
                        })))
                .recipe(Recipe.named("bulk").when(Trigger.of("t.adm"))
                        .then(ActionStep.of("w", "bulk").build()).build())
                .build();
        engine.start();

        int taken = 0;
        String laneRefusal = null;
        long deadline = System.nanoTime() + WAIT.toNanos();
        // A batch size counts up to Action.MAX_BATCH, and the lane holds two batches.
        int bound = 2 * dev.recipes.core.spi.Action.MAX_BATCH + 100;
        while (taken < bound && laneRefusal == null && System.nanoTime() < deadline) {
            try {
                engine.publish(ev(taken));
                taken++;
            } catch (EventRejectedException e) {
                // A full trigger queue is refused too; only the lane's refusal bounds it.
                if (e.getMessage().contains("recipe 'bulk'")) {
                    laneRefusal = e.getMessage();
                }
                Thread.sleep(1);
            }
        }
        assertThat(laneRefusal).as("refusal by the lane after %s events behind one blocked "
                + "batch", taken).isNotNull();
    }
}
