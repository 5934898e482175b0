package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.IdempotencyStore.Claim;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.Service;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Action attempts under an idempotency store's leases: what the engine does with each claim
 * {@link IdempotencyStore#begin} answers, what it tells the action, when it completes the key,
 * and where retries wait when the bus holds delayed events.
 */
final class ActionLeaseTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final RetryPolicy QUICK = RetryPolicy.custom().maxAttempts(3)
            .initialBackoff(Duration.ofMillis(1)).maxBackoff(Duration.ofMillis(5)).build();

    private final ProbeService probe = new ProbeService();
    private final ScriptedStore store = new ScriptedStore();
    private final List<Event> succeeded = new CopyOnWriteArrayList<>();
    private final List<Event> failed = new CopyOnWriteArrayList<>();
    private final List<ActionAttempt> started = new CopyOnWriteArrayList<>();
    private final CountingScheduler scheduler = new CountingScheduler();
    private RecipeEngine engine;

    @AfterEach
    void close() {
        if (engine != null) {
            engine.close();
        }
        scheduler.shutdownNow();
    }

    private void start(Consumer<RecipeEngine.Builder> setup) {
        RecipeEngine.Builder builder = RecipeEngine.builder().discoverServices(false)
                .service(probe).idempotency(store).retryPolicy(QUICK)
                .drainDeadline(Duration.ofSeconds(2))
                .recipe(Recipe.named("probe-recipe").when(Trigger.of("demo.said"))
                        .then(ActionStep.of("probe", "run").pointer("text", "/text").build())
                        .build())
                .listener(new EngineListener() {
                    @Override
                    public void actionStarted(ActionAttempt attempt) {
                        started.add(attempt);
                    }
                });
        setup.accept(builder);
        engine = builder.build();
        engine.bus().subscribe("result.probe.run.succeeded", "test", succeeded::add);
        engine.bus().subscribe("result.probe.run.failed", "test", failed::add);
        engine.start();
    }

    private void start() {
        start(builder -> builder.scheduler(scheduler));
    }

    private void say(String id) {
        engine.publish(Event.builder("demo.said").id(id)
                .data(JSON.createObjectNode().put("text", "text of " + id)).build());
    }

    private void awaitIdle() throws InterruptedException {
        assertThat(engine.awaitIdle(WAIT)).as("engine idle").isTrue();
    }

    @Test
    void heldKey_actionDoesNotRunAndNothingIsDeadLetteredOrPublished() throws Exception {
        start();
        store.answer("ev-held", Claim.HELD);

        say("ev-held");
        say("ev-free");
        awaitIdle();

        assertThat(probe.invocations).extracting(ActionInvocation::triggerEventId)
                .containsExactly("ev-free");
        assertThat(started).extracting(ActionAttempt::idempotencyKey)
                .noneMatch(key -> key.contains("ev-held"));
        assertThat(engine.deadLetters().list()).isEmpty();
        assertThat(failed).isEmpty();
        assertThat(succeeded).extracting(event -> event.data().get("triggerEventId").asText())
                .containsExactly("ev-free");
        assertThat(store.begun()).filteredOn(key -> key.contains("ev-held")).hasSize(1);
        assertThat(store.completed()).noneMatch(key -> key.contains("ev-held"));
    }

    @Test
    void takenOverKey_runsOnceAndTellsTheActionItMayHaveRunBefore() throws Exception {
        start();
        store.answer("ev-taken", Claim.TAKEN_OVER);

        say("ev-taken");
        awaitIdle();

        assertThat(probe.invocations).singleElement().satisfies(invocation -> {
            assertThat(invocation.triggerEventId()).isEqualTo("ev-taken");
            assertThat(invocation.mayHaveRunBefore()).isTrue();
        });
        assertThat(succeeded).hasSize(1);
        assertThat(store.completed()).isEqualTo(store.begun()).hasSize(1);
    }

    @Test
    void firstAttempt_mayNotHaveRunBefore() throws Exception {
        start();

        say("ev-first");
        awaitIdle();

        assertThat(probe.invocations).extracting(ActionInvocation::mayHaveRunBefore)
                .containsExactly(false);
    }

    @Test
    void secondAttempt_mayHaveRunBefore() throws Exception {
        start();
        probe.script(Outcome.RETRYABLE);

        say("ev-retried");
        awaitIdle();

        assertThat(probe.invocations).extracting(ActionInvocation::mayHaveRunBefore)
                .containsExactly(false, true);
        assertThat(succeeded).singleElement().satisfies(result ->
                assertThat(result.data().get("attempts").asInt()).isEqualTo(2));
    }

    @Test
    void replayedDeadLetter_mayHaveRunBefore() throws Exception {
        start();
        probe.script(Outcome.PERMANENT);
        say("ev-replayed");
        awaitIdle();
        String letter = engine.deadLetters().list().get(0).id();

        assertThat(engine.replay(letter)).isTrue();
        awaitIdle();

        assertThat(probe.invocations).extracting(ActionInvocation::mayHaveRunBefore)
                .containsExactly(false, true);
        assertThat(succeeded).hasSize(1);
        assertThat(engine.deadLetters().list()).isEmpty();
    }

    @Test
    void success_completesTheKey() throws Exception {
        start();

        say("ev-ok");
        awaitIdle();

        assertThat(succeeded).hasSize(1);
        assertThat(store.calls).containsExactly("begin " + store.begun().get(0),
                "complete " + store.begun().get(0));
    }

    @Test
    void permanentFailure_completesTheKey() throws Exception {
        start();
        probe.script(Outcome.PERMANENT);

        say("ev-refused");
        awaitIdle();

        assertThat(engine.deadLetters().list()).singleElement().satisfies(letter ->
                assertThat(letter.reason()).isEqualTo(DeadLetter.Reason.PERMANENT_FAILURE));
        assertThat(store.calls).containsExactly("begin " + store.begun().get(0),
                "complete " + store.begun().get(0));
    }

    @Test
    void scheduledRetry_completesTheFailedAttemptsKeyBeforeTheRetryRuns() throws Exception {
        ManualSchedulerFixture manual = new ManualSchedulerFixture(
                new MutableClockFixture(Instant.parse("2026-01-01T00:00:00Z")));
        start(builder -> builder.scheduler(manual.process("engine")));
        probe.script(Outcome.RETRYABLE);

        say("ev-later");
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (store.calls.size() < 2) {
            assertThat(System.nanoTime()).as("first attempt done").isLessThan(deadline);
            Thread.sleep(5);
        }
        List<String> beforeRetry = List.copyOf(store.calls);
        manual.advance(Duration.ofMinutes(1));
        awaitIdle();

        assertThat(beforeRetry).hasSize(2);
        String first = store.begun().get(0);
        assertThat(beforeRetry).containsExactly("begin " + first, "complete " + first);
        assertThat(store.begun()).hasSize(2).doesNotHaveDuplicates();
        assertThat(store.completed()).isEqualTo(store.begun());
        assertThat(probe.invocations).hasSize(2);
    }

    @Test
    void busHoldingDelayedEvents_getsTheRetryWithItsDelayAndTheSchedulerNothing()
            throws Exception {
        HoldingBus bus = new HoldingBus();
        start(builder -> builder.bus(bus).scheduler(scheduler));
        probe.script(Outcome.RETRYABLE);
        probe.retryAfter = Duration.ofMinutes(5);

        say("ev-held-by-bus");
        assertThat(bus.awaitDelivered(WAIT)).isTrue();

        assertThat(engine.awaitIdle(Duration.ZERO)).as("idle with a retry held").isFalse();
        assertThat(bus.held).singleElement().satisfies(held -> {
            assertThat(held.topic()).isEqualTo("action.probe.probe-recipe");
            assertThat(held.delay()).isEqualTo(Duration.ofMinutes(5));
            assertThat(held.event().data().get("attempt").asInt()).isEqualTo(2);
        });
        assertThat(probe.invocations).hasSize(1);
        bus.releaseHeld();
        awaitIdle();
        assertThat(probe.invocations).extracting(ActionInvocation::mayHaveRunBefore)
                .containsExactly(false, true);
        assertThat(succeeded).singleElement().satisfies(result ->
                assertThat(result.data().get("attempts").asInt()).isEqualTo(2));
        assertThat(scheduler.scheduled).hasValue(0);
    }

    @Test
    void busRefusingToHoldTheRetry_leavesItOnTheEngineScheduler() throws Exception {
        HoldingBus bus = new HoldingBus();
        bus.refuse = true;
        start(builder -> builder.bus(bus).scheduler(scheduler));
        probe.script(Outcome.RETRYABLE);

        say("ev-refused-by-bus");
        awaitIdle();

        assertThat(bus.held).isEmpty();
        assertThat(scheduler.scheduled).hasValue(1);
        assertThat(probe.invocations).extracting(ActionInvocation::mayHaveRunBefore)
                .containsExactly(false, true);
        assertThat(succeeded).hasSize(1);
    }

    @Test
    void actionLease_isTheLeaseEveryAttemptBeginsWith() throws Exception {
        start(builder -> builder.scheduler(scheduler).actionLease(Duration.ofSeconds(42)));
        probe.script(Outcome.RETRYABLE);

        say("ev-leased");
        awaitIdle();

        assertThat(store.leases).hasSize(2).containsOnly(Duration.ofSeconds(42));
    }

    @Test
    void actionLease_isTwoMinutesByDefault() throws Exception {
        start();

        say("ev-default-lease");
        awaitIdle();

        assertThat(store.leases).containsExactly(Duration.ofMinutes(2));
    }

    @Test
    void builder_rejectsAZeroOrNegativeActionLease() {
        RecipeEngine.Builder builder = RecipeEngine.builder();

        assertThatThrownBy(() -> builder.actionLease(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("action lease").hasMessageContaining("PT0S");
        assertThatThrownBy(() -> builder.actionLease(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("action lease").hasMessageContaining("PT-1S");
    }

    @Test
    void builder_rejectsASecondLeaseStoreNamingTheFirst() {
        LeaseStore first = LeaseStore.inMemory(Clock.systemUTC());
        RecipeEngine.Builder builder = RecipeEngine.builder().leases(first);

        assertThatThrownBy(() -> builder.leases(LeaseStore.inMemory(Clock.systemUTC())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("leases").hasMessageContaining(first.toString());
    }

    private enum Outcome { RETRYABLE, PERMANENT }

    /** One action that records each invocation and fails as scripted, then succeeds. */
    private static final class ProbeService implements Service {

        final List<ActionInvocation> invocations = new CopyOnWriteArrayList<>();
        private final Queue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
        volatile Duration retryAfter;

        void script(Outcome... next) {
            outcomes.addAll(List.of(next));
        }

        @Override
        public String id() {
            return "probe";
        }

        @Override
        public List<Action> actions() {
            return List.of(new Action() {
                @Override
                public String name() {
                    return "run";
                }

                @Override
                public JsonNode execute(ActionInvocation invocation) {
                    invocations.add(invocation);
                    Outcome outcome = outcomes.poll();
                    if (outcome == Outcome.RETRYABLE) {
                        throw ActionException.retryable("probe: unavailable", retryAfter, null);
                    }
                    if (outcome == Outcome.PERMANENT) {
                        throw ActionException.permanent("probe: refused", null);
                    }
                    return JSON.createObjectNode().put("ran", invocation.requireText("text"));
                }
            });
        }
    }

    /**
     * An in-memory store that answers a scripted claim for the first key naming a chosen event,
     * and records every call it gets.
     */
    private static final class ScriptedStore implements IdempotencyStore {

        final List<String> calls = new CopyOnWriteArrayList<>();
        final List<Duration> leases = new CopyOnWriteArrayList<>();
        private final IdempotencyStore inner = IdempotencyStore.inMemory(1_000,
                Duration.ofHours(1), Clock.systemUTC());
        private final Map<String, Claim> scripted = new ConcurrentHashMap<>();

        void answer(String eventId, Claim claim) {
            scripted.put(eventId, claim);
        }

        List<String> begun() {
            return withPrefix("begin ");
        }

        List<String> completed() {
            return withPrefix("complete ");
        }

        private List<String> withPrefix(String prefix) {
            List<String> keys = new ArrayList<>();
            calls.stream().filter(call -> call.startsWith(prefix))
                    .forEach(call -> keys.add(call.substring(prefix.length())));
            return keys;
        }

        @Override
        public boolean claim(String key) {
            calls.add("claim " + key);
            return inner.claim(key);
        }

        @Override
        public void release(String key) {
            calls.add("release " + key);
            inner.release(key);
        }

        @Override
        public Claim begin(String key, Duration lease) {
            calls.add("begin " + key);
            leases.add(lease);
            for (Map.Entry<String, Claim> entry : scripted.entrySet()) {
                if (key.contains(entry.getKey()) && scripted.remove(entry.getKey()) != null) {
                    if (entry.getValue() == Claim.TAKEN_OVER) {
                        inner.claim(key);
                    }
                    return entry.getValue();
                }
            }
            return inner.begin(key, lease);
        }

        @Override
        public void complete(String key) {
            calls.add("complete " + key);
            inner.complete(key);
        }
    }

    /** An event held by {@link HoldingBus} until the test lets its delay pass. */
    private record Held(String topic, Event event, Duration delay) {
    }

    /**
     * An in-memory bus that holds delayed events itself, until the test releases them; or
     * refuses to, as a bus without room would.
     */
    private static final class HoldingBus implements EventBus {

        final List<Held> held = new CopyOnWriteArrayList<>();
        volatile boolean refuse;
        private final EventBus inner = EventBus.inMemory();

        @Override
        public void publish(String topic, Event event) {
            inner.publish(topic, event);
        }

        @Override
        public boolean holdsDelayedEvents() {
            return true;
        }

        @Override
        public void publishLater(String topic, Event event, Duration delay) {
            if (refuse) {
                throw new EventRejectedException("test bus: no room to hold event '"
                        + event.id() + "'", Duration.ofSeconds(1));
            }
            held.add(new Held(topic, event, delay));
        }

        /** Publishes what is held, as if every delay had passed. */
        void releaseHeld() {
            for (Held each : held) {
                inner.publish(each.topic(), each.event());
            }
            held.clear();
        }

        @Override
        public Subscription subscribe(String topic, String group, EventHandler handler) {
            return inner.subscribe(topic, group, handler);
        }

        /** Waits until every event published so far is handled; held ones do not count. */
        boolean awaitDelivered(Duration timeout) throws InterruptedException {
            return inner.awaitIdle(timeout);
        }

        // An event held is work still to do: the bus is not idle until the test releases it.
        @Override
        public boolean awaitIdle(Duration timeout) throws InterruptedException {
            return inner.awaitIdle(timeout) && held.isEmpty();
        }

        @Override
        public boolean close(Duration deadline) {
            return inner.close(deadline);
        }
    }

    /** A real scheduler that counts what is scheduled on it. */
    private static final class CountingScheduler extends ScheduledThreadPoolExecutor {

        final AtomicInteger scheduled = new AtomicInteger();

        CountingScheduler() {
            super(1);
        }

        @Override
        public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
            scheduled.incrementAndGet();
            return super.schedule(command, delay, unit);
        }

        @Override
        public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay,
                TimeUnit unit) {
            scheduled.incrementAndGet();
            return super.schedule(callable, delay, unit);
        }
    }
}
