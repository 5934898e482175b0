package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.Service;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Schedules in running engines, with time moved by hand: engines that share a lease store and
 * an idempotency store stand for processes that share Redis, and each has its own scheduler
 * on one clock, so the test can close one or let it die.
 */
final class ScheduledRecipeTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String DAY = "2026-05-01T";
    private static final Schedule MINUTELY = Schedule.every("minutely", Duration.ofMinutes(1));

    private final MutableClockFixture clock = new MutableClockFixture(at("10:00:30"));
    private final ManualSchedulerFixture scheduler = new ManualSchedulerFixture(clock);
    private final LeaseStore leases = LeaseStore.inMemory(clock);
    private final IdempotencyStore idempotency =
            IdempotencyStore.inMemory(1_000, Duration.ofHours(1), clock);
    private final List<String> written = new CopyOnWriteArrayList<>();
    private final Map<String, RecipeEngine> engines = new LinkedHashMap<>();

    /** A tick an engine fired: the event's id and the clock when it was published. */
    private record Fired(String id, Instant at) {
    }

    @AfterEach
    void closeEngines() {
        engines.values().forEach(RecipeEngine::close);
    }

    private static Instant at(String time) {
        return Instant.parse(DAY + time + "Z");
    }

    private static Fired tick(String schedule, String tick, String firedAt) {
        return new Fired(schedule + "@" + DAY + tick + "Z", at(firedAt));
    }

    private static Recipe note(String id, Schedule schedule) {
        return Recipe.named(id).when(schedule)
                .then(ActionStep.of("notes", "write").param("text", Mapping.of(event ->
                        id + " " + event.data().get("scheduledAt").asText())).build())
                .build();
    }

    private List<Fired> start(String process, Recipe... recipes) {
        return start(process, leases, EventBus.inMemory(), recipes);
    }

    /** Starts an engine standing for one process; returns the ticks it fires, as it fires. */
    private List<Fired> start(String process, LeaseStore leaseStore, EventBus bus,
            Recipe... recipes) {
        List<Fired> fired = new CopyOnWriteArrayList<>();
        RecipeEngine.Builder builder = RecipeEngine.builder().discoverServices(false)
                .service(new NotesService(written)).clock(clock)
                .scheduler(scheduler.process(process)).leases(leaseStore)
                .idempotency(idempotency).bus(bus)
                .listener(new EngineListener() {
                    @Override
                    public void eventReceived(Event event) {
                        fired.add(new Fired(event.id(), clock.instant()));
                    }
                });
        for (Recipe recipe : recipes) {
            builder.recipe(recipe);
        }
        RecipeEngine engine = builder.build();
        engines.put(process, engine);
        engine.start();
        return fired;
    }

    private void advance(Duration duration) throws InterruptedException {
        scheduler.advance(duration);
        for (RecipeEngine engine : engines.values()) {
            assertThat(engine.awaitIdle(WAIT)).isTrue();
        }
    }

    @Test
    void ticksFireAtAlignedInstantsWithDeterministicIds() throws Exception {
        List<Fired> fired = start("a", note("log", MINUTELY));

        advance(Duration.ofSeconds(150));

        assertThat(fired).containsExactly(
                tick("minutely", "10:00:00", "10:00:30"),
                tick("minutely", "10:01:00", "10:01:00"),
                tick("minutely", "10:02:00", "10:02:00"),
                tick("minutely", "10:03:00", "10:03:00"));
        assertThat(written).containsExactlyInAnyOrder(
                "log 2026-05-01T10:00:00Z", "log 2026-05-01T10:01:00Z",
                "log 2026-05-01T10:02:00Z", "log 2026-05-01T10:03:00Z");
    }

    @Test
    void offsetShiftsTheTicks() throws Exception {
        Schedule quarterPast = Schedule.every("quarter-past", Duration.ofMinutes(1))
                .offset(Duration.ofSeconds(15));
        List<Fired> fired = start("a", note("log", quarterPast));

        advance(Duration.ofSeconds(60));

        assertThat(fired).containsExactly(
                tick("quarter-past", "10:00:15", "10:00:30"),
                tick("quarter-past", "10:01:15", "10:01:15"));
    }

    @Test
    void recipesSharingAScheduleRunOncePerTickFromOneTimerAndOneLease() throws Exception {
        List<String> leaseNames = new CopyOnWriteArrayList<>();
        LeaseStore recording = new LeaseStore() {
            @Override
            public boolean acquire(String name, String holder, Duration ttl) {
                leaseNames.add(name);
                return leases.acquire(name, holder, ttl);
            }

            @Override
            public void release(String name, String holder) {
                leases.release(name, holder);
            }
        };
        List<Fired> fired = start("a", recording, EventBus.inMemory(),
                note("first", MINUTELY), note("second", MINUTELY));

        advance(Duration.ofSeconds(35));

        assertThat(fired).containsExactly(
                tick("minutely", "10:00:00", "10:00:30"),
                tick("minutely", "10:01:00", "10:01:00"));
        assertThat(written).containsExactlyInAnyOrder(
                "first 2026-05-01T10:00:00Z", "second 2026-05-01T10:00:00Z",
                "first 2026-05-01T10:01:00Z", "second 2026-05-01T10:01:00Z");
        // Renewed at 10:00:30, :40, :50 and 10:01:00, every third of the 30-second lease.
        assertThat(leaseNames).hasSize(4).containsOnly("schedule:minutely");
    }

    @Test
    void twoEnginesSharingLeasesFireEachTickOnOneOnly() throws Exception {
        List<Fired> firstFired = start("a", note("log", MINUTELY));
        List<Fired> secondFired = start("b", note("log", MINUTELY));

        advance(Duration.ofMinutes(3));

        assertThat(firstFired).extracting(Fired::id).containsExactly(
                "minutely@2026-05-01T10:00:00Z", "minutely@2026-05-01T10:01:00Z",
                "minutely@2026-05-01T10:02:00Z", "minutely@2026-05-01T10:03:00Z");
        assertThat(secondFired).isEmpty();
        assertThat(written).hasSize(4).doesNotHaveDuplicates();
    }

    @Test
    void closedHolderGivesUpItsLeaseAndTheOtherFiresOn() throws Exception {
        List<Fired> firstFired = start("a", note("log", MINUTELY));
        List<Fired> secondFired = start("b", note("log", MINUTELY));
        advance(Duration.ofSeconds(35));

        engines.get("a").close();
        advance(Duration.ofMinutes(2));

        assertThat(firstFired).containsExactly(
                tick("minutely", "10:00:00", "10:00:30"),
                tick("minutely", "10:01:00", "10:01:00"));
        // The lease was given up at 10:01:05; "b" takes it at its next try, 10:01:10, long
        // before it would have run out (10:01:30), and fires the latest tick it has not fired.
        assertThat(secondFired).containsExactly(
                tick("minutely", "10:01:00", "10:01:10"),
                tick("minutely", "10:02:00", "10:02:00"),
                tick("minutely", "10:03:00", "10:03:00"));
        assertThat(written).containsExactlyInAnyOrder(
                "log 2026-05-01T10:00:00Z", "log 2026-05-01T10:01:00Z",
                "log 2026-05-01T10:02:00Z", "log 2026-05-01T10:03:00Z");
    }

    @Test
    void deadHolderIsTakenOverOnceItsLeaseRunsOut() throws Exception {
        Schedule shortLease = MINUTELY.lease(Duration.ofSeconds(9));
        List<Fired> firstFired = start("a", note("log", shortLease));
        List<Fired> secondFired = start("b", note("log", shortLease));
        advance(Duration.ofSeconds(35));

        scheduler.kill("a");
        advance(Duration.ofMinutes(2));

        // The 10:00:00 tick was 30 seconds old at start, more than a lease and a third.
        assertThat(firstFired).containsExactly(tick("minutely", "10:01:00", "10:01:00"));
        // "a" last renewed at 10:01:03, every 3 seconds, so its lease ran out at 10:01:12.
        assertThat(secondFired).containsExactly(
                tick("minutely", "10:01:00", "10:01:12"),
                tick("minutely", "10:02:00", "10:02:00"),
                tick("minutely", "10:03:00", "10:03:00"));
        // The tick fired twice has one id, so its action ran once.
        assertThat(written).containsExactlyInAnyOrder(
                "log 2026-05-01T10:01:00Z", "log 2026-05-01T10:02:00Z",
                "log 2026-05-01T10:03:00Z");
    }

    @Test
    void takingTheLeaseFiresOnlyTheLatestTickDueAndOnlyIfItIsRecent() throws Exception {
        Schedule shortLease = MINUTELY.lease(Duration.ofSeconds(9));
        List<Fired> firstFired = start("a", note("log", shortLease));
        advance(Duration.ZERO);

        scheduler.kill("a");
        advance(Duration.ofMinutes(2).plusSeconds(35));
        List<Fired> secondFired = start("b", note("log", shortLease));
        advance(Duration.ZERO);

        // At 10:00:30 the 10:00:00 tick is older than a lease and a third: not made up.
        assertThat(firstFired).isEmpty();
        assertThat(secondFired).containsExactly(tick("minutely", "10:03:00", "10:03:05"));
    }

    @Test
    void holderFiresUntilItsLeaseRunsOutWhileTheStoreFailsAndGoesOnWhenItAnswers()
            throws Exception {
        FailingLeases failing = new FailingLeases(leases);
        Schedule longLease = MINUTELY.lease(Duration.ofSeconds(90));
        List<Fired> fired = start("a", failing, EventBus.inMemory(), note("log", longLease));
        advance(Duration.ofSeconds(15));

        failing.failing = true;
        advance(Duration.ofSeconds(85));
        failing.failing = false;
        advance(Duration.ofSeconds(30));

        // Held until 10:02:00 by the renewal at 10:00:30; renewed again at 10:02:30.
        assertThat(fired).containsExactly(
                tick("minutely", "10:00:00", "10:00:30"),
                tick("minutely", "10:01:00", "10:01:00"),
                tick("minutely", "10:02:00", "10:02:30"));
    }

    @Test
    void refusedTickIsTriedAgainASecondLater() throws Exception {
        List<Fired> fired = start("a", leases, new RefusingBus(2), note("log", MINUTELY));

        advance(Duration.ofSeconds(5));

        assertThat(fired).containsExactly(tick("minutely", "10:00:00", "10:00:32"));
        assertThat(written).containsExactly("log 2026-05-01T10:00:00Z");
    }

    @Test
    void closedEngineFiresNoMoreAndHoldsNoLease() throws Exception {
        List<Fired> fired = start("a", note("log", MINUTELY));
        advance(Duration.ZERO);

        engines.get("a").close();
        boolean free = leases.acquire("schedule:minutely", "someone else", Duration.ofSeconds(1));
        advance(Duration.ofMinutes(2));

        assertThat(free).isTrue();
        assertThat(fired).containsExactly(tick("minutely", "10:00:00", "10:00:30"));
    }

    @Test
    void firesOnTheEnginesOwnSchedulerAndClock() throws Exception {
        CountDownLatch twoTicks = new CountDownLatch(2);
        List<Instant> ticks = new CopyOnWriteArrayList<>();
        RecipeEngine engine = RecipeEngine.builder().discoverServices(false)
                .service(new NotesService(written))
                .recipe(note("log", Schedule.every("second", Duration.ofSeconds(1))))
                .listener(new EngineListener() {
                    @Override
                    public void eventReceived(Event event) {
                        ticks.add(event.time());
                        twoTicks.countDown();
                    }
                })
                .build();
        engines.put("real", engine);

        engine.start();

        assertThat(twoTicks.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(ticks.get(0).getNano()).isZero();
        assertThat(ticks.get(1)).isEqualTo(ticks.get(0).plusSeconds(1));
    }

    @Test
    void recipesWithDifferentSchedulesOfOneNameAreRejected() {
        RecipeEngine.Builder builder = RecipeEngine.builder().discoverServices(false)
                .service(new NotesService(written))
                .recipe(note("hourly", Schedule.every("report", Duration.ofHours(1))))
                .recipe(note("daily", Schedule.every("report", Duration.ofDays(1))));

        assertThatThrownBy(builder::build)
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("recipe 'daily': Schedule.every(\"report\", PT24H) differs from "
                        + "Schedule.every(\"report\", PT1H) of recipe 'hourly'; recipes that "
                        + "share a schedule name share its timer, so give them the same "
                        + "schedule");
    }

    /** Writes its text parameter to a list. */
    private static final class NotesService implements Service {

        private final List<String> written;

        NotesService(List<String> written) {
            this.written = written;
        }

        @Override
        public String id() {
            return "notes";
        }

        @Override
        public List<Action> actions() {
            return List.of(new Action() {
                @Override
                public String name() {
                    return "write";
                }

                @Override
                public JsonNode execute(ActionInvocation invocation) {
                    written.add(invocation.requireText("text"));
                    return JsonNodeFactory.instance.objectNode();
                }
            });
        }
    }

    /** A lease store that throws while {@link #failing} is set, as an unreachable one would. */
    private static final class FailingLeases implements LeaseStore {

        private final LeaseStore delegate;
        volatile boolean failing;

        FailingLeases(LeaseStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public boolean acquire(String name, String holder, Duration ttl) {
            if (failing) {
                throw new IllegalStateException("lease store: unreachable");
            }
            return delegate.acquire(name, holder, ttl);
        }

        @Override
        public void release(String name, String holder) {
            delegate.release(name, holder);
        }
    }

    /** An in-memory bus that refuses the first few schedule events, as a full one would. */
    private static final class RefusingBus implements EventBus {

        private final EventBus delegate = EventBus.inMemory();
        private final AtomicInteger refusals;

        RefusingBus(int refusals) {
            this.refusals = new AtomicInteger(refusals);
        }

        @Override
        public void publish(String topic, Event event) {
            if (topic.startsWith("trigger.schedule.") && refusals.getAndDecrement() > 0) {
                throw new EventRejectedException("bus: full", Duration.ofSeconds(1));
            }
            delegate.publish(topic, event);
        }

        @Override
        public Subscription subscribe(String topic, String group, EventHandler handler) {
            return delegate.subscribe(topic, group, handler);
        }

        @Override
        public boolean close(Duration deadline) {
            return delegate.close(deadline);
        }

        @Override
        public boolean awaitIdle(Duration timeout) throws InterruptedException {
            return delegate.awaitIdle(timeout);
        }
    }
}
