package dev.recipes.testkit;

import dev.recipes.core.Connection;
import dev.recipes.core.DeadLetter;
import dev.recipes.core.EngineListener;
import dev.recipes.core.Event;
import dev.recipes.core.EventBus;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RetryPolicy;
import dev.recipes.core.spi.Service;
import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.testkit.sheets.FakeSheetsServer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A {@link RecipeEngine} made for one test: the in-memory bus, one clock shared with the fakes,
 * time that moves only when the test says so, fakes started on demand and wired in, a record of
 * what the engine did, and assertions on it whose failures show that record.
 *
 * <pre>{@code
 * try (TestEngine engine = TestEngine.manualTime()) {
 *     engine.recipe(salesLog);
 *     FakeSheetsServer sheets = engine.fake(FakeSheetsServer.class);
 *     SlackSimulator slack = engine.fake(SlackSimulator.class);
 *     sheets.createSpreadsheet("1AbCsheet", "Log");
 *
 *     slack.message("C0SALES", "U0USER1", "invoice #42 paid").send(); // starts the engine
 *     engine.awaitIdle();
 *
 *     engine.assertThatAction("google-sheets", "append-row").succeeded();
 *     engine.assertThatSheet(sheets, "1AbCsheet", "Log")
 *             .containsExactlyRows(List.of("U0USER1", "invoice #42 paid"));
 * }
 * }</pre>
 *
 * <p><b>Setting up.</b> Recipes, services, configuration, the retry policy, listeners and other
 * builder settings are added before the engine starts; connections at any time. The engine
 * starts on {@link #start()}, or by itself on first use: {@link #engine()}, {@link #publish},
 * or the first webhook handed to {@link #webhooks()}. Fakes that set configuration must be
 * asked for before then.
 *
 * <p><b>Time.</b> With {@linkplain #manualTime() manual time} the engine, its services and the
 * fakes read one {@link MutableClock}, and the engine's timed work (retries, schedules) waits
 * on a {@link ManualScheduler} until the test calls {@link #advance(Duration)}. With
 * {@linkplain #realTime() real time} they read the system clock and timers fire by themselves.
 *
 * <p><b>Waiting.</b> {@link #awaitIdle()} returns once every event and action caused so far
 * has settled; with manual time it runs what is due, and fails at once, naming the work, if
 * some of it waits for a timer that only {@link #advance(Duration)} can reach.
 * {@link #awaitQuiet()} waits only for what can run now. Both fail after the idle timeout
 * (10 seconds unless set), listing what was still going on.
 *
 * <p><b>Closing.</b> {@link #close()} closes the engine, waiting at most
 * {@link #DRAIN_DEADLINE} for work in flight (retries still waiting are dead-lettered), then
 * the fakes, newest first. A test engine is meant for the test thread; the engine itself is
 * thread-safe as usual.
 */
public final class TestEngine implements AutoCloseable {

    /** Where a manual clock stands until moved, unless another start is given. */
    public static final Instant DEFAULT_START = Instant.parse("2026-01-05T09:00:00Z");

    /** How long {@link #awaitIdle()} and the other waits take at most, unless set. */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(10);

    /** How long closing waits for work in flight before dead-lettering what is left. */
    // Limitation: an engine closed with a retry waiting on manual time waits all of it, since
    // RecipeEngine.close waits for retries and only the test can make them due.
    public static final Duration DRAIN_DEADLINE = Duration.ofMillis(500);

    private static final String GROUP = "testkit";

    private enum State { NEW, STARTED, CLOSED }

    private final Clock clock;
    private final ManualScheduler scheduler;
    private final Activity activity;
    private final Waits waits;
    private final RecipeEngine.Builder builder;
    private final Object lock = new Object();
    private final List<Connection> connections = new ArrayList<>();
    private final Map<Class<?>, FakeFactory<?>> factories = new LinkedHashMap<>();
    private final Map<Class<?>, Object> fakes = new LinkedHashMap<>();
    private volatile RecipeEngine engine;
    private volatile State state = State.NEW;
    private volatile Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private RuntimeException startFailure;

    private TestEngine(Clock clock, ManualScheduler scheduler) {
        this.clock = clock;
        this.scheduler = scheduler;
        this.activity = new Activity(clock);
        this.waits = new Waits(clock, scheduler, activity);
        this.builder = RecipeEngine.builder()
                .clock(clock)
                .bus(EventBus.inMemory())
                .listener(activity)
                .drainDeadline(DRAIN_DEADLINE);
        if (scheduler != null) {
            builder.scheduler(scheduler);
        }
        Fakes.builtIn().forEach(factory -> factories.put(factory.type(), factory));
    }

    /**
     * Returns a test engine whose time stands at {@link #DEFAULT_START} until the test moves it.
     *
     * @return a new test engine; close it when done
     */
    public static TestEngine manualTime() {
        return manualTime(DEFAULT_START);
    }

    /**
     * Returns a test engine whose time stands at an instant until the test moves it.
     *
     * @param start the instant the clock shows first
     * @return a new test engine; close it when done
     */
    public static TestEngine manualTime(Instant start) {
        MutableClock clock = new MutableClock(Objects.requireNonNull(start, "start"));
        return new TestEngine(clock, new ManualScheduler(clock));
    }

    /**
     * Returns a test engine on the system clock, whose timers fire by themselves.
     *
     * @return a new test engine; close it when done
     */
    public static TestEngine realTime() {
        return new TestEngine(Clock.systemUTC(), null);
    }

    /**
     * Adds a recipe.
     *
     * @param recipe the recipe; its id must be unique in the engine
     * @return this test engine
     * @throws IllegalStateException if the engine has started
     * @throws IllegalArgumentException if a recipe with the same id was added
     */
    public TestEngine recipe(Recipe recipe) {
        return beforeStart("recipe " + recipe, settings -> settings.recipe(recipe));
    }

    /**
     * Registers a service by hand; services on the class path are found as usual.
     *
     * @param service the service
     * @return this test engine
     * @throws IllegalStateException if the engine has started
     * @throws IllegalArgumentException if a service with the same id was registered
     */
    public TestEngine service(Service service) {
        return beforeStart("service " + service, settings -> settings.service(service));
    }

    /**
     * Sets one configuration value, such as {@code slack.signing-secret}.
     *
     * @param key the key, starting with a service id and a dot
     * @param value the value
     * @return this test engine
     * @throws IllegalStateException if the engine has started
     * @throws IllegalArgumentException if the key was set before, by the test or by a fake
     */
    public TestEngine config(String key, String value) {
        return beforeStart("config '" + key + "'", settings -> settings.config(key, value));
    }

    /**
     * Sets how failed actions are retried; {@link RetryPolicy#ofDefaults()} otherwise.
     *
     * @param retryPolicy the policy
     * @return this test engine
     * @throws IllegalStateException if the engine has started, or a policy was set before
     */
    public TestEngine retryPolicy(RetryPolicy retryPolicy) {
        return beforeStart("retry policy", settings -> settings.retryPolicy(retryPolicy));
    }

    /**
     * Adds a listener, besides the one the test engine records with.
     *
     * @param listener the listener
     * @return this test engine
     * @throws IllegalStateException if the engine has started
     */
    public TestEngine listener(EngineListener listener) {
        return beforeStart("listener", settings -> settings.listener(listener));
    }

    /**
     * Changes any other setting of the engine's builder, such as
     * {@code builder -> builder.discoverServices(false).maxChainDepth(3)}. The clock, scheduler
     * and bus are the test engine's own and cannot be set.
     *
     * @param customizer changes the builder
     * @return this test engine
     * @throws IllegalStateException if the engine has started, or the customizer sets the clock,
     *     the scheduler or the bus
     */
    public TestEngine customize(Consumer<RecipeEngine.Builder> customizer) {
        Objects.requireNonNull(customizer, "customizer");
        return beforeStart("customize", settings -> {
            try {
                customizer.accept(settings);
            } catch (IllegalStateException e) {
                throw new IllegalStateException("test engine: customize: " + e.getMessage()
                        + "; the test engine sets the clock, the scheduler and the bus itself",
                        e);
            }
        });
    }

    /**
     * Adds a connection; before the engine starts it is stored when it starts, after that at
     * once.
     *
     * @param connection the connection, replacing one with the same service and id
     * @return this test engine
     * @throws IllegalStateException if the test engine is closed
     */
    public TestEngine connection(Connection connection) {
        Objects.requireNonNull(connection, "connection");
        synchronized (lock) {
            requireOpen();
            if (engine == null) {
                connections.add(connection);
                return this;
            }
        }
        engine.connections().put(connection);
        return this;
    }

    /**
     * Sets how long the waits take at most: {@link #awaitIdle()}, {@link #awaitQuiet()} and
     * each step of {@link #advance(Duration)}.
     *
     * @param timeout a positive duration; {@link #DEFAULT_IDLE_TIMEOUT} otherwise
     * @return this test engine
     * @throws IllegalArgumentException if the timeout is not positive
     */
    public TestEngine idleTimeout(Duration timeout) {
        this.idleTimeout = requirePositive(timeout);
        return this;
    }

    /**
     * Registers how to start a kind of fake, replacing a built-in one of the same type.
     *
     * @param factory the factory
     * @return this test engine
     * @throws IllegalStateException if a fake of that type was started already
     */
    public TestEngine register(FakeFactory<?> factory) {
        Objects.requireNonNull(factory, "factory");
        Class<?> type = Objects.requireNonNull(factory.type(), "factory type");
        synchronized (lock) {
            requireOpen();
            if (fakes.containsKey(type)) {
                throw new IllegalStateException("test engine: a " + type.getSimpleName()
                        + " was started already; register its factory before asking for it");
            }
            factories.put(type, factory);
        }
        return this;
    }

    /**
     * Returns the fake of a type, starting it and wiring it into the engine on the first
     * request: {@link FakeSheetsServer} (on the engine's clock, its URLs in the engine's
     * configuration, a service account as connection {@code default}) and
     * {@link dev.recipes.testkit.slack.SlackSimulator} (signing with a secret made for the test
     * that the engine is configured with, sending to the engine in-process) are built in.
     *
     * @param type the fake's class
     * @param <T> the fake's type
     * @return the same fake for every request in this test engine
     * @throws IllegalArgumentException if no factory is registered for the type
     * @throws IllegalStateException if the fake cannot start, such as one that sets
     *     configuration asked for after the engine started
     */
    public <T> T fake(Class<T> type) {
        Objects.requireNonNull(type, "type");
        synchronized (lock) {
            requireOpen();
            Object running = fakes.get(type);
            if (running != null) {
                return type.cast(running);
            }
            FakeFactory<?> factory = factories.get(type);
            if (factory == null) {
                throw new IllegalArgumentException("test engine: no fake of type "
                        + type.getName() + "; fakes: " + fakeTypes() + ". Register a "
                        + "FakeFactory for it");
            }
            T started = type.cast(startFake(factory, type));
            fakes.put(type, started);
            return started;
        }
    }

    /**
     * Tells whether {@link #fake(Class)} can start a fake of a type.
     *
     * @param type a class
     * @return {@code true} if a factory is registered for exactly that type
     */
    public boolean hasFake(Class<?> type) {
        synchronized (lock) {
            return factories.containsKey(type);
        }
    }

    private Object startFake(FakeFactory<?> factory, Class<?> type) {
        try {
            return Objects.requireNonNull(factory.start(this), () -> "fake factory "
                    + factory + " returned null");
        } catch (IllegalStateException e) {
            throw new IllegalStateException("test engine: cannot start a fake "
                    + type.getSimpleName() + ": " + e.getMessage() + (state == State.NEW ? ""
                    : ". Ask for fakes before the engine starts: as parameters of the test or "
                    + "@BeforeEach method, or with fake(...) before start()"), e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("test engine: cannot start a fake "
                    + type.getSimpleName() + ": " + e, e);
        }
    }

    private List<String> fakeTypes() {
        return factories.keySet().stream().map(Class::getSimpleName).toList();
    }

    /**
     * Starts the engine if it has not started; does nothing if it has.
     *
     * @return this test engine
     * @throws IllegalStateException if the test engine is closed, or the engine cannot be built
     *     from its settings (a recipe names an unknown service, an unknown config key)
     * @throws dev.recipes.core.RecipeException if a service cannot start with its configuration
     */
    public TestEngine start() {
        running();
        return this;
    }

    /**
     * Tells whether the engine has started.
     *
     * @return {@code true} once started, also after closing
     */
    public boolean isStarted() {
        return engine != null;
    }

    /**
     * Returns the engine, starting it if needed.
     *
     * @return the running engine
     * @throws IllegalStateException if the test engine is closed or the engine cannot start
     */
    public RecipeEngine engine() {
        return running();
    }

    /**
     * Returns a webhook handler that hands each request to the engine, starting it on the
     * first request; for simulators to send to in-process. A request answered with other than
     * 2xx is listed, with the answer, in what assertion failures show the engine saw.
     *
     * @return the handler
     */
    public WebhookHandler webhooks() {
        return request -> {
            WebhookResponse response = running().webhooks().handle(request);
            activity.webhookAnswered(request, response);
            return response;
        };
    }

    /**
     * Publishes an event for recipes, as a service would, starting the engine if needed.
     *
     * @param event the event
     */
    public void publish(Event event) {
        running().publish(event);
    }

    /**
     * Returns the clock the engine, its services and the fakes share.
     *
     * @return a {@link MutableClock} with manual time, the system clock in UTC with real time
     */
    public Clock clock() {
        return clock;
    }

    /**
     * Tells whether time moves only when the test calls {@link #advance(Duration)}.
     *
     * @return {@code true} with manual time
     */
    public boolean isManualTime() {
        return scheduler != null;
    }

    /**
     * Moves manual time forward, running the timers that fall due on the way and letting the
     * work each starts settle before moving on: a retry that fails again and schedules the next
     * within the window runs in it too. The clock ends at its start plus the duration.
     *
     * @param duration how far; zero runs what is due now
     * @throws IllegalStateException with real time
     * @throws IllegalArgumentException if the duration is negative
     * @throws AssertionError if the work a step starts does not settle within the idle timeout
     */
    public void advance(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        if (scheduler == null) {
            throw new IllegalStateException("test engine: runs in real time, so advance() cannot "
                    + "move the clock; use manual time (the default of @RecipeTest)");
        }
        if (duration.isNegative()) {
            throw new IllegalArgumentException("test engine: cannot advance by " + duration
                    + "; time only moves forward");
        }
        waits.advance(state == State.CLOSED ? null : engine, duration, idleTimeout);
    }

    /**
     * Waits until every event and action caused so far has settled, up to the idle timeout.
     * With manual time it runs the timers already due as it waits, and fails at once if work
     * is left waiting for a timer in the future, naming it and how far to
     * {@link #advance(Duration)}. With real time it waits for retries too. Returns at once if
     * the engine has not started.
     *
     * @throws AssertionError if work waits for a future timer (manual time), or the engine did
     *     not settle in time; the message lists what was still going on and what was seen
     */
    public void awaitIdle() {
        awaitIdle(idleTimeout);
    }

    /**
     * Waits as {@link #awaitIdle()} does, up to a given timeout.
     *
     * @param timeout how long at most
     * @throws AssertionError as {@link #awaitIdle()}
     */
    public void awaitIdle(Duration timeout) {
        waits.awaitIdle(engine, requirePositive(timeout));
    }

    /**
     * Waits until nothing more happens without time moving: the events and actions in flight
     * have been handled and, with manual time, no timer is due. Retries waiting for a timer
     * stay waiting; see {@link #nextRetryIn()} and {@link #actions()}.
     *
     * @throws AssertionError if the engine did not become quiet within the idle timeout
     */
    public void awaitQuiet() {
        waits.awaitQuiet(engine, idleTimeout);
    }

    /**
     * Returns how long until the next retry is due, among the action requests waiting to be
     * retried.
     *
     * @return the wait by the engine's clock, zero if overdue; empty if no retry waits
     */
    public Optional<Duration> nextRetryIn() {
        return waits.nextRetryIn();
    }

    /**
     * Returns the events services published (and {@link #publish} was given), oldest first;
     * the engine's own result and failure events are not among them.
     *
     * @return a snapshot
     */
    public List<Event> events() {
        return activity.snapshot().events();
    }

    /**
     * Returns the action requests seen, in the order their first attempt started, each as it
     * stands now.
     *
     * @return a snapshot
     */
    public List<RecordedAction> actions() {
        return activity.snapshot().actions();
    }

    /**
     * Returns the dead letters in the engine's store now (replayed ones are gone from it).
     *
     * @return a snapshot; empty before the engine starts
     */
    public List<DeadLetter> deadLetters() {
        RecipeEngine running = engine;
        return running == null ? List.of() : running.deadLetters().list();
    }

    /**
     * Describes what the engine saw, a section per kind, a line per item, credentials masked:
     * the text assertion failures end with.
     *
     * @return the description
     */
    public String describeActivity() {
        return activity.snapshot().describe();
    }

    /**
     * Adds what the engine saw to a failure, as a suppressed exception, so that a failed
     * assertion of another library (or an exception) is reported with it. Does nothing if the
     * engine never started, or the failure came from the test engine's own assertions, whose
     * messages show it already.
     *
     * @param failure the failure of a test
     * @return the failure
     */
    public Throwable addActivityTo(Throwable failure) {
        Objects.requireNonNull(failure, "failure");
        if (engine != null && !Failures.isOurs(failure)) {
            failure.addSuppressed(new EngineActivity(describeActivity()));
        }
        return failure;
    }

    /**
     * Starts assertions on all the action requests seen so far.
     *
     * @return the assertions
     */
    public ActionsAssert assertThatActions() {
        Seen seen = activity.snapshot();
        return new ActionsAssert(seen, seen.actions(), "action requests");
    }

    /**
     * Starts assertions on the one request of an action seen so far; fails if there was none
     * or more than one.
     *
     * @param service the service id, such as {@code google-sheets}
     * @param action the action name, such as {@code append-row}
     * @return the assertions
     * @throws AssertionError unless exactly one request of the action was seen
     */
    public ActionAssert assertThatAction(String service, String action) {
        return assertThatActions().of(service, action).single();
    }

    /**
     * Starts assertions on the events services published so far.
     *
     * @return the assertions
     */
    public EventsAssert assertThatEvents() {
        Seen seen = activity.snapshot();
        return new EventsAssert(seen, seen.events(), "events");
    }

    /**
     * Starts assertions on the dead letters in the engine's store now.
     *
     * @return the assertions
     */
    public DeadLettersAssert assertThatDeadLetters() {
        return new DeadLettersAssert(activity.snapshot(), deadLetters(), "dead letters");
    }

    /**
     * Starts assertions on the rows of a sheet of a fake Sheets server.
     *
     * @param sheets the fake
     * @param spreadsheetId the spreadsheet's id
     * @param sheetName the sheet's name
     * @return the assertions
     */
    public SheetAssert assertThatSheet(FakeSheetsServer sheets, String spreadsheetId,
            String sheetName) {
        Objects.requireNonNull(sheets, "sheets");
        return new SheetAssert(this, sheets, spreadsheetId, sheetName);
    }

    /**
     * Starts assertions on the requests a fake Sheets server received.
     *
     * @param sheets the fake
     * @return the assertions
     */
    public SheetsRequestsAssert assertThatRequests(FakeSheetsServer sheets) {
        Objects.requireNonNull(sheets, "sheets");
        return new SheetsRequestsAssert(this, sheets);
    }

    /** What was seen, for assertion messages. */
    Seen seen() {
        return activity.snapshot();
    }

    /**
     * Closes the engine, waiting at most {@link #DRAIN_DEADLINE} for work in flight, then the
     * fakes, newest first. Every one is closed even if another fails; calling it again does
     * nothing.
     *
     * @throws IllegalStateException if something failed to close; the others' failures are
     *     suppressed in it
     */
    @Override
    public void close() {
        RecipeEngine running;
        List<Map.Entry<Class<?>, Object>> started;
        synchronized (lock) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
            running = engine;
            started = new ArrayList<>(fakes.entrySet());
        }
        List<Throwable> failures = new ArrayList<>();
        if (running != null) {
            attempt(failures, running::close);
        }
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
        Collections.reverse(started);
        for (Map.Entry<Class<?>, Object> fake : started) {
            attempt(failures, () -> closeFake(factories.get(fake.getKey()), fake.getValue()));
        }
        if (!failures.isEmpty()) {
            IllegalStateException failure = new IllegalStateException("test engine: "
                    + failures.size() + " thing(s) failed to close; first: "
                    + failures.get(0), failures.get(0));
            failures.stream().skip(1).forEach(failure::addSuppressed);
            throw failure;
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> void closeFake(FakeFactory<T> factory, Object fake) throws Exception {
        factory.close((T) fake);
    }

    private static void attempt(List<Throwable> failures, Closing closing) {
        try {
            closing.close();
        } catch (Exception | Error e) {
            failures.add(e);
        }
    }

    /** One thing to close. */
    @FunctionalInterface
    private interface Closing {

        void close() throws Exception;
    }

    @Override
    public String toString() {
        List<String> started;
        synchronized (lock) {
            started = fakes.keySet().stream().map(Class::getSimpleName).toList();
        }
        return "TestEngine[" + (scheduler != null ? "manual time at " + clock.instant()
                : "real time") + ", " + state.name().toLowerCase(java.util.Locale.ROOT)
                + ", fakes " + started + "]";
    }

    private RecipeEngine running() {
        RecipeEngine running = engine;
        if (running != null && state == State.STARTED) {
            return running;
        }
        synchronized (lock) {
            requireOpen();
            if (startFailure != null) {
                throw new IllegalStateException("test engine: the engine failed to start: "
                        + startFailure.getMessage(), startFailure);
            }
            if (engine == null) {
                engine = build();
                state = State.STARTED;
            }
            return engine;
        }
    }

    private RecipeEngine build() {
        try {
            RecipeEngine built = builder.build();
            connections.forEach(built.connections()::put);
            built.bus().subscribe(RecipeEngine.RECIPE_FAILED_TOPIC, GROUP,
                    activity::recipeFailed);
            built.start();
            return built;
        } catch (RuntimeException e) {
            startFailure = e;
            throw e;
        }
    }

    private TestEngine beforeStart(String what, Consumer<RecipeEngine.Builder> change) {
        synchronized (lock) {
            requireOpen();
            if (state != State.NEW) {
                throw new IllegalStateException("test engine: already started, so " + what
                        + " can no longer be added; set the engine up before it starts (it "
                        + "starts on start(), engine(), publish() or its first webhook)");
            }
            change.accept(builder);
        }
        return this;
    }

    private void requireOpen() {
        if (state == State.CLOSED) {
            throw new IllegalStateException("test engine: closed");
        }
    }

    private static Duration requirePositive(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("test engine: timeout " + timeout
                    + " must be positive");
        }
        return timeout;
    }
}
