package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.Service;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How many requests of one recipe run at once: 2 by default, more when an action asks for
 * more with {@link Action#concurrency()}, never more than {@link Action#MAX_CONCURRENCY}.
 */
final class ActionConcurrencyTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger inside = new AtomicInteger();
    private final AtomicInteger most = new AtomicInteger();
    private final AtomicInteger done = new AtomicInteger();
    private RecipeEngine engine;

    @AfterEach
    void close() {
        release.countDown();
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void anActionAskingForMore_getsThatManyThreadsForItsRecipe() throws Exception {
        start(() -> 8);

        publish(20);
        awaitInside(8);
        release.countDown();

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(done).hasValue(20);
        assertThat(most).hasValue(8);
    }

    @Test
    void byDefault_aRecipeRunsTwoRequestsAtOnce() throws Exception {
        start(() -> 1);

        publish(10);
        awaitInside(2);
        release.countDown();

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(done).hasValue(10);
        assertThat(most).hasValue(2);
    }

    @Test
    void askingForTooMany_isCappedAtTheMaximum() throws Exception {
        start(() -> 10_000);

        publish(Action.MAX_CONCURRENCY + 20);
        awaitInside(Action.MAX_CONCURRENCY);
        release.countDown();

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(done).hasValue(Action.MAX_CONCURRENCY + 20);
        assertThat(most).hasValue(Action.MAX_CONCURRENCY);
    }

    @Test
    void anActionFailingToTell_runsOnTwoThreads() throws Exception {
        start(() -> {
            throw new IllegalStateException("not ready");
        });

        publish(10);
        awaitInside(2);
        release.countDown();

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(done).hasValue(10);
        assertThat(most).hasValue(2);
    }

    private void start(IntSupplier concurrency) {
        engine = RecipeEngine.builder().discoverServices(false)
                .service(new WorkService(concurrency))
                .recipe(Recipe.named("orders").when(Trigger.of("shop.order"))
                        .then(ActionStep.of("work", "hold").pointer("order", "/order").build())
                        .build())
                .build();
        engine.start();
    }

    private void publish(int count) {
        for (int i = 0; i < count; i++) {
            engine.publish(Event.builder("shop.order").id("order-" + i)
                    .data(JSON.createObjectNode().put("order", "o" + i)).build());
        }
    }

    /** Waits until the given number of requests are inside the action at once. */
    private void awaitInside(int count) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (inside.get() < count && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(inside).hasValue(count);
    }

    private final class WorkService implements Service {

        private final IntSupplier concurrency;

        WorkService(IntSupplier concurrency) {
            this.concurrency = concurrency;
        }

        @Override
        public String id() {
            return "work";
        }

        @Override
        public List<Action> actions() {
            return List.of(new Action() {
                @Override
                public String name() {
                    return "hold";
                }

                @Override
                public int concurrency() {
                    return concurrency.getAsInt();
                }

                @Override
                public JsonNode execute(ActionInvocation invocation) {
                    most.accumulateAndGet(inside.incrementAndGet(), Math::max);
                    try {
                        if (!release.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                            throw new IllegalStateException("not released");
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    } finally {
                        inside.decrementAndGet();
                    }
                    done.incrementAndGet();
                    return JSON.createObjectNode();
                }
            });
        }
    }
}
