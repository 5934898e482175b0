package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.Service;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What an {@link EngineListener} learns of each attempt: the rendered parameters among it. */
final class ActionAttemptTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final List<ActionAttempt> started = new CopyOnWriteArrayList<>();
    private final List<ActionAttempt> retried = new CopyOnWriteArrayList<>();
    private final List<ActionAttempt> succeeded = new CopyOnWriteArrayList<>();
    private RecipeEngine engine;

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void listenerSeesRenderedParamsAndTriggerEvent_onEveryAttempt() throws Exception {
        start(new EchoService(1));

        engine.publish(Event.builder("demo.said").id("e-1")
                .data(JSON.createObjectNode().put("text", "hello")).build());

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(started).extracting(ActionAttempt::attempt).containsExactly(1, 2);
        assertThat(started).allSatisfy(attempt -> {
            assertThat(attempt.triggerEventId()).isEqualTo("e-1");
            assertThat(attempt.params().get("text").asText()).isEqualTo("hello");
            assertThat(attempt.params().get("channel").asText()).isEqualTo("C1");
        });
        assertThat(retried).singleElement()
                .satisfies(attempt -> assertThat(attempt.params()).isEqualTo(started.get(0)
                        .params()));
        assertThat(succeeded).singleElement()
                .satisfies(attempt -> assertThat(attempt.attempt()).isEqualTo(2));
    }

    @Test
    void actionChangingItsParams_leavesTheAttemptsParamsAlone() throws Exception {
        start(new EchoService(0));

        engine.publish(Event.builder("demo.said").id("e-2")
                .data(JSON.createObjectNode().put("text", "hello")).build());

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(succeeded).singleElement().satisfies(attempt ->
                assertThat(attempt.params().has("changed-by-action")).isFalse());
    }

    @Test
    void shortConstructor_hasNoTriggerEventAndEmptyParams() {
        ActionAttempt attempt = new ActionAttempt("r", "s", "a", "key", 1);

        assertThat(attempt.triggerEventId()).isEmpty();
        assertThat(attempt.params().isEmpty()).isTrue();
    }

    @Test
    void paramsAreCopied_andLeftOutOfToString() {
        ObjectNode params = JSON.createObjectNode().put("text", "a long text");
        ActionAttempt attempt = new ActionAttempt("sales-log", "slack", "post", "key-1", 2,
                "e-1", params);

        params.put("text", "changed");

        assertThat(attempt.params().get("text").asText()).isEqualTo("a long text");
        assertThat(attempt.toString()).isEqualTo("ActionAttempt[slack/post for recipe "
                + "'sales-log', attempt 2, key key-1]");
    }

    @Test
    void rejectsMissingNames() {
        assertThatNullPointerException()
                .isThrownBy(() -> new ActionAttempt(null, "s", "a", "k", 1))
                .withMessage("recipe");
        assertThatNullPointerException()
                .isThrownBy(() -> new ActionAttempt("r", "s", "a", null, 1))
                .withMessage("idempotencyKey");
    }

    private void start(Service service) {
        engine = RecipeEngine.builder().discoverServices(false).service(service)
                .retryPolicy(RetryPolicy.custom().maxAttempts(3)
                        .initialBackoff(Duration.ofMillis(1)).maxBackoff(Duration.ofMillis(5))
                        .build())
                .recipe(Recipe.named("echo").when(Trigger.of("demo.said"))
                        .then(ActionStep.of("echo", "say").pointer("text", "/text")
                                .constant("channel", "C1").build())
                        .build())
                .listener(new EngineListener() {
                    @Override
                    public void actionStarted(ActionAttempt attempt) {
                        started.add(attempt);
                    }

                    @Override
                    public void actionRetried(ActionAttempt attempt, Duration delay,
                            String error) {
                        retried.add(attempt);
                    }

                    @Override
                    public void actionSucceeded(ActionAttempt attempt) {
                        succeeded.add(attempt);
                    }
                })
                .drainDeadline(Duration.ofSeconds(2))
                .build();
        engine.start();
    }

    /** An action that fails a given number of times, then changes its params and succeeds. */
    private static final class EchoService implements Service {

        private final AtomicInteger failuresLeft;

        EchoService(int failures) {
            this.failuresLeft = new AtomicInteger(failures);
        }

        @Override
        public String id() {
            return "echo";
        }

        @Override
        public List<Action> actions() {
            return List.of(new Action() {
                @Override
                public String name() {
                    return "say";
                }

                @Override
                public JsonNode execute(ActionInvocation invocation) {
                    if (failuresLeft.getAndDecrement() > 0) {
                        throw ActionException.retryable("echo: busy", null, null);
                    }
                    invocation.params().put("changed-by-action", true);
                    return JSON.createObjectNode();
                }
            });
        }
    }
}
