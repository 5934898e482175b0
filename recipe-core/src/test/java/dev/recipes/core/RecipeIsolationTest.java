package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.Service;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A slow recipe fills its own queues; other recipes and the ingress go on. */
final class RecipeIsolationTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CountDownLatch release = new CountDownLatch(1);
    private final List<String> slowDone = new CopyOnWriteArrayList<>();
    private final List<String> fastDone = new CopyOnWriteArrayList<>();
    private final List<String> counted = new CopyOnWriteArrayList<>();
    private RecipeEngine engine;

    @AfterEach
    void close() {
        release.countDown();
        if (engine != null) {
            engine.close();
        }
    }

    private void start(EventBus bus) {
        engine = RecipeEngine.builder().discoverServices(false).bus(bus)
                .service(new WorkService())
                .recipe(recipe("slow-recipe", "slow"))
                .recipe(recipe("fast-recipe", "fast"))
                .build();
        engine.start();
    }

    private static Recipe recipe(String id, String action) {
        return Recipe.named(id).when(Trigger.of("shop.order"))
                .then(ActionStep.of("work", action).pointer("order", "/order").build())
                .build();
    }

    private static Event order(int number) {
        return Event.builder("shop.order").id("order-" + number)
                .data(JSON.createObjectNode().put("order", "o" + number)).build();
    }

    @Test
    void eventsOfAnotherRecipeKeepFlowingWhileOneActionIsHeld() throws Exception {
        start(EventBus.inMemory());

        for (int i = 0; i < 50; i++) {
            engine.publish(order(i));
        }

        long deadline = System.nanoTime() + WAIT.toNanos();
        while (fastDone.size() < 50 && System.nanoTime() < deadline) {
            engine.bus().awaitIdle(Duration.ofMillis(20));
        }
        assertThat(fastDone).hasSize(50);
        assertThat(slowDone).isEmpty();
        release.countDown();
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(slowDone).hasSize(50);
    }

    @Test
    void whenTheSlowRecipesQueueIsFullItsEventsAreRefusedAndRedeliveryRunsEachActionOnce()
            throws Exception {
        start(EventBus.inMemory(2));
        List<Integer> refused = new CopyOnWriteArrayList<>();
        List<String> reasons = new CopyOnWriteArrayList<>();

        for (int i = 0; i < 20; i++) {
            try {
                engine.publish(order(i));
                awaitFast(i + 1 - refused.size());
            } catch (EventRejectedException e) {
                refused.add(i);
                reasons.add(e.getMessage());
            }
        }

        assertThat(refused).isNotEmpty();
        assertThat(reasons).allSatisfy(reason -> assertThat(reason)
                .contains("recipe 'slow-recipe'").contains("order-"));
        assertThat(fastDone).hasSize(20 - refused.size());
        release.countDown();
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        for (int i : refused) {
            redeliver(order(i));
        }

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(slowDone).hasSize(20).doesNotHaveDuplicates();
        assertThat(fastDone).hasSize(20).doesNotHaveDuplicates();
    }

    @Test
    void aFullQueueRefusesOnlyTheEventsItsRecipeIsIndexedFor() throws Exception {
        engine = RecipeEngine.builder().discoverServices(false).bus(EventBus.inMemory(2))
                .service(new WorkService())
                .recipe(shopRecipe("slow-shop", "slow", "shop-slow"))
                .recipe(shopRecipe("fast-shop", "fast", "shop-fast"))
                .build();
        engine.start();
        int refusedSlow = 0;

        for (int i = 0; i < 10; i++) {
            if (!publishUnlessLaneFull(shopOrder(i, "shop-slow"), "recipe 'slow-shop'")) {
                refusedSlow++;
            }
        }
        for (int i = 0; i < 50; i++) {
            assertThat(publishUnlessLaneFull(shopOrder(100 + i, "shop-fast"),
                    "recipe 'slow-shop'"))
                    .as("a fast shop's order is never refused for the slow shop's lane").isTrue();
        }

        awaitFast(50);
        assertThat(refusedSlow).isPositive();
        assertThat(slowDone).isEmpty();
        release.countDown();
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(slowDone).hasSize(10 - refusedSlow);
    }

    // Publishes, trying again while a queue is full, unless it is the given lane: then false.
    private boolean publishUnlessLaneFull(Event event, String lane) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                engine.publish(event);
                return true;
            } catch (EventRejectedException e) {
                if (e.getMessage().contains(lane)) {
                    return false;
                }
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.sleep(1);
            }
        }
    }

    private static Recipe shopRecipe(String id, String action, String shop) {
        return Recipe.named(id).when(new ShopTrigger(shop))
                .then(ActionStep.of("work", action).pointer("order", "/order").build())
                .build();
    }

    private static Event shopOrder(int number, String shop) {
        return Event.builder("shop.order").id("order-" + number)
                .data(JSON.createObjectNode().put("order", "o" + number).put("shop", shop))
                .build();
    }

    /** Orders of one shop, indexed by the shop field. */
    private record ShopTrigger(String shop) implements Trigger {

        @Override
        public String eventType() {
            return "shop.order";
        }

        @Override
        public boolean matches(Event event) {
            return shop.equals(event.data().path("shop").asText());
        }

        @Override
        public java.util.Optional<IndexKey> indexKey() {
            return java.util.Optional.of(IndexKey.dataAt("/shop", shop));
        }
    }

    @Test
    void aFollowUpRecipeWithAFullQueueHoldsBackItsPredecessorAndLosesNoResult()
            throws Exception {
        engine = RecipeEngine.builder().discoverServices(false).bus(EventBus.inMemory(2))
                .service(new WorkService())
                .recipe(recipe("first", "fast"))
                .recipe(Recipe.named("second").when(Trigger.onSuccess("work", "fast"))
                        .then(ActionStep.of("work", "slow").pointer("order", "/params/order")
                                .build())
                        .build())
                .build();
        engine.start();
        int refused = 0;

        for (int i = 0; i < 12; i++) {
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                try {
                    engine.publish(order(i));
                    break;
                } catch (EventRejectedException e) {
                    // The second recipe's full queue held the first one back until the
                    // first one's own queue filled: now the slow actions may finish.
                    refused++;
                    release.countDown();
                    assertThat(System.nanoTime()).isLessThan(deadline);
                    engine.awaitIdle(Duration.ofMillis(50));
                }
            }
        }
        release.countDown();

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(refused).isPositive();
        assertThat(fastDone).hasSize(12).doesNotHaveDuplicates();
        assertThat(slowDone).hasSize(12).doesNotHaveDuplicates();
    }

    @Test
    void aFollowerThatFallsBehindManyRecipesHoldsBackTheIngressNotTheActionThreads()
            throws Exception {
        // Many recipes feed one follower through their results, on few action threads: were
        // the action threads to wait for room in the follower's queue, they would wait for
        // themselves, as the follower runs on the same threads.
        RecipeEngine.Builder builder = RecipeEngine.builder().discoverServices(false)
                .bus(EventBus.inMemory(4)).actionThreads(2).service(new WorkService())
                .recipe(Recipe.named("follower").when(Trigger.onSuccess("work", "fast"))
                        .then(ActionStep.of("work", "count").pointer("order", "/params/order")
                                .build())
                        .build());
        for (int shop = 0; shop < 40; shop++) {
            builder.recipe(shopRecipe("shop-" + shop, "fast", "shop-" + shop));
        }
        engine = builder.build();
        engine.start();
        release.countDown();
        int refused = 0;

        for (int i = 0; i < 400; i++) {
            Event order = shopOrder(i, "shop-" + (i % 40));
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                try {
                    engine.publish(order);
                    break;
                } catch (EventRejectedException e) {
                    refused++;
                    assertThat(System.nanoTime()).as("the engine keeps draining")
                            .isLessThan(deadline);
                    Thread.sleep(1);
                }
            }
        }

        assertThat(engine.awaitIdle(WAIT)).as("no action thread waits for itself").isTrue();
        assertThat(fastDone).hasSize(400).doesNotHaveDuplicates();
        assertThat(counted).hasSize(400).doesNotHaveDuplicates();
        assertThat(refused).as("the ingress was held back instead").isPositive();
    }

    @Test
    void closePastItsDeadlineDeadLettersWhatIsStillQueued() throws Exception {
        engine = RecipeEngine.builder().discoverServices(false).service(new WorkService())
                .recipe(recipe("slow-recipe", "slow"))
                .drainDeadline(Duration.ofMillis(200))
                .build();
        engine.start();
        for (int i = 0; i < 6; i++) {
            engine.publish(order(i));
        }
        // The held actions end after the 200 ms drain deadline: real time is the point here.
        Thread releaser = new Thread(() -> {
            try {
                Thread.sleep(600);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            release.countDown();
        });
        releaser.start();

        engine.close();
        releaser.join();

        assertThat(slowDone.size() + engine.deadLetters().list().size()).isEqualTo(6);
        assertThat(engine.deadLetters().list()).allSatisfy(letter ->
                assertThat(letter.reason()).isEqualTo(DeadLetter.Reason.ENGINE_CLOSED));
        assertThat(engine.deadLetters().list()).isNotEmpty();
    }

    private void awaitFast(int count) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (fastDone.size() < count) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            engine.bus().awaitIdle(Duration.ofMillis(5));
        }
    }

    private void redeliver(Event event) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                engine.publish(event);
                return;
            } catch (EventRejectedException e) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                engine.awaitIdle(Duration.ofMillis(50));
            }
        }
    }

    /** A service with a slow action, held until the test releases it, and a fast one. */
    final class WorkService implements Service {

        @Override
        public String id() {
            return "work";
        }

        @Override
        public List<Action> actions() {
            return List.of(action("slow", invocation -> {
                if (!release.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                    throw new IllegalStateException("slow action: never released");
                }
                slowDone.add(invocation.requireText("order"));
            }), action("fast", invocation -> fastDone.add(invocation.requireText("order"))),
                    action("count", invocation -> {
                        // A little slower than the recipes it follows, so that it falls behind.
                        Thread.sleep(5);
                        counted.add(invocation.requireText("order"));
                    }));
        }

        private Action action(String name, Body body) {
            return new Action() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public JsonNode execute(ActionInvocation invocation) {
                    try {
                        body.run(invocation);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted", e);
                    }
                    return JSON.createObjectNode();
                }
            };
        }
    }

    @FunctionalInterface
    interface Body {
        void run(ActionInvocation invocation) throws InterruptedException;
    }
}
