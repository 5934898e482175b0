package dev.recipes.testkit;

import static dev.recipes.testkit.EchoServiceFixture.said;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.core.ActionStep;
import dev.recipes.core.Connection;
import dev.recipes.core.DeadLetter;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RetryPolicy;
import dev.recipes.core.Schedule;
import dev.recipes.testkit.slack.SlackSimulator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The test engine without JUnit's help: setting up, starting, time, waiting and closing. */
final class TestEngineTest {

    private final EchoServiceFixture echo = new EchoServiceFixture();
    private final List<String> closed = new CopyOnWriteArrayList<>();
    private TestEngine engine;

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    @Test
    void startsOnFirstUse_andStartIsIdempotent() {
        engine = echo.manualEngine();
        assertThat(engine.isStarted()).isFalse();

        engine.publish(said("e-1", "hello"));
        engine.start();
        engine.awaitIdle();

        assertThat(engine.isStarted()).isTrue();
        assertThat(echo.said).containsExactly("hello");
        engine.assertThatAction("echo", "say").succeeded().hasParam("/channel", "C1")
                .hasParams("{\"text\":\"hello\",\"channel\":\"C1\"}");
    }

    @Test
    void setupAfterStart_isRefusedWithTheReason() {
        engine = echo.manualEngine().start();

        assertThatIllegalStateException()
                .isThrownBy(() -> engine.config("echo.url", "http://127.0.0.1:1"))
                .withMessage("test engine: already started, so config 'echo.url' can no longer "
                        + "be added; set the engine up before it starts (it starts on start(), "
                        + "engine(), publish() or its first webhook)");
        assertThatIllegalStateException()
                .isThrownBy(() -> engine.recipe(EchoServiceFixture.echoRecipe()));
    }

    @Test
    void customizeCannotReplaceTheClock() {
        engine = TestEngine.manualTime();

        assertThatIllegalStateException()
                .isThrownBy(() -> engine.customize(builder -> builder.clock(Clock.systemUTC())))
                .withMessageStartingWith("test engine: customize: clock: already set to "
                        + "MutableClock[")
                .withMessageEndingWith("the test engine sets the clock, the scheduler and the "
                        + "bus itself");
    }

    @Test
    void awaitIdleBeforeStart_returnsAtOnce_andStartsNothing() {
        engine = echo.manualEngine();

        engine.awaitIdle();
        engine.awaitQuiet();

        assertThat(engine.isStarted()).isFalse();
        assertThat(engine.actions()).isEmpty();
        assertThat(engine.deadLetters()).isEmpty();
    }

    @Test
    void retryUnderManualTime_failsAwaitIdleAtOnce_untilAdvanced() {
        echo.failuresLeft.set(1);
        echo.retryAfter = Duration.ofMinutes(5);
        engine = echo.manualEngine();

        engine.publish(said("e-1", "hello"));

        assertThatThrownBy(engine::awaitIdle)
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("test engine: not idle: 1 action request waits for a "
                        + "retry timer, and manual time moves only when the test calls "
                        + "advance():\n  1. echo/say by recipe 'echo-said' for event 'e-1': "
                        + "attempt 2 is due in PT5M, at 2026-01-05T09:05:00Z, after: echo: busy\n"
                        + "Call advance(PT5M) to run the first, or awaitQuiet() to wait only for "
                        + "the work that can run now.\n\nWhat the test engine saw:");
        assertThat(engine.nextRetryIn()).contains(Duration.ofMinutes(5));

        engine.advance(Duration.ofMinutes(5));
        engine.awaitIdle();

        assertThat(echo.said).containsExactly("hello");
        assertThat(engine.nextRetryIn()).isEmpty();
        engine.assertThatAction("echo", "say").succeeded().hasAttempts(2);
    }

    @Test
    void retryUnderRealTime_isWaitedFor() {
        echo.failuresLeft.set(2);
        engine = TestEngine.realTime()
                .customize(builder -> builder.discoverServices(false))
                .service(echo)
                .recipe(EchoServiceFixture.echoRecipe())
                .retryPolicy(RetryPolicy.custom().initialBackoff(Duration.ofMillis(1))
                        .maxBackoff(Duration.ofMillis(5)).build());

        engine.publish(said("e-1", "hello"));
        engine.awaitIdle();

        assertThat(engine.isManualTime()).isFalse();
        engine.assertThatAction("echo", "say").succeeded().hasAttempts(3);
        assertThat(engine.actions().get(0).errors()).containsExactly("echo: busy",
                "echo: busy");
    }

    @Test
    void advance_isRefusedInRealTime_andBackwards() {
        engine = TestEngine.realTime();

        assertThatIllegalStateException()
                .isThrownBy(() -> engine.advance(Duration.ofSeconds(1)))
                .withMessageContaining("runs in real time, so advance() cannot move the clock");
        try (TestEngine manual = TestEngine.manualTime()) {
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> manual.advance(Duration.ofSeconds(-1)))
                    .withMessage("test engine: cannot advance by PT-1S; time only moves forward");
        }
    }

    @Test
    void advanceBeforeStart_movesTheClock() {
        engine = TestEngine.manualTime(Instant.parse("2030-01-01T00:00:00Z"));

        engine.advance(Duration.ofHours(1));

        assertThat(engine.clock().instant()).isEqualTo(Instant.parse("2030-01-01T01:00:00Z"));
    }

    @Test
    void scheduledRecipe_runsAtEachTickTheTestMovesPast_andItsTimerKeepsNoOneWaiting() {
        Schedule hourly = Schedule.every("hourly", Duration.ofHours(1));
        engine = TestEngine.manualTime()
                .customize(builder -> builder.discoverServices(false))
                .service(echo)
                .recipe(Recipe.named("hourly-hello").when(hourly)
                        .then(ActionStep.of("echo", "say").constant("text", "tick").build())
                        .build())
                .start();

        engine.awaitIdle();
        // The clock starts on a whole hour: the engine fires that tick as it takes the lease.
        assertThat(echo.said).containsExactly("tick");

        engine.advance(Duration.ofHours(3));
        engine.awaitIdle();

        assertThat(echo.said).containsExactly("tick", "tick", "tick", "tick");
        engine.assertThatActions().of("echo", "say").hasSize(4).allSucceeded();
        engine.assertThatEvents().ofType("schedule.hourly")
                .withData("/scheduledAt", "2026-01-05T12:00:00Z").single();
    }

    @Test
    void permanentFailure_isRecordedAsFailed_withItsDeadLetter() {
        echo.permanent = true;
        engine = echo.manualEngine();

        engine.publish(said("e-1", "hello"));
        engine.awaitIdle();

        engine.assertThatAction("echo", "say").failed().hasErrorContaining("refused");
        assertThatThrownBy(() -> engine.assertThatActions().allSucceeded())
                .hasMessageStartingWith("expected every one of the action requests to have "
                        + "succeeded, but 1 did not:\n  1. echo/say by recipe 'echo-said' for "
                        + "event 'e-1': failed after 1 attempt: echo: refused; params {");
        engine.assertThatDeadLetters().of("echo", "say").byRecipe("echo-said")
                .withReason(DeadLetter.Reason.PERMANENT_FAILURE).single().hasAttempts(1);
        assertThat(engine.describeActivity()).contains("Dead letters (1):\n  1. echo/say by "
                + "recipe 'echo-said': PERMANENT_FAILURE after 1 attempt: echo: refused");
    }

    @Test
    void retryLeftWaitingAtClose_isDeadLetteredAndSeenSo() {
        echo.failuresLeft.set(1);
        echo.retryAfter = Duration.ofMinutes(5);
        engine = echo.manualEngine();
        engine.publish(said("e-1", "hello"));
        engine.awaitQuiet();
        RecipeEngine running = engine.engine();

        engine.close();

        assertThat(running.deadLetters().list()).singleElement()
                .satisfies(letter -> assertThat(letter.reason())
                        .isEqualTo(DeadLetter.Reason.ENGINE_CLOSED));
        assertThat(engine.actions()).singleElement().satisfies(action -> {
            assertThat(action.status()).isEqualTo(RecordedAction.Status.FAILED);
            assertThat(action.lastError()).hasValueSatisfying(error ->
                    assertThat(error).contains("the engine closed before attempt 2"));
        });
    }

    @Test
    void connections_addedBeforeAndAfterStart_reachTheStore() {
        engine = echo.manualEngine();
        engine.connection(Connection.builder("echo", "before").build());
        engine.start();
        engine.connection(Connection.builder("echo", "after").build());

        assertThat(engine.engine().connections().find("echo", "before")).isPresent();
        assertThat(engine.engine().connections().find("echo", "after")).isPresent();
    }

    @Test
    void fakes_startOnce_andCloseAfterTheEngine_newestFirst_evenIfOneFails() {
        engine = echo.manualEngine()
                .register(new Closing<>(StringBuilder.class, "first", false))
                .register(new Closing<>(Object.class, "second", true));
        StringBuilder first = engine.fake(StringBuilder.class);
        Object second = engine.fake(Object.class);
        engine.start();

        assertThat(engine.fake(StringBuilder.class)).isSameAs(first);
        assertThat(engine.fake(Object.class)).isSameAs(second);
        assertThatIllegalStateException()
                .isThrownBy(engine::close)
                .withMessageContaining("1 thing(s) failed to close")
                .withMessageContaining("second failed to close");
        assertThat(closed).containsExactly("second", "first");
        assertThatIllegalStateException().isThrownBy(engine::engine)
                .withMessage("test engine: closed");
        engine.close();
    }

    @Test
    void unknownFake_isRefusedNamingTheKnownOnes() {
        engine = TestEngine.manualTime();

        assertThatIllegalArgumentException()
                .isThrownBy(() -> engine.fake(Thread.class))
                .withMessageStartingWith("test engine: no fake of type java.lang.Thread; fakes: ")
                .withMessageContaining("FakeSheetsServer")
                .withMessageContaining("SlackSimulator");
        assertThat(engine.hasFake(SlackSimulator.class)).isTrue();
        assertThat(engine.hasFake(Thread.class)).isFalse();
    }

    @Test
    void registeringAfterTheFakeStarted_isRefused() {
        engine = TestEngine.manualTime().register(new Closing<>(Object.class, "one", false));
        engine.fake(Object.class);

        assertThatIllegalStateException()
                .isThrownBy(() -> engine.register(new Closing<>(Object.class, "two", false)))
                .withMessage("test engine: a Object was started already; register its factory "
                        + "before asking for it");
    }

    @Test
    void fakeThatSetsConfig_askedForAfterStart_isRefusedWithAHint() {
        engine = echo.manualEngine().start();

        assertThatIllegalStateException()
                .isThrownBy(() -> engine.fake(SlackSimulator.class))
                .withMessageStartingWith("test engine: cannot start a fake SlackSimulator: test "
                        + "engine: already started, so config 'slack.signing-secret' can no "
                        + "longer be added")
                .withMessageEndingWith("Ask for fakes before the engine starts: as parameters "
                        + "of the test or @BeforeEach method, or with fake(...) before start()");
    }

    @Test
    void engineThatCannotBuild_reportsWhyOnEveryUse() {
        engine = TestEngine.manualTime().customize(builder -> builder.discoverServices(false))
                .recipe(EchoServiceFixture.echoRecipe());

        assertThatIllegalStateException().isThrownBy(engine::start)
                .withMessageContaining("service 'echo' is not registered");
        assertThatIllegalStateException().isThrownBy(engine::start)
                .withMessageStartingWith("test engine: the engine failed to start: recipe "
                        + "'echo-said'");
    }

    @Test
    void describeActivity_masksCredentialsInEventData() {
        engine = echo.manualEngine();

        engine.publish(dev.recipes.core.Event.builder("demo.said").id("e-1")
                .data(EchoServiceFixture.JSON.createObjectNode().put("text", "hi")
                        .put("api_token", "tok-123").put("client_secret", "s3cr3t"))
                .build());
        engine.awaitIdle();

        assertThat(engine.describeActivity())
                .contains("\"api_token\":\"***\"")
                .contains("\"client_secret\":\"***\"")
                .doesNotContain("tok-123")
                .doesNotContain("s3cr3t");
    }

    /** A fake of any type that records when it is closed, and may fail to. */
    private final class Closing<T> implements FakeFactory<T> {

        private final Class<T> type;
        private final String name;
        private final boolean fails;

        Closing(Class<T> type, String name, boolean fails) {
            this.type = type;
            this.name = name;
            this.fails = fails;
        }

        @Override
        public Class<T> type() {
            return type;
        }

        @Override
        public T start(TestEngine engine) throws Exception {
            return type.getDeclaredConstructor().newInstance();
        }

        @Override
        public void close(T fake) {
            closed.add(name);
            if (fails) {
                throw new IllegalStateException(name + " failed to close");
            }
        }
    }
}
