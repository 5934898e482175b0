package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.ActionOutcome;
import dev.recipes.core.spi.Service;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Actions that take several requests at once ({@link Action#maxBatch()}): the engine hands a
 * recipe's waiting requests over together, and each keeps its own outcome, retries and result.
 */
final class ActionBatchTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RetryPolicy QUICK = RetryPolicy.custom().maxAttempts(3)
            .initialBackoff(Duration.ofMillis(1)).maxBackoff(Duration.ofMillis(5)).build();

    private final List<List<String>> batches = new CopyOnWriteArrayList<>();
    private final List<String> results = new CopyOnWriteArrayList<>();
    private final Set<String> failedOnce = ConcurrentHashMap.newKeySet();
    private final CountDownLatch firstBatchMayEnd = new CountDownLatch(1);
    private RecipeEngine engine;

    @AfterEach
    void close() {
        firstBatchMayEnd.countDown();
        if (engine != null) {
            engine.close();
        }
    }

    private void start(Action action) {
        engine = RecipeEngine.builder().discoverServices(false).retryPolicy(QUICK)
                .service(new BatchService(action))
                .recipe(Recipe.named("orders").when(Trigger.of("shop.order"))
                        .then(ActionStep.of("batch", action.name()).pointer("order", "/order")
                                .build())
                        .build())
                .recipe(Recipe.named("follow").when(Trigger.onSuccess("batch", action.name()))
                        .then(ActionStep.of("batch", "note").pointer("order", "/params/order")
                                .build())
                        .build())
                .build();
        engine.start();
    }

    private void publish(int from, int count) {
        for (int i = from; i < from + count; i++) {
            engine.publish(Event.builder("shop.order").id("order-" + i)
                    .data(JSON.createObjectNode().put("order", "o" + i)).build());
        }
    }

    @Test
    void requestsThatWaitedGoTogetherAndEachGetsItsOwnResult() throws Exception {
        start(batching(10, invocation -> ActionOutcome.succeeded(
                JSON.createObjectNode().put("wrote", invocation.requireText("order")))));

        publish(0, 1);
        awaitBatches(1);
        publish(1, 25);
        firstBatchMayEnd.countDown();
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertThat(batches.get(0)).containsExactly("o0");
        assertThat(batches).allSatisfy(batch -> assertThat(batch).hasSizeBetween(1, 10));
        assertThat(batches.subList(1, batches.size())).anySatisfy(batch ->
                assertThat(batch).hasSizeGreaterThan(1));
        List<String> all = new ArrayList<>();
        batches.forEach(all::addAll);
        assertThat(all).hasSize(26).doesNotHaveDuplicates();
        assertThat(results).hasSize(26).doesNotHaveDuplicates();
        assertThat(engine.deadLetters().list()).isEmpty();
    }

    @Test
    void aBatchDelayGathersTheRequestsThatComeWhileTheFirstWaitsAndAFullBatchGoesAtOnce()
            throws Exception {
        firstBatchMayEnd.countDown();
        start(new Recording(20) {
            @Override
            public Duration batchDelay() {
                return Duration.ofSeconds(5);
            }
        });

        long started = System.nanoTime();
        publish(0, 20);
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertThat(batches).hasSize(1);
        assertThat(batches.get(0)).hasSize(20);
        assertThat(System.nanoTime() - started).as("a full batch does not wait out the delay")
                .isLessThan(Duration.ofSeconds(5).toNanos());
        assertThat(results).hasSize(20);
    }

    @Test
    void oneFailureInABatchIsRetriedAloneAndTheOthersRunOnce() throws Exception {
        start(batching(50, invocation -> {
            String order = invocation.requireText("order");
            if (order.equals("o7") && failedOnce.add(order)) {
                return ActionOutcome.failed(ActionException.retryable("busy", null, null));
            }
            if (order.equals("o9")) {
                return ActionOutcome.failed(ActionException.permanent("never", null));
            }
            return ActionOutcome.succeeded(JSON.createObjectNode());
        }));

        publish(0, 1);
        awaitBatches(1);
        publish(1, 19);
        firstBatchMayEnd.countDown();
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        List<String> all = new ArrayList<>();
        batches.forEach(all::addAll);
        assertThat(all).filteredOn("o7"::equals).hasSize(2);
        assertThat(all).filteredOn(order -> !order.equals("o7")).hasSize(19)
                .doesNotHaveDuplicates();
        assertThat(results).hasSize(19).doesNotContain("o9").contains("o7");
        assertThat(engine.deadLetters().list()).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo(DeadLetter.Reason.PERMANENT_FAILURE);
            assertThat(letter.params().path("order").asText()).isEqualTo("o9");
        });
    }

    @Test
    void aBatchAnsweredWithTheWrongNumberOfOutcomesFailsEachOfItsRequests() throws Exception {
        Action wrong = new Recording(20) {
            @Override
            public List<ActionOutcome> executeBatch(List<ActionInvocation> invocations) {
                super.executeBatch(invocations);
                return List.of(ActionOutcome.succeeded(JSON.createObjectNode()));
            }
        };
        start(wrong);

        publish(0, 1);
        awaitBatches(1);
        publish(1, 5);
        firstBatchMayEnd.countDown();
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        int inBatches = batches.stream().filter(batch -> batch.size() > 1)
                .mapToInt(List::size).sum();
        assertThat(inBatches).isPositive();
        assertThat(engine.deadLetters().list()).hasSize(inBatches)
                .allSatisfy(letter -> assertThat(letter.lastError())
                        .contains("returned 1 outcomes"));
    }

    @Test
    void theDefaultBatchRunsEachInvocationAloneAndKeepsEachFailureToItself() {
        Action plain = new Action() {
            @Override
            public String name() {
                return "plain";
            }

            @Override
            public JsonNode execute(ActionInvocation invocation) {
                return switch (invocation.requireText("order")) {
                    case "bad" -> throw ActionException.permanent("bad order", null);
                    case "odd" -> throw new IllegalStateException("odd");
                    default -> JSON.createObjectNode().put("ok", true);
                };
            }
        };

        List<ActionOutcome> outcomes = plain.executeBatch(List.of(invocation("a"),
                invocation("bad"), invocation("odd"), invocation("b")));

        assertThat(outcomes).extracting(ActionOutcome::isSuccess)
                .containsExactly(true, false, false, true);
        assertThat(outcomes.get(1).failure().retryable()).isFalse();
        assertThat(outcomes.get(2).failure()).hasMessageContaining("IllegalStateException");
    }

    @Test
    void anOutcomeIsAResultOrAFailureNeverBothOrNeither() {
        assertThatThrownBy(() -> new ActionOutcome(null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("neither");
        assertThatThrownBy(() -> new ActionOutcome(JSON.createObjectNode(),
                ActionException.permanent("x", null)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("both");
        assertThatThrownBy(() -> ActionOutcome.succeeded(null))
                .isInstanceOf(NullPointerException.class);
    }

    private static ActionInvocation invocation(String order) {
        return new ActionInvocation("batch", "plain", JSON.createObjectNode().put("order", order),
                "default", null, "key-" + order, "orders", "event-" + order, false);
    }

    private void awaitBatches(int count) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (batches.size() < count) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.sleep(2);
        }
    }

    private Action batching(int max, Function<ActionInvocation, ActionOutcome> each) {
        return new Recording(max) {
            @Override
            public List<ActionOutcome> executeBatch(List<ActionInvocation> invocations) {
                super.executeBatch(invocations);
                return invocations.stream().map(each).toList();
            }
        };
    }

    /**
     * Records each batch (one request run alone counts as a batch of one); the first one waits
     * until the test lets it end, so that the next requests queue up behind it.
     */
    private class Recording implements Action {
        private final int max;

        Recording(int max) {
            this.max = max;
        }

        @Override
        public String name() {
            return "write";
        }

        @Override
        public int maxBatch() {
            return max;
        }

        @Override
        public JsonNode execute(ActionInvocation invocation) {
            List<ActionOutcome> outcomes = executeBatch(List.of(invocation));
            ActionOutcome outcome = outcomes.get(0);
            if (!outcome.isSuccess()) {
                throw outcome.failure();
            }
            return outcome.result();
        }

        @Override
        public List<ActionOutcome> executeBatch(List<ActionInvocation> invocations) {
            batches.add(invocations.stream().map(i -> i.requireText("order")).toList());
            if (batches.size() == 1) {
                try {
                    firstBatchMayEnd.await(WAIT.toSeconds(), TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return invocations.stream()
                    .map(i -> ActionOutcome.succeeded(JSON.createObjectNode())).toList();
        }
    }

    /** The batching action under test, and a plain one noting the successes that follow. */
    private final class BatchService implements Service {
        private final Action action;

        BatchService(Action action) {
            this.action = action;
        }

        @Override
        public String id() {
            return "batch";
        }

        @Override
        public List<Action> actions() {
            return List.of(action, new Action() {
                @Override
                public String name() {
                    return "note";
                }

                @Override
                public JsonNode execute(ActionInvocation invocation) {
                    results.add(invocation.requireText("order"));
                    return JSON.createObjectNode();
                }
            });
        }
    }
}
