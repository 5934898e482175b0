package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.Service;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

final class RecipeEngineRetryTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RetryPolicy QUICK = RetryPolicy.custom().maxAttempts(4)
            .initialBackoff(Duration.ofMillis(1)).maxBackoff(Duration.ofMillis(5)).build();

    private final FlakyService flaky = new FlakyService();
    private final RecordingListener listener = new RecordingListener();
    private final List<Event> failed = new CopyOnWriteArrayList<>();
    private final List<Event> succeeded = new CopyOnWriteArrayList<>();
    private RecipeEngine engine;

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    private void start(RetryPolicy policy, Recipe... recipes) {
        RecipeEngine.Builder builder = RecipeEngine.builder().discoverServices(false)
                .service(flaky).retryPolicy(policy).listener(listener)
                .drainDeadline(Duration.ofSeconds(2));
        for (Recipe recipe : recipes) {
            builder.recipe(recipe);
        }
        engine = builder.build();
        engine.bus().subscribe("result.flaky.call.failed", "test", failed::add);
        engine.bus().subscribe("result.flaky.call.succeeded", "test", succeeded::add);
        engine.start();
    }

    private static Recipe callOnSaid() {
        return Recipe.named("caller").when(Trigger.of("demo.said"))
                .then(ActionStep.of("flaky", "call").pointer("text", "/text").build())
                .build();
    }

    private void say(String id, String text) {
        engine.publish(Event.builder("demo.said").id(id)
                .data(JSON.createObjectNode().put("text", text)).build());
    }

    @Test
    void retryableFailuresAreRetriedUntilTheActionSucceeds() throws Exception {
        start(QUICK, callOnSaid());
        flaky.failuresLeft.set(2);

        say("e1", "hello");

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(flaky.effects).containsExactly("hello");
        assertThat(listener.retried).hasSize(2);
        assertThat(succeeded).singleElement()
                .satisfies(result ->
                        assertThat(result.data().get("attempts").asInt()).isEqualTo(3));
        assertThat(engine.deadLetters().list()).isEmpty();
    }

    @Test
    void exhaustedRetriesAreDeadLetteredWithReasonAttemptsAndLastError() throws Exception {
        start(QUICK, callOnSaid());
        flaky.failuresLeft.set(100);

        say("e1", "hello");

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(engine.deadLetters().list()).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo(DeadLetter.Reason.RETRIES_EXHAUSTED);
            assertThat(letter.attempts()).isEqualTo(4);
            assertThat(letter.lastError()).isEqualTo("flaky: unavailable (attempt 4)");
            assertThat(letter.params().get("text").asText()).isEqualTo("hello");
            assertThat(letter.recipe()).isEqualTo("caller");
        });
        assertThat(failed).singleElement().satisfies(result ->
                assertThat(result.data().at("/error/reason").asText())
                        .isEqualTo("RETRIES_EXHAUSTED"));
        assertThat(listener.deadLettered).hasSize(1);
    }

    @Test
    void permanentFailureIsDeadLetteredWithoutRetrying() throws Exception {
        start(QUICK, callOnSaid());
        flaky.permanent = true;

        say("e1", "hello");

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(flaky.calls.get()).isEqualTo(1);
        assertThat(engine.deadLetters().list()).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo(DeadLetter.Reason.PERMANENT_FAILURE);
            assertThat(letter.replayOf()).isEmpty();
        });
    }

    @Test
    void replayRunsADeadLetterAgainOnceTheServiceRecovers() throws Exception {
        start(QUICK, callOnSaid());
        flaky.permanent = true;
        say("e1", "hello");
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        String id = engine.deadLetters().list().get(0).id();

        flaky.permanent = false;
        boolean replayed = engine.replay(id);

        assertThat(replayed).isTrue();
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(flaky.effects).containsExactly("hello");
        assertThat(engine.deadLetters().list()).isEmpty();
        assertThat(engine.replay(id)).isFalse();
    }

    @Test
    void replayThatFailsAgainComesBackAsANewDeadLetter() throws Exception {
        start(QUICK, callOnSaid());
        flaky.permanent = true;
        say("e1", "hello");
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        String first = engine.deadLetters().list().get(0).id();

        engine.replay(first);

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(engine.deadLetters().list()).singleElement().satisfies(letter -> {
            assertThat(letter.id()).isNotEqualTo(first);
            assertThat(letter.replayOf()).isEqualTo(first);
        });
        assertThat(flaky.calls.get()).isEqualTo(2);
    }

    @Test
    void retryAfterLongerThanTheBackoffIsHonouredAndCloseDeadLettersTheWaitingRetry()
            throws Exception {
        start(QUICK, callOnSaid());
        flaky.failuresLeft.set(1);
        flaky.retryAfter = Duration.ofMinutes(5);

        say("e1", "hello");
        assertThat(engine.bus().awaitIdle(WAIT)).isTrue();
        engine.close();

        assertThat(listener.retried).singleElement()
                .satisfies(delay -> assertThat(delay).isEqualTo(Duration.ofMinutes(5)));
        assertThat(engine.deadLetters().list()).singleElement().satisfies(letter -> {
            assertThat(letter.reason()).isEqualTo(DeadLetter.Reason.ENGINE_CLOSED);
            assertThat(letter.attempts()).isEqualTo(1);
        });
        assertThat(flaky.effects).isEmpty();
    }

    @Test
    void retryAfterBeyondTheElapsedLimitGivesUpAtOnce() throws Exception {
        start(RetryPolicy.custom().maxElapsed(Duration.ofMinutes(1)).build(), callOnSaid());
        flaky.failuresLeft.set(1);
        flaky.retryAfter = Duration.ofMinutes(5);

        say("e1", "hello");

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(engine.deadLetters().list()).singleElement().satisfies(letter ->
                assertThat(letter.reason()).isEqualTo(DeadLetter.Reason.RETRIES_EXHAUSTED));
    }

    @Test
    void recipesChainThroughResultEvents() throws Exception {
        Recipe followUp = Recipe.named("follow-up")
                .when(Trigger.onSuccess("flaky", "call"))
                .filter(event -> !event.data().at("/params/text").asText().startsWith("then "))
                .then(ActionStep.of("flaky", "call")
                        .param("text", Mapping.of(event ->
                                "then " + event.data().at("/params/text").asText()))
                        .build())
                .build();
        start(QUICK, callOnSaid(), followUp);

        say("e1", "hello");

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(flaky.effects).containsExactly("hello", "then hello");
    }

    @Test
    void aTriggerOnAResultTypeByNameFiresAsOnSuccessDoes() throws Exception {
        Recipe followUp = Recipe.named("follow-up")
                .when(Trigger.of("result.flaky.call.succeeded"))
                .filter(event -> !event.data().at("/params/text").asText().startsWith("then "))
                .then(ActionStep.of("flaky", "call")
                        .param("text", Mapping.of(event ->
                                "then " + event.data().at("/params/text").asText()))
                        .build())
                .build();
        start(QUICK, callOnSaid(), followUp);

        say("e1", "hi");

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(flaky.effects).containsExactly("hi", "then hi");
        assertThat(Trigger.of("result.flaky.call.succeeded").topic())
                .isEqualTo(Trigger.onSuccess("flaky", "call").topic());
        assertThat(Trigger.of(RecipeEngine.RECIPE_FAILED_TOPIC).topic())
                .isEqualTo(RecipeEngine.RECIPE_FAILED_TOPIC);
        assertThat(Trigger.of(RecipeEngine.DEAD_LETTER_TOPIC).topic())
                .isEqualTo(RecipeEngine.DEAD_LETTER_TOPIC);
        assertThat(Trigger.of("slack.message").topic()).isEqualTo("trigger.slack.message");
        assertThat(Trigger.of("result.exam.published").topic())
                .as("a service's own type that starts with result.")
                .isEqualTo("trigger.result.exam.published");
        assertThat(Trigger.of("result.").topic()).isEqualTo("trigger.result.");
    }

    @Test
    void aRecipeLoopStopsAtTheChainLimitWithAClearError() throws Exception {
        Recipe echo = Recipe.named("echo").when(Trigger.onSuccess("flaky", "call"))
                .then(ActionStep.of("flaky", "call").pointer("text", "/params/text").build())
                .build();
        List<Event> recipeFailures = new CopyOnWriteArrayList<>();
        engine = RecipeEngine.builder().discoverServices(false).service(flaky)
                .retryPolicy(QUICK).maxChainDepth(3).recipe(callOnSaid()).recipe(echo).build();
        engine.bus().subscribe(RecipeEngine.RECIPE_FAILED_TOPIC, "test", recipeFailures::add);
        engine.start();

        say("e1", "again");

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(flaky.effects).containsExactly("again", "again", "again");
        assertThat(recipeFailures).singleElement().satisfies(failure ->
                assertThat(failure.data().get("error").asText())
                        .contains("recipe 'echo'").contains("4 recipes deep")
                        .contains("limit of 3"));
    }

    @Test
    void listenerSeesEveryStepAndOneThatThrowsChangesNothing() throws Exception {
        engine = RecipeEngine.builder().discoverServices(false).service(flaky)
                .retryPolicy(QUICK).recipe(callOnSaid()).listener(listener)
                .listener(new EngineListener() {
                    @Override
                    public void actionStarted(ActionAttempt attempt) {
                        throw new IllegalStateException("listener bug");
                    }
                }).build();
        engine.start();
        flaky.failuresLeft.set(1);

        say("e1", "hello");

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(flaky.effects).containsExactly("hello");
        // "received" is told by the publishing thread, the rest by the bus threads in order.
        assertThat(listener.steps).contains("received e1");
        assertThat(listener.steps).filteredOn(step -> !step.startsWith("received"))
                .containsExactly("matched caller", "started 1", "retried 1", "started 2",
                        "succeeded 2");
    }

    /** An action that fails as told, and records what it did. */
    static final class FlakyService implements Service {

        final AtomicInteger failuresLeft = new AtomicInteger();
        final AtomicInteger calls = new AtomicInteger();
        final List<String> effects = new CopyOnWriteArrayList<>();
        final Map<String, Integer> attempts = new ConcurrentHashMap<>();
        volatile boolean permanent;
        volatile Duration retryAfter;

        @Override
        public String id() {
            return "flaky";
        }

        @Override
        public List<Action> actions() {
            return List.of(new Action() {
                @Override
                public String name() {
                    return "call";
                }

                @Override
                public JsonNode execute(ActionInvocation invocation) {
                    calls.incrementAndGet();
                    int attempt = attempts.merge(invocation.idempotencyKey(), 1, Integer::sum);
                    if (permanent) {
                        throw ActionException.permanent("flaky: refused", null);
                    }
                    if (failuresLeft.getAndDecrement() > 0) {
                        throw ActionException.retryable("flaky: unavailable (attempt " + attempt
                                + ")", retryAfter, null);
                    }
                    effects.add(invocation.requireText("text"));
                    return JSON.createObjectNode();
                }
            });
        }
    }

    /** Records what the engine told it. */
    static final class RecordingListener implements EngineListener {

        final List<String> steps = new CopyOnWriteArrayList<>();
        final List<Duration> retried = new CopyOnWriteArrayList<>();
        final List<DeadLetter> deadLettered = new CopyOnWriteArrayList<>();

        @Override
        public void eventReceived(Event event) {
            steps.add("received " + event.id());
        }

        @Override
        public void recipeMatched(String recipeId, Event event) {
            steps.add("matched " + recipeId);
        }

        @Override
        public void actionStarted(ActionAttempt attempt) {
            steps.add("started " + attempt.attempt());
        }

        @Override
        public void actionSucceeded(ActionAttempt attempt) {
            steps.add("succeeded " + attempt.attempt());
        }

        @Override
        public void actionRetried(ActionAttempt attempt, Duration delay, String error) {
            steps.add("retried " + attempt.attempt());
            retried.add(delay);
        }

        @Override
        public void deadLettered(DeadLetter deadLetter) {
            deadLettered.add(deadLetter);
        }
    }
}
