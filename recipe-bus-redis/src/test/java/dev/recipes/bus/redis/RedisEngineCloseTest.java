package dev.recipes.bus.redis;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.ActionStep;
import dev.recipes.core.Event;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.Trigger;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An engine on the Redis bus that closes while it still works on an event leaves the event on
 * the bus for another instance, instead of dead-lettering it into its own memory.
 */
final class RedisEngineCloseTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RedisFixture redis = new RedisFixture();
    private final List<String> effects = new CopyOnWriteArrayList<>();
    private final List<RecipeEngine> engines = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() throws Exception {
        engines.forEach(RecipeEngine::close);
        redis.close();
    }

    @Test
    void workUnfinishedAtCloseIsDoneByAnotherInstanceOnce() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        RecipeEngine closing = engine("closing", event -> {
            entered.countDown();
            await(release);
            return true;
        });
        closing.start();
        closing.publish(Event.builder("demo.said").id("e1")
                .data(JSON.createObjectNode().put("text", "hello")).build());
        assertThat(entered.await(10, TimeUnit.SECONDS)).as("the filter started").isTrue();

        // The engine closes while its recipe is still in the filter, past its drain deadline;
        // the recipe then tries to request its action from a closed bus.
        CompletableFuture<Void> closed = CompletableFuture.runAsync(closing::close);
        closed.get(30, TimeUnit.SECONDS);
        release.countDown();

        RecipeEngine survivor = engine("survivor", event -> true);
        survivor.start();
        RedisFixture.await("the survivor did the work", () -> effects.contains("hello"));

        assertThat(survivor.awaitIdle(RedisFixture.WAIT)).isTrue();
        assertThat(effects).containsExactly("hello");
        assertThat(closing.deadLetters().list()).as("dead letters of the closed engine")
                .isEmpty();
    }

    private RecipeEngine engine(String name, Predicate<Event> filter) {
        RedisBackend backend = redis.backend();
        Recipe recipe = Recipe.named("caller").when(Trigger.of("demo.said")).filter(filter)
                .then(ActionStep.of("record", "call").pointer("text", "/text").build())
                .build();
        RecipeEngine engine = RecipeEngine.builder().discoverServices(false)
                .service(new OneActionService("record", "call", invocation -> {
                    effects.add(invocation.requireText("text"));
                    return JSON.createObjectNode();
                })).recipe(recipe)
                .bus(RedisFixture.bus(backend).claimIdle(Duration.ofMillis(300))
                        .instanceId(name).build())
                .idempotency(backend.idempotency()).leases(backend.leases())
                .drainDeadline(Duration.ofMillis(500)).build();
        engines.add(engine);
        return engine;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
