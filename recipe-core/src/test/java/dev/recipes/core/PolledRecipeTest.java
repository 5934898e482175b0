package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.recipes.core.polling.PollException;
import dev.recipes.core.polling.PollRequest;
import dev.recipes.core.polling.PollResult;
import dev.recipes.core.polling.PollSource;
import dev.recipes.core.polling.PollState;
import dev.recipes.core.polling.PolledItem;
import dev.recipes.core.polling.PollingTrigger;
import dev.recipes.core.polling.StateStore;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.Service;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Polling triggers in running engines, with time moved by hand and a fake poll source whose
 * items the test sets: baselines, reordered and repeated items, backoff, restarts on a shared
 * state store, and engines sharing a lease store standing for processes sharing Redis.
 */
final class PolledRecipeTest {

    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Duration MINUTE = Duration.ofMinutes(1);
    private static final Instant START = Instant.parse("2026-05-01T10:00:00Z");
    private static final PollingTrigger INBOX = PollingTrigger.of("feed", "feed.item", "inbox",
            JsonNodeFactory.instance.objectNode().put("folder", "inbox")).jitter(Duration.ZERO);

    private final MutableClockFixture clock = new MutableClockFixture(START);
    private final ManualSchedulerFixture scheduler = new ManualSchedulerFixture(clock);
    private final LeaseStore leases = LeaseStore.inMemory(clock);
    private final StateStore state = StateStore.inMemory();
    private final IdempotencyStore idempotency =
            IdempotencyStore.inMemory(1_000, Duration.ofHours(1), clock);
    private final Feed feed = new Feed();
    private final List<String> written = new CopyOnWriteArrayList<>();
    private final List<String> published = new CopyOnWriteArrayList<>();
    private final Map<String, RecipeEngine> engines = new LinkedHashMap<>();

    /** One poll the source saw: which engine asked, when, and from which cursor. */
    private record Poll(String process, Instant at, String cursor) {
    }

    @AfterEach
    void closeEngines() {
        engines.values().forEach(RecipeEngine::close);
    }

    private static Recipe log(String id, PollingTrigger trigger) {
        return Recipe.named(id).when(trigger)
                .then(ActionStep.of("feed", "write").param("text", Mapping.of(event ->
                        id + " " + event.id())).build())
                .build();
    }

    private void start(String process, Recipe... recipes) throws InterruptedException {
        start(process, state, recipes);
    }

    private void start(String process, StateStore store, Recipe... recipes)
            throws InterruptedException {
        start(process, store, EventBus.inMemory(), recipes);
    }

    private void start(String process, StateStore store, EventBus bus, Recipe... recipes)
            throws InterruptedException {
        RecipeEngine.Builder builder = RecipeEngine.builder().discoverServices(false).bus(bus)
                .service(new FeedService(process, feed, written)).clock(clock)
                .scheduler(scheduler.process(process)).leases(leases).state(store)
                .idempotency(idempotency)
                .listener(new EngineListener() {
                    @Override
                    public void eventReceived(Event event) {
                        published.add(event.id());
                    }
                });
        for (Recipe recipe : recipes) {
            builder.recipe(recipe);
        }
        RecipeEngine engine = builder.build();
        engines.put(process, engine);
        engine.start();
        advance(Duration.ZERO);
    }

    private void advance(Duration duration) throws InterruptedException {
        scheduler.advance(duration);
        for (RecipeEngine engine : engines.values()) {
            assertThat(engine.awaitIdle(WAIT)).isTrue();
        }
    }

    @Test
    void firstPollIsABaselineAndEachNewItemFiresOnce() throws Exception {
        feed.show("a", "b");
        start("one", log("log", INBOX));

        feed.show("a", "b", "c");
        advance(MINUTE);
        advance(MINUTE);
        advance(MINUTE);

        assertThat(written).containsExactly("log c");
        assertThat(feed.polls).extracting(Poll::at).containsExactly(START, START.plus(MINUTE),
                START.plusSeconds(120), START.plusSeconds(180));
    }

    @Test
    void reorderedAndRepeatedItemsFireOnce() throws Exception {
        feed.show("a");
        start("one", log("log", INBOX));

        feed.show("c", "b", "a", "b");
        advance(MINUTE);
        feed.show("b", "a", "c", "d", "c");
        advance(MINUTE);

        assertThat(published).containsExactly("c", "b", "d");
        assertThat(written).containsExactlyInAnyOrder("log c", "log b", "log d");
    }

    @Test
    void backfillFiresWhatTheFirstPollFinds() throws Exception {
        feed.show("a", "b");

        start("one", log("log", INBOX.backfill()));
        advance(MINUTE);

        assertThat(published).containsExactly("a", "b");
        assertThat(written).containsExactlyInAnyOrder("log a", "log b");
    }

    @Test
    void failedPollsBackOffExponentiallyAndKeepTheCursor() throws Exception {
        feed.show("a");
        start("one", log("log", INBOX));
        feed.failNext(new IllegalStateException("feed down"), new IllegalStateException("down"),
                new IllegalStateException("down"));
        feed.show("a", "b");

        advance(Duration.ofMinutes(16));

        // Failed at 10:01, then 10:03 (after 2 minutes), 10:07 (4), and worked at 10:15 (8).
        assertThat(feed.polls).extracting(Poll::at).containsExactly(START, at(1), at(3), at(7),
                at(15), at(16));
        assertThat(feed.polls).extracting(Poll::cursor)
                .containsExactly(null, "c1", "c1", "c1", "c1", "c5");
        assertThat(written).containsExactly("log b");
    }

    @Test
    void delayTheSourceAsksForIsHonoured() throws Exception {
        start("one", log("log", INBOX));
        feed.failNext(new PollException("feed: rate limited", Duration.ofMinutes(10), null));

        advance(Duration.ofMinutes(12));

        assertThat(feed.polls).extracting(Poll::at).containsExactly(START, at(1), at(11),
                at(12));
    }

    @Test
    void restartedEngineResumesFromTheStoredStateWithoutRefiringOrMissing() throws Exception {
        feed.show("a");
        start("first", log("log", INBOX));
        feed.show("a", "b");
        advance(MINUTE);
        engines.remove("first").close();

        feed.show("a", "b", "c");
        advance(MINUTE);
        start("second", log("log", INBOX));

        assertThat(feed.polls).extracting(Poll::process, Poll::cursor).containsExactly(
                tuple("first", null),
                tuple("first", "c1"),
                tuple("second", "c2"));
        assertThat(written).containsExactlyInAnyOrder("log b", "log c");
        assertThat(state.load(INBOX.stateKey())).get().extracting(PollState::cursor)
                .isEqualTo("c3");
    }

    @Test
    void newEngineOnAnEmptyStoreSetsABaselineAgain() throws Exception {
        feed.show("a");
        start("first", log("log", INBOX));
        engines.remove("first").close();
        feed.show("a", "b");

        start("second", StateStore.inMemory(), log("log", INBOX));

        assertThat(written).isEmpty();
    }

    @Test
    void twoEnginesSharingALeaseStorePollOnOneOnlyAndTheOtherTakesOver() throws Exception {
        feed.show("a");
        start("first", log("log", INBOX));
        start("second", log("log", INBOX));
        feed.show("a", "b");
        advance(Duration.ofMinutes(2));

        engines.remove("first").close();
        feed.show("a", "b", "c");
        advance(Duration.ofMinutes(2));

        // "second" takes the given-up lease at its next renewal, 10:02:10, and polls at once.
        assertThat(feed.polls).extracting(Poll::process, Poll::at).containsExactly(
                tuple("first", at(0)), tuple("first", at(1)), tuple("first", at(2)),
                tuple("second", at(2).plusSeconds(10)), tuple("second", at(3).plusSeconds(10)));
        assertThat(written).containsExactly("log b", "log c");
    }

    @Test
    void seenKeysAreBoundedAndTheLeastRecentlySeenAreForgotten() throws Exception {
        feed.show("a", "b");
        start("one", log("log", INBOX.maxSeenKeys(3)));

        feed.show("b", "c", "d");
        advance(MINUTE);

        assertThat(state.load(INBOX.stateKey())).get().extracting(PollState::seenKeys)
                .isEqualTo(List.of("b", "c", "d"));
    }

    @Test
    void stateNotSavedAfterPublishingRepublishesAndActionsRunOnce() throws Exception {
        FailingState failing = new FailingState();
        feed.show("a");
        start("one", failing, log("log", INBOX));

        failing.failing = true;
        feed.show("a", "b");
        advance(MINUTE);
        engines.remove("one").close();
        failing.failing = false;
        start("two", failing, log("log", INBOX));

        assertThat(published).containsExactly("b", "b");
        assertThat(written).containsExactly("log b");
    }

    @Test
    void itemTheBusRefusesIsPublishedOnAQuickRetryFromTheSameCursor() throws Exception {
        RefusingBus bus = new RefusingBus();
        feed.show("a");
        start("one", state, bus, log("log", INBOX));
        feed.show("a", "b", "c");
        bus.refuseAfter = 1;

        advance(MINUTE);
        advance(Duration.ofSeconds(1));

        assertThat(published).containsExactly("b", "c");
        assertThat(feed.polls).extracting(Poll::at, Poll::cursor).containsExactly(
                tuple(START, null), tuple(at(1), "c1"), tuple(at(1).plusSeconds(1), "c1"));
        assertThat(written).containsExactlyInAnyOrder("log b", "log c");
    }

    @Test
    void recipesOnTwoSourcesOfOneEventTypeEachSeeTheirOwn() throws Exception {
        PollingTrigger archive = PollingTrigger.of("feed", "feed.item", "archive",
                JsonNodeFactory.instance.objectNode()).jitter(Duration.ZERO);
        start("one", log("inbox-log", INBOX), log("archive-log", archive));

        feed.show("x");
        advance(MINUTE);

        assertThat(written).containsExactlyInAnyOrder("inbox-log x", "archive-log x");
    }

    @Test
    void recipesSharingASourcePollItOnce() throws Exception {
        start("one", log("first", INBOX), log("second", INBOX));

        feed.show("x");
        advance(MINUTE);

        assertThat(feed.polls).hasSize(2);
        assertThat(written).containsExactlyInAnyOrder("first x", "second x");
    }

    @Test
    void engineRefusesAPollingTriggerOfAServiceThatDoesNotPoll() {
        PollingTrigger other = PollingTrigger.of("quiet", "quiet.item", "x",
                JsonNodeFactory.instance.objectNode());
        Service quiet = () -> "quiet";
        RecipeEngine.Builder builder = RecipeEngine.builder().discoverServices(false)
                .service(quiet).service(new FeedService("one", feed, written))
                .recipe(log("log", other));

        assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("recipe 'log': service 'quiet' has no poll source");
    }

    @Test
    void engineRefusesRecipesThatPollOneSourceWithDifferentSettings() {
        RecipeEngine.Builder builder = RecipeEngine.builder().discoverServices(false)
                .service(new FeedService("one", feed, written))
                .recipe(log("first", INBOX))
                .recipe(log("second", INBOX.every(Duration.ofMinutes(2))));

        assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("recipe 'second': " + INBOX + " differs from the trigger "
                        + "of recipe 'first' on the same source");
    }

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> INBOX.every(Duration.ofMillis(500)))
                .hasMessageContaining("interval PT0.5S must be from 1 second to 1 day");
        assertThatThrownBy(() -> INBOX.every(MINUTE).jitter(Duration.ofMinutes(2)))
                .hasMessageContaining("must be from zero to the interval PT1M");
        assertThatThrownBy(() -> INBOX.maxSeenKeys(0)).hasMessageContaining("max seen keys 0");
        assertThatThrownBy(() -> PollingTrigger.of("feed", "feed.item", "a\nb",
                JsonNodeFactory.instance.objectNode())).hasMessageContaining("control");
        assertThatThrownBy(() -> PolledItem.of("", null)).hasMessageContaining("key of 0");
        assertThat(INBOX.as("work").sourceUri()).hasToString("/poll/feed/work/inbox");
        assertThat(PollingTrigger.of("feed", "t", "1A/'My Log'!A:D#x",
                JsonNodeFactory.instance.objectNode()).sourceUri())
                .hasToString("/poll/feed/default/1A/'My%20Log'!A:D%23x");
    }

    private static Instant at(int minutes) {
        return START.plus(Duration.ofMinutes(minutes));
    }

    /** The items a source shows, the polls it saw, and failures to throw. */
    private final class Feed {

        final List<Poll> polls = new CopyOnWriteArrayList<>();
        private final Deque<RuntimeException> failures = new ArrayDeque<>();
        private volatile List<String> keys = List.of();

        void show(String... shown) {
            keys = List.of(shown);
        }

        synchronized void failNext(RuntimeException... next) {
            failures.addAll(List.of(next));
        }

        synchronized PollResult poll(String process, PollRequest request) {
            polls.add(new Poll(process, clock.instant(), request.cursor().orElse(null)));
            RuntimeException failure = failures.poll();
            if (failure != null) {
                throw failure;
            }
            String folder = request.trigger().params().path("folder").asText("none");
            return PollResult.of(keys.stream().map(key -> PolledItem.of(key,
                    JsonNodeFactory.instance.objectNode().put("folder", folder))).toList(),
                    "c" + polls.size());
        }
    }

    /** A service with a poll source over the feed and a {@code write} action. */
    private static final class FeedService implements Service {

        private final String process;
        private final Feed feed;
        private final List<String> written;

        FeedService(String process, Feed feed, List<String> written) {
            this.process = process;
            this.feed = feed;
            this.written = written;
        }

        @Override
        public String id() {
            return "feed";
        }

        @Override
        public Optional<PollSource> pollSource() {
            return Optional.of(request -> feed.poll(process, request));
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

    /** An in-memory bus that refuses one trigger event after {@link #refuseAfter} more. */
    private static final class RefusingBus implements EventBus {

        private final EventBus delegate = EventBus.inMemory();
        volatile int refuseAfter = -1;

        @Override
        public void publish(String topic, Event event) {
            if (topic.startsWith("trigger.") && refuseAfter >= 0 && refuseAfter-- == 0) {
                throw new EventRejectedException("bus: full", Duration.ofSeconds(1));
            }
            delegate.publish(topic, event);
        }

        @Override
        public Subscription subscribe(String topic, String group, EventHandler handler) {
            return delegate.subscribe(topic, group, handler);
        }

        @Override
        public boolean awaitIdle(Duration timeout) throws InterruptedException {
            return delegate.awaitIdle(timeout);
        }

        @Override
        public boolean close(Duration deadline) {
            return delegate.close(deadline);
        }
    }

    /** A state store that fails to save while {@link #failing} is set. */
    private static final class FailingState implements StateStore {

        private final StateStore delegate = StateStore.inMemory();
        volatile boolean failing;

        @Override
        public Optional<PollState> load(String key) {
            return delegate.load(key);
        }

        @Override
        public void save(String key, PollState state) {
            if (failing) {
                throw new IllegalStateException("state store unreachable");
            }
            delegate.save(key, state);
        }

        @Override
        public boolean delete(String key) {
            return delegate.delete(key);
        }
    }
}
