package dev.recipes.testkit.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.recipes.core.RecipeEngine;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.testkit.FakeFactory;
import dev.recipes.testkit.TestEngine;
import dev.recipes.testkit.sheets.FakeSheetsServer;
import dev.recipes.testkit.slack.SlackSimulator;
import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * What {@link RecipeTest} does around a test, seen by running small test classes (the
 * fixtures below) on the JUnit Platform from here: what it injects, what it closes when a test
 * fails, and how it reports mistakes.
 */
final class RecipeTestExtensionTest {

    /** What the fixtures saw, by name; filled while a fixture runs. */
    static final Map<String, Object> SEEN = new ConcurrentHashMap<>();
    private static final AtomicBoolean LAUNCHING = new AtomicBoolean();

    @BeforeEach
    @AfterEach
    void clear() {
        SEEN.clear();
    }

    /** Lets fixtures run only when a test here launches them. */
    static boolean launching() {
        return LAUNCHING.get();
    }

    @Test
    void failingTest_hasItsEngineAndFakesClosed_andWhatTheEngineSawAttached() throws Exception {
        TestExecutionSummary summary = run(FailingFixture.class);

        assertThat(summary.getTestsFailedCount()).isEqualTo(1);
        Throwable failure = summary.getFailures().get(0).getException();
        assertThat(failure).hasMessage("the test's own failure");
        assertThat(failure.getSuppressed()).singleElement().satisfies(activity ->
                assertThat(activity.getMessage()).startsWith("What the test engine saw:\n"
                        + "Events received (1):\n  1. slack.message '"));
        TestEngine engine = (TestEngine) SEEN.get("engine");
        assertThatIllegalStateException().isThrownBy(engine::engine)
                .withMessage("test engine: closed");
        RecipeEngine recipeEngine = (RecipeEngine) SEEN.get("recipe engine");
        assertThat(recipeEngine.webhooks().handle(WebhookRequest.post("/hooks/slack",
                Map.of(), new byte[0])).status()).isEqualTo(503);
        assertThat(refusesConnections((FakeSheetsServer) SEEN.get("sheets"))).isTrue();
    }

    @Test
    void failureOfTheTestkitsOwnAssertion_getsNothingAttached() {
        TestExecutionSummary summary = run(OwnAssertionFixture.class);

        Throwable failure = summary.getFailures().get(0).getException();
        assertThat(failure).isInstanceOf(AssertionError.class)
                .hasMessageContaining("What the test engine saw:");
        assertThat(failure.getSuppressed()).isEmpty();
    }

    @Test
    void oneTestEngine_perTest_servesItsLifecycleMethods_atTheDefaultStart() {
        TestExecutionSummary summary = run(LifecycleFixture.class);

        assertThat(summary.getTestsSucceededCount()).isEqualTo(2);
        assertThat(SEEN.get("first")).isNotNull().isNotSameAs(SEEN.get("second"));
        assertThat(SEEN.get("default start")).isEqualTo(TestEngine.DEFAULT_START);
    }

    @Test
    void settings_ofTheAnnotation_areApplied() {
        TestExecutionSummary summary = run(SettingsFixture.class);

        assertThat(summary.getTestsSucceededCount()).isEqualTo(2);
        assertThat(SEEN.get("class clock")).isEqualTo(Instant.parse("2030-02-03T04:05:06Z"));
        assertThat(SEEN.get("method manual")).isEqualTo(false);
        assertThat(SEEN.get("counter closed")).isEqualTo(true);
    }

    @Test
    void annotationOfYourOwn_carriesTheSettings() {
        TestExecutionSummary summary = run(ComposedFixture.class);

        assertThat(summary.getTestsSucceededCount()).isEqualTo(1);
        assertThat(SEEN.get("composed manual")).isEqualTo(false);
    }

    @Test
    void testEngineInAConstructor_isRefusedWithTheReason() {
        TestExecutionSummary summary = run(ConstructorFixture.class);

        assertThat(summary.getFailures()).singleElement().satisfies(failure ->
                assertThat(failure.getException()).hasMessageContaining("@RecipeTest: a "
                        + "TestEngine lives for one test; take it as a parameter of a @Test, "
                        + "@BeforeEach or @AfterEach method"));
    }

    @Test
    void fakeAskedForAfterTheEngineStarted_isRefusedWithAHint() {
        TestExecutionSummary summary = run(LateFakeFixture.class);

        assertThat(summary.getFailures()).singleElement().satisfies(failure ->
                assertThat(failure.getException())
                        .hasMessageStartingWith("@RecipeTest: cannot resolve parameter 0 "
                                + "(SlackSimulator) of slackTooLate: test engine: cannot start a "
                                + "fake SlackSimulator")
                        .hasMessageContaining("Ask for fakes before the engine starts"));
    }

    @Test
    void badSettings_areReportedWithTheValue() {
        TestExecutionSummary summary = run(BadSettingsFixture.class);

        assertThat(summary.getFailures()).hasSize(3)
                // JUnit puts the parameter's name in front: "Failed to resolve ...: <ours>"
                .extracting(failure -> failure.getException().getMessage()
                        .replaceFirst("^Failed to resolve parameter .*?\\]: ", ""))
                .containsExactlyInAnyOrder(
                        "@RecipeTest(startAt = \"tomorrow\"): not an ISO-8601 instant, such as "
                                + "2026-01-05T09:00:00Z",
                        "@RecipeTest(idleTimeout = \"PT0S\"): must be positive",
                        "@RecipeTest(fakes = " + NoDefaultConstructor.class.getName()
                                + ".class): cannot create it; a fake factory needs a "
                                + "constructor without parameters "
                                + "(java.lang.NoSuchMethodException: "
                                + NoDefaultConstructor.class.getName() + ".<init>())");
    }

    private static TestExecutionSummary run(Class<?> fixture) {
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        Launcher launcher = LauncherFactory.create();
        LAUNCHING.set(true);
        try {
            launcher.execute(LauncherDiscoveryRequestBuilder.request()
                    .selectors(selectClass(fixture)).build(), listener);
        } finally {
            LAUNCHING.set(false);
        }
        return listener.getSummary();
    }

    private static boolean refusesConnections(FakeSheetsServer sheets) {
        URI api = URI.create(sheets.apiUrl());
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(api.getHost(), api.getPort()), 2000);
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @RecipeTest
    @EnabledIf("dev.recipes.testkit.junit.RecipeTestExtensionTest#launching")
    static final class FailingFixture {

        @Test
        void failsWithEverythingRunning(TestEngine engine, SlackSimulator slack,
                FakeSheetsServer sheets) {
            engine.recipe(SlackToSheetsRecipeTest.salesLog());
            SEEN.put("engine", engine);
            SEEN.put("sheets", sheets);
            SEEN.put("recipe engine", engine.engine());
            slack.message("C0SALES", "U0USER1", "invoice #1").send();
            engine.awaitIdle();
            throw new IllegalStateException("the test's own failure");
        }
    }

    @RecipeTest
    @EnabledIf("dev.recipes.testkit.junit.RecipeTestExtensionTest#launching")
    static final class OwnAssertionFixture {

        @Test
        void failsAnAssertion(TestEngine engine, SlackSimulator slack) {
            slack.message("C0SALES", "U0USER1", "hello").send();
            engine.awaitIdle();
            engine.assertThatActions().isNotEmpty();
        }
    }

    @RecipeTest
    @EnabledIf("dev.recipes.testkit.junit.RecipeTestExtensionTest#launching")
    static final class LifecycleFixture {

        private TestEngine ofBeforeEach;

        @BeforeEach
        void setUp(TestEngine engine) {
            ofBeforeEach = engine;
        }

        @Test
        void first(TestEngine engine) {
            assertThat(engine).isSameAs(ofBeforeEach);
            SEEN.put("first", engine);
            SEEN.put("default start", engine.clock().instant());
        }

        @Test
        void second(TestEngine engine) {
            assertThat(engine).isSameAs(ofBeforeEach);
            SEEN.put("second", engine);
        }

        @AfterEach
        void tearDown(TestEngine engine) {
            assertThat(engine).isSameAs(ofBeforeEach);
            assertThat(engine.toString()).doesNotContain("closed");
        }
    }

    /** A fake that only knows whether it was closed. */
    static final class Counter implements AutoCloseable {

        volatile boolean closed;

        @Override
        public void close() {
            closed = true;
            SEEN.put("counter closed", true);
        }
    }

    /** Starts a {@link Counter}. */
    static final class CounterFactory implements FakeFactory<Counter> {

        @Override
        public Class<Counter> type() {
            return Counter.class;
        }

        @Override
        public Counter start(TestEngine engine) {
            return new Counter();
        }
    }

    @RecipeTest(startAt = "2030-02-03T04:05:06Z", idleTimeout = "PT3S",
            fakes = CounterFactory.class)
    @EnabledIf("dev.recipes.testkit.junit.RecipeTestExtensionTest#launching")
    static final class SettingsFixture {

        @Test
        void classSettings(TestEngine engine, Counter counter) {
            assertThat(counter.closed).isFalse();
            SEEN.put("class clock", engine.clock().instant());
        }

        @Test
        @RecipeTest(realTime = true)
        void methodSettings(TestEngine engine) {
            SEEN.put("method manual", engine.isManualTime());
            assertThat(engine.hasFake(Counter.class)).isFalse();
        }
    }

    /** A team's own annotation for recipe tests on real time. */
    @Target(ElementType.TYPE)
    @Retention(RetentionPolicy.RUNTIME)
    @RecipeTest(realTime = true)
    @interface RealTimeRecipeTest {
    }

    @RealTimeRecipeTest
    @EnabledIf("dev.recipes.testkit.junit.RecipeTestExtensionTest#launching")
    static final class ComposedFixture {

        @Test
        void runsOnRealTime(TestEngine engine) {
            SEEN.put("composed manual", engine.isManualTime());
        }
    }

    @RecipeTest
    @EnabledIf("dev.recipes.testkit.junit.RecipeTestExtensionTest#launching")
    static final class ConstructorFixture {

        ConstructorFixture(TestEngine engine) {
            SEEN.put("constructor", engine);
        }

        @Test
        void neverRuns() {
            SEEN.put("ran", true);
        }
    }

    @RecipeTest
    @EnabledIf("dev.recipes.testkit.junit.RecipeTestExtensionTest#launching")
    static final class LateFakeFixture {

        @BeforeEach
        void startEarly(TestEngine engine) {
            engine.customize(builder -> builder.discoverServices(false)).start();
        }

        @Test
        void slackTooLate(SlackSimulator slack) {
            SEEN.put("slack", slack);
        }
    }

    /** A factory JUnit cannot create. */
    static final class NoDefaultConstructor implements FakeFactory<Counter> {

        NoDefaultConstructor(String name) {
        }

        @Override
        public Class<Counter> type() {
            return Counter.class;
        }

        @Override
        public Counter start(TestEngine engine) {
            return new Counter();
        }
    }

    @EnabledIf("dev.recipes.testkit.junit.RecipeTestExtensionTest#launching")
    static final class BadSettingsFixture {

        @Test
        @RecipeTest(startAt = "tomorrow")
        void badStart(TestEngine engine) {
        }

        @Test
        @RecipeTest(idleTimeout = "PT0S")
        void badTimeout(TestEngine engine) {
        }

        @Test
        @RecipeTest(fakes = NoDefaultConstructor.class)
        void badFactory(TestEngine engine) {
        }
    }
}
