package dev.recipes.bus.redis;

import static dev.recipes.bus.redis.RedisFixture.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.ActionStep;
import dev.recipes.core.EngineListener;
import dev.recipes.core.Event;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RetryPolicy;
import dev.recipes.core.Schedule;
import dev.recipes.core.Trigger;
import dev.recipes.core.spi.ActionException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two engines, as two processes would run them, sharing one Redis for bus and stores. */
final class RedisEngineTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RetryPolicy QUICK = RetryPolicy.custom().maxAttempts(4)
            .initialBackoff(Duration.ofMillis(50)).maxBackoff(Duration.ofMillis(100)).build();

    private final RedisFixture redis = new RedisFixture();
    private final AtomicInteger failuresLeft = new AtomicInteger();
    private final AtomicInteger calls = new AtomicInteger();
    private final List<String> effects = new CopyOnWriteArrayList<>();
    private final List<Event> succeeded = new CopyOnWriteArrayList<>();
    private final List<RecipeEngine> engines = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService secondTimers =
            Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void close() throws Exception {
        engines.forEach(RecipeEngine::close);
        redis.close();
    }

    private RecipeEngine engine() {
        RedisBackend backend = redis.backend();
        Recipe recipe = Recipe.named("caller").when(Trigger.of("demo.said"))
                .then(ActionStep.of("flaky", "call").pointer("text", "/text").build())
                .build();
        RecipeEngine engine = RecipeEngine.builder().discoverServices(false)
                .service(flaky()).recipe(recipe).retryPolicy(QUICK)
                .bus(RedisFixture.bus(backend).claimIdle(Duration.ofMillis(300)).build())
                .idempotency(backend.idempotency()).leases(backend.leases())
                .drainDeadline(Duration.ofSeconds(2)).build();
        engines.add(engine);
        return engine;
    }

    @Test
    void retriesWaitInRedisAndTheEffectHappensOnceAcrossEngines() throws Exception {
        RecipeEngine first = engine();
        RecipeEngine second = engine();
        first.bus().subscribe("result.flaky.call.succeeded", "test", succeeded::add);
        first.start();
        second.start();
        failuresLeft.set(2);
        Event said = Event.builder("demo.said").id("e1")
                .data(JSON.createObjectNode().put("text", "hello")).build();

        // The same trigger event reaches both engines, as a retried webhook would; the
        // second action request waits while the first runs, then finds its work done.
        first.publish(said);
        second.publish(said);

        assertThat(first.awaitIdle(WAIT)).isTrue();
        assertThat(effects).containsExactly("hello");
        assertThat(calls).hasValue(3);
        assertThat(succeeded).singleElement().satisfies(result ->
                assertThat(result.data().get("attempts").asInt()).isEqualTo(3));
        assertThat(redis.redis.keys(redis.prefix + "idem:*")).isNotEmpty()
                .allSatisfy(key -> assertThat(redis.redis.get(key)).isEqualTo("done"));
    }

    @Test
    void aScheduleFiresOnOneEngineAndMovesToTheOtherWhenItsHolderDies() throws Exception {
        Schedule everySecond = Schedule.every("tick", Duration.ofSeconds(1))
                .lease(Duration.ofSeconds(2));
        List<String> firedBy = new CopyOnWriteArrayList<>();
        ScheduledExecutorService firstTimers = Executors.newSingleThreadScheduledExecutor();
        try {
            RecipeEngine first = scheduled(everySecond, "first", firedBy, firstTimers);
            RecipeEngine second = scheduled(everySecond, "second", firedBy, null);
            first.start();
            second.start();

            RedisFixture.await("three ticks", () -> firedBy.size() >= 3);
            List<String> beforeDeath = List.copyOf(firedBy);
            // The holder's process dies: its timers stop without giving the lease up.
            String holder = beforeDeath.get(beforeDeath.size() - 1);
            (holder.equals("first") ? firstTimers : secondTimers).shutdownNow();
            String survivor = holder.equals("first") ? "second" : "first";
            RedisFixture.await("a tick fired by the survivor",
                    () -> firedBy.stream().skip(beforeDeath.size()).anyMatch(survivor::equals));

            assertThat(beforeDeath).as("ticks before the holder died, by engine")
                    .containsOnly(holder);
        } finally {
            firstTimers.shutdownNow();
            secondTimers.shutdownNow();
        }
    }

    // An engine whose schedule's ticks are recorded under its name; the bus and stores are
    // shared through Redis, and each engine's scheduler is one the test can stop.
    private RecipeEngine scheduled(Schedule schedule, String name, List<String> firedBy,
            ScheduledExecutorService timers) {
        RedisBackend backend = redis.backend();
        RecipeEngine engine = RecipeEngine.builder().discoverServices(false)
                .service(flaky())
                .recipe(Recipe.named("on-tick-" + name).when(schedule)
                        .then(ActionStep.of("flaky", "call").constant("text", "tick").build())
                        .build())
                .bus(RedisFixture.bus(backend).claimIdle(Duration.ofMillis(300)).build())
                .idempotency(backend.idempotency()).leases(backend.leases())
                .scheduler(timers == null ? secondTimers : timers)
                .listener(new EngineListener() {
                    @Override
                    public void eventReceived(Event event) {
                        firedBy.add(name);
                    }
                })
                .drainDeadline(Duration.ofSeconds(2)).build();
        engines.add(engine);
        return engine;
    }

    /** One action that fails as many times as told, and records what it did. */
    private OneActionService flaky() {
        return new OneActionService("flaky", "call", invocation -> {
            calls.incrementAndGet();
            if (failuresLeft.getAndDecrement() > 0) {
                throw ActionException.retryable("flaky: unavailable", null, null);
            }
            effects.add(invocation.requireText("text"));
            return JSON.createObjectNode();
        });
    }
}
