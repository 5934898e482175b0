package dev.recipes.testkit.bus;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.recipes.core.DeliveryDeferredException;
import dev.recipes.core.Event;
import dev.recipes.core.EventBus;
import dev.recipes.core.EventHandler;
import dev.recipes.core.EventRejectedException;
import dev.recipes.core.Subscription;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract every {@link EventBus} keeps, as JUnit 5 tests that an adapter's test class
 * inherits.
 *
 * <p>To check a bus adapter, extend this class in the adapter's tests and implement
 * {@link #newBus()}. Every test asks for the buses it needs, and the suite closes them all after
 * the test. Then say what the bus can do by overriding the hooks:
 *
 * <ul>
 *   <li>{@link #newBusSharingBrokerWith(EventBus)}: a second bus on the broker of the first, as
 *       another process would make it. Without it the tests across two buses are skipped, as
 *       they should be for a bus that lives in one process.
 *   <li>{@link #redeliversFailedEvents()}: {@code true} for a bus that delivers again what a
 *       handler did not acknowledge; the redelivery tests are skipped otherwise.
 *   <li>{@link #redeliveryWait()}, {@link #deliveryTimeout()} and {@link #publishLaterDelay()}:
 *       how long the suite waits, so that a bus with claim timeouts or polling can pass.
 * </ul>
 *
 * <p>The tests of {@link EventBus#publishLater} run when {@link EventBus#holdsDelayedEvents()}
 * is {@code true} for the bus. A durable adapter's test could read:
 *
 * <pre>{@code
 * final class AcmeEventBusContractTest extends EventBusContract {
 *
 *     @Override
 *     protected EventBus newBus() {
 *         return AcmeEventBus.connect(BROKER, "test:" + UUID.randomUUID() + ":");
 *     }
 *
 *     @Override
 *     protected EventBus newBusSharingBrokerWith(EventBus first) {
 *         return AcmeEventBus.connect(BROKER, ((AcmeEventBus) first).keyPrefix());
 *     }
 *
 *     @Override
 *     protected boolean redeliversFailedEvents() {
 *         return true;
 *     }
 *
 *     @Override
 *     protected Duration redeliveryWait() {
 *         return Duration.ofSeconds(3); // the claim timeout the buses above use, and some
 *     }
 * }
 * }</pre>
 *
 * <p>What the suite takes for granted: a group gets the events published after
 * {@link EventBus#subscribe} returned; topic names are made of lower-case letters, digits, dots
 * and dashes, and are new in every test; event ids are new in every test. The suite never
 * sleeps: it waits on conditions with deadlines, so a passing run takes about as long as the bus
 * takes to deliver. The adapter's tests need JUnit Jupiter on their class path, which the
 * testkit does not bring.
 */
public abstract class EventBusContract {

    private static final URI SOURCE = URI.create("/recipes/contract");
    private static final String TYPE = "dev.recipes.contract";
    /** How long a wrong behaviour gets to show where the right one shows nothing. */
    private static final Duration MISBEHAVIOUR_WINDOW = Duration.ofMillis(200);
    /** A deadline a handler that blocks is sure to outlast. */
    private static final Duration SHORT_DEADLINE = Duration.ofMillis(200);
    /** How much earlier than its delay a delayed event may arrive, for clock granularity. */
    private static final Duration TIMER_SLACK = Duration.ofMillis(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Equal numbers are equal whatever node type holds them: {@code 1000} and {@code 1e3}. */
    private static final Comparator<JsonNode> NUMBERS_BY_VALUE = (left, right) ->
            left.isNumber() && right.isNumber()
                    ? left.decimalValue().compareTo(right.decimalValue())
                    : left.equals(right) ? 0 : 1;
    private static final String RICH_DATA = """
            {
              "text": "Gr\\u00fc\\u00dfe \\u4e16\\u754c \\ud83c\\udf89 \\"quoted\\" back\\\\slash",
              "controls": "line\\nbreak\\ttab\\r\\u2028\\u0001",
              "rtl": "\\u0645\\u0631\\u062d\\u0628\\u0627",
              "combining": "e\\u0301",
              "empty": "",
              "nothing": null,
              "numbers": [0, -7, 3.25, 1e3, 12345678901234567890, 9007199254740993],
              "flags": [true, false],
              "nested": {"thread": {"replies": [{"user": "U0001", "reactions": []}, {}]}}
            }
            """;

    private final List<EventBus> openBuses = new CopyOnWriteArrayList<>();
    private final List<CountDownLatch> releases = new CopyOnWriteArrayList<>();
    private String run;

    /** Creates the suite; subclasses implement {@link #newBus()}. */
    protected EventBusContract() {
    }

    /**
     * Returns a new bus, open, that sees none of the events of the other buses this method
     * returned. The suite closes it after the test.
     *
     * @return a new bus
     */
    protected abstract EventBus newBus();

    /**
     * Returns a new bus on the same broker as {@code first}, as another process would make it:
     * the two share topics and groups. The default skips the test, for buses that live in one
     * process.
     *
     * @param first a bus that {@link #newBus()} returned
     * @return a second bus, which the suite closes after the test
     */
    protected EventBus newBusSharingBrokerWith(EventBus first) {
        return Assumptions.abort(first.getClass().getName() + " lives in one process; override "
                + "newBusSharingBrokerWith to test buses that share a broker");
    }

    /**
     * Tells whether the bus delivers an event again when a handler threw on it.
     *
     * @return {@code false} by default, as for the in-memory bus
     */
    protected boolean redeliversFailedEvents() {
        return false;
    }

    /**
     * Returns how long the bus may take to deliver an event again after a handler threw on it,
     * or after a subscriber that had taken it left.
     *
     * @return 10 seconds by default
     */
    protected Duration redeliveryWait() {
        return Duration.ofSeconds(10);
    }

    /**
     * Returns how long the suite waits for an event it expects; tests that pass wait much less.
     *
     * @return 10 seconds by default
     */
    protected Duration deliveryTimeout() {
        return Duration.ofSeconds(10);
    }

    /**
     * Returns the delay the tests of {@link EventBus#publishLater} ask for; make it longer than
     * the granularity with which the bus releases delayed events.
     *
     * @return 500 milliseconds by default
     */
    protected Duration publishLaterDelay() {
        return Duration.ofMillis(500);
    }

    @BeforeEach
    final void startRun() {
        run = UUID.randomUUID().toString().substring(0, 8);
    }

    @AfterEach
    final void closeBuses() {
        releases.forEach(CountDownLatch::countDown);
        List<EventBus> buses = new ArrayList<>(openBuses);
        Collections.reverse(buses);
        RuntimeException failure = null;
        for (EventBus bus : buses) {
            try {
                bus.close(deliveryTimeout());
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        openBuses.clear();
        releases.clear();
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * An event keeps every attribute on its way through the bus: id, source, type, subject,
     * time, content type, and data with unicode, control characters and nested JSON.
     *
     * @throws Exception if waiting is interrupted
     */
    @Test
    public void eventArrivesWithEveryAttribute() throws Exception {
        EventBus bus = bus();
        String topic = topic("round-trip");
        Inbox inbox = new Inbox();
        bus.subscribe(topic, "receiver", inbox);
        Event rich = new Event(run + "-rich-\u00fc\u2713",
                URI.create("https://hooks.example.com/acme?team=T0%20X&x=%C3%BC"),
                TYPE + ".round-trip", "channel C0/\u00fc thread 1712345678.000100",
                Instant.parse("2026-05-01T12:34:56.123456789Z"), "application/json",
                json(RICH_DATA));
        Event bare = new Event(run + "-bare", URI.create("urn:recipes:contract"), TYPE + ".bare",
                null, null, "application/vnd.recipes.contract+json", null);

        bus.publish(topic, rich);
        bus.publish(topic, bare);

        awaitIds(inbox, List.of(rich.id(), bare.id()), deliveryTimeout(), "group 'receiver'");
        assertArrivedIntact(rich, received(inbox, rich.id()));
        assertArrivedIntact(bare, received(inbox, bare.id()));
    }

    /**
     * Every group subscribed to a topic gets each event published on it, once.
     *
     * @throws Exception if waiting is interrupted
     */
    @Test
    public void everyGroupGetsEachEvent() throws Exception {
        EventBus bus = bus();
        String topic = topic("fan-out");
        Map<String, Inbox> groups = new LinkedHashMap<>();
        for (String group : List.of("audit", "notify", "index")) {
            groups.put(group, new Inbox());
            bus.subscribe(topic, group, groups.get(group));
        }

        List<String> ids = publish(bus, topic, "fan-out", 10);

        for (Map.Entry<String, Inbox> group : groups.entrySet()) {
            awaitIds(group.getValue(), ids, deliveryTimeout(), "group '" + group.getKey() + "'");
        }
        settle(bus);
        for (Map.Entry<String, Inbox> group : groups.entrySet()) {
            assertEachOnce(ids, group.getValue().ids(), "group '" + group.getKey() + "'");
        }
    }

    /**
     * Within a group, each event goes to exactly one of several subscribers, and every event is
     * delivered.
     *
     * @throws Exception if waiting is interrupted
     */
    @Test
    public void subscribersInOneGroupCompeteForEachEvent() throws Exception {
        EventBus bus = bus();
        String topic = topic("competing");
        Inbox group = new Inbox();
        List<AtomicInteger> perSubscriber = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            AtomicInteger handled = new AtomicInteger();
            perSubscriber.add(handled);
            Subscription subscription = bus.subscribe(topic, "workers", event -> {
                handled.incrementAndGet();
                group.handle(event);
            });
            assertEquals(topic, subscription.topic(), "Subscription.topic()");
            assertEquals("workers", subscription.group(), "Subscription.group()");
        }

        List<String> ids = publish(bus, topic, "job", 40);

        awaitIds(group, ids, deliveryTimeout(), "group 'workers' of 4 subscribers");
        settle(bus);
        assertEachOnce(ids, group.ids(),
                "group 'workers' (events per subscriber: " + perSubscriber + ")");
    }

    /**
     * Events published on one topic reach only that topic's groups, even when a group of the
     * same name subscribes to a topic whose name starts with the first one's.
     *
     * @throws Exception if waiting is interrupted
     */
    @Test
    public void topicsAreSeparate() throws Exception {
        EventBus bus = bus();
        String orders = topic("orders");
        String ordersMore = orders + ".more";
        Inbox onOrders = new Inbox();
        Inbox onOrdersMore = new Inbox();
        bus.subscribe(orders, "same-group", onOrders);
        bus.subscribe(ordersMore, "same-group", onOrdersMore);

        List<String> orderIds = publish(bus, orders, "order", 5);
        List<String> moreIds = publish(bus, ordersMore, "more", 5);

        awaitIds(onOrders, orderIds, deliveryTimeout(), "topic '" + orders + "'");
        awaitIds(onOrdersMore, moreIds, deliveryTimeout(), "topic '" + ordersMore + "'");
        settle(bus);
        assertEachOnce(orderIds, onOrders.ids(), "topic '" + orders + "'");
        assertEachOnce(moreIds, onOrdersMore.ids(), "topic '" + ordersMore + "'");
    }

    /**
     * A group's only subscriber gets one publisher's events on a topic in the order they were
     * published.
     *
     * @throws Exception if waiting is interrupted
     */
    @Test
    public void oneSubscriberSeesOnePublishersEventsInOrder() throws Exception {
        EventBus bus = bus();
        String topic = topic("ordered");
        Inbox inbox = new Inbox();
        bus.subscribe(topic, "single", inbox);

        List<String> ids = publish(bus, topic, "step", 30);

        awaitIds(inbox, ids, deliveryTimeout(), "group 'single'");
        assertEquals(ids, inbox.ids(), "group 'single' should see the events in publish order");
    }

    /**
     * An event published on a topic that no group subscribes to is dropped: a group that
     * subscribes afterwards does not get it.
     *
     * @throws Exception if waiting is interrupted
     */
    @Test
    public void eventWithoutSubscribersIsDropped() throws Exception {
        EventBus bus = bus();
        String topic = topic("unheard");
        Event unheard = event("before-any-subscriber");
        bus.publish(topic, unheard);
        Inbox inbox = new Inbox();
        bus.subscribe(topic, "late", inbox);

        List<String> ids = publish(bus, topic, "after", 3);

        awaitIds(inbox, ids, deliveryTimeout(), "group 'late'");
        settle(bus);
        assertEquals(ids, inbox.ids(), "group 'late' subscribed after '" + unheard.id()
                + "' was published on a topic without subscribers, and should not get it");
    }

    /**
     * A handler that throws, with a checked or an unchecked exception, keeps getting the events
     * published after the one it failed on.
     *
     * @throws Exception if waiting is interrupted
     */
    @Test
    public void throwingHandlerKeepsGettingLaterEvents() throws Exception {
        EventBus bus = bus();
        String topic = topic("throwing");
        Inbox inbox = new Inbox();
        Set<String> failedOnce = ConcurrentHashMap.newKeySet();
        bus.subscribe(topic, "fragile", event -> {
            inbox.handle(event);
            if (event.id().contains("-fail-") && failedOnce.add(event.id())) {
                throw event.id().endsWith("checked")
                        ? new Exception("contract: handler fails on purpose")
                        : new IllegalStateException("contract: handler fails on purpose");
            }
        });

        bus.publish(topic, event("fail-checked"));
        List<String> first = publish(bus, topic, "ok-a", 2);
        bus.publish(topic, event("fail-unchecked"));
        List<String> second = publish(bus, topic, "ok-b", 2);

        List<String> good = new ArrayList<>(first);
        good.addAll(second);
        awaitIds(inbox, good, deliveryTimeout(), "group 'fragile' after its handler threw");
    }

    /**
     * With {@link #redeliversFailedEvents()}, a handler that threw on an event gets it again,
     * intact, while a group that acknowledged it does not.
     *
     * @throws Exception if waiting is interrupted
     */
    @Test
    public void failedEventIsDeliveredAgain() throws Exception {
        assertRedelivered(() -> new IllegalStateException("contract: first delivery fails"));
    }

    /**
     * With {@link #redeliversFailedEvents()}, a handler that threw
     * {@link DeliveryDeferredException} gets the event again, intact.
     *
     * @throws Exception if waiting is interrupted
     */
    @Test
    public void deferredEventIsDeliveredAgain() throws Exception {
        assertRedelivered(() -> new DeliveryDeferredException("contract: not yet"));
    }

    private void assertRedelivered(Supplier<Exception> firstFailure) throws Exception {
        Assumptions.assumeTrue(redeliversFailedEvents(),
                "the bus does not redeliver failed events");
        EventBus bus = bus();
        String topic = topic("redelivery");
        Inbox acknowledging = new Inbox();
        Inbox failing = new Inbox();
        AtomicInteger attempts = new AtomicInteger();
        bus.subscribe(topic, "acknowledges", acknowledging);
        bus.subscribe(topic, "fails-once", event -> {
            failing.handle(event);
            if (attempts.incrementAndGet() == 1) {
                throw firstFailure.get();
            }
        });
        Event event = event("retried");

        bus.publish(topic, event);

        assertTrue(failing.awaitCount(2, deliveryTimeout().plus(redeliveryWait())),
                "group 'fails-once' should get '" + event.id() + "' again after its handler "
                        + "threw " + firstFailure.get().getClass().getSimpleName() + "; got "
                        + failing.ids() + " within " + deliveryTimeout().plus(redeliveryWait()));
        assertArrivedIntact(event, failing.events().get(1));
        settle(bus);
        assertEachOnce(List.of(event.id()), acknowledging.ids(), "group 'acknowledges'");
    }

    /**
     * Closed subscriptions get no more events, while the subscriber left in their group gets
     * all of them.
     *
     * @throws Exception if waiting is interrupted
     */
    @Test
    public void closedSubscriptionsGetNoMoreEvents() throws Exception {
        EventBus bus = bus();
        String topic = topic("leaving");
        AtomicBoolean closed = new AtomicBoolean();
        Inbox toClosed = new Inbox();
        Inbox staying = new Inbox();
        Inbox either = new Inbox();
        List<Subscription> leaving = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            leaving.add(bus.subscribe(topic, "team", event -> {
                if (closed.get()) {
                    toClosed.handle(event);
                }
                either.handle(event);
            }));
        }
        CountDownLatch published = releasedAfterTest();
        AtomicBoolean firstAfterClose = new AtomicBoolean(true);
        bus.subscribe(topic, "team", event -> {
            staying.handle(event);
            either.handle(event);
            if (closed.get() && firstAfterClose.getAndSet(false)) {
                // Leaves the other events, for a while, to any closed subscription that would
                // still take them.
                published.await(deliveryTimeout().toMillis(), TimeUnit.MILLISECONDS);
                toClosed.awaitCount(1, MISBEHAVIOUR_WINDOW);
            }
        });
        // Warm up, so that every subscription is receiving when three of them close.
        awaitIds(either, publish(bus, topic, "before-close", 12), deliveryTimeout(),
                "group 'team' before any subscription closed");

        leaving.forEach(Subscription::close);
        closed.set(true);
        List<String> ids = publish(bus, topic, "after-close", 20);
        published.countDown();

        awaitIds(either, ids, deliveryTimeout().plus(redeliveryWait()), "group 'team'");
        settle(bus);
        assertEquals(List.of(), toClosed.ids(), "events of group 'team' handed to one of its "
                + "3 subscriptions after their close() returned");
        List<String> stayingAfterClose = staying.ids().stream()
                .filter(id -> id.contains("-after-close-"))
                .toList();
        assertEachOnce(ids, stayingAfterClose, "the subscriber left in group 'team'");
    }

    /**
     * {@link EventBus#close(Duration)} waits for a running handler to finish and then returns
     * {@code true}.
     *
     * @throws Exception if waiting is interrupted
     */
    @Test
    public void closeLetsRunningHandlerFinish() throws Exception {
        EventBus bus = bus();
        String topic = topic("closing");
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = releasedAfterTest();
        AtomicBoolean finished = new AtomicBoolean();
        bus.subscribe(topic, "slow", event -> {
            started.countDown();
            release.await(deliveryTimeout().toMillis(), TimeUnit.MILLISECONDS);
            finished.set(true);
        });
        bus.publish(topic, event("running"));
        assertTrue(started.await(deliveryTimeout().toMillis(), TimeUnit.MILLISECONDS),
                "group 'slow' did not get its event within " + deliveryTimeout());

        FutureTask<CloseOutcome> closing = closeInBackground(bus, deliveryTimeout(), finished);
        assertThrows(TimeoutException.class,
                () -> closing.get(MISBEHAVIOUR_WINDOW.toMillis(), TimeUnit.MILLISECONDS),
                "close(deadline) returned while a handler was still running");
        release.countDown();
        CloseOutcome outcome = closing.get(deliveryTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);

        assertTrue(outcome.handlerFinished(),
                "the running handler should finish before close(deadline) returns");
        assertTrue(outcome.drained(),
                "close(deadline) should return true: the running handler finished in time");
    }

    /**
     * {@link EventBus#close(Duration)} returns {@code false} when a handler outlasts the
     * deadline.
     *
     * @throws Exception if waiting is interrupted
     */
    @Test
    public void closeReturnsFalseWhenHandlerOutlastsDeadline() throws Exception {
        EventBus bus = bus();
        String topic = topic("stuck");
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = releasedAfterTest();
        bus.subscribe(topic, "stuck", event -> {
            started.countDown();
            release.await();
        });
        bus.publish(topic, event("stuck"));
        assertTrue(started.await(deliveryTimeout().toMillis(), TimeUnit.MILLISECONDS),
                "group 'stuck' did not get its event within " + deliveryTimeout());

        boolean drained = closeBus(bus, SHORT_DEADLINE);

        assertFalse(drained, "close(" + SHORT_DEADLINE + ") should return false while a "
                + "handler is still running");
    }

    /**
     * A closed bus rejects events with {@link EventRejectedException}, naming a positive time
     * to retry after.
     */
    @Test
    public void publishAfterCloseIsRejected() {
        EventBus bus = bus();
        String topic = topic("closed");
        bus.subscribe(topic, "any", new Inbox());
        closeBus(bus, deliveryTimeout());

        EventRejectedException rejected = assertThrows(EventRejectedException.class,
                () -> bus.publish(topic, event("late")),
                "publish on a closed bus should throw EventRejectedException");

        assertNotNull(rejected.retryAfter(), "EventRejectedException.retryAfter()");
        assertFalse(rejected.retryAfter().isNegative() || rejected.retryAfter().isZero(),
                "retryAfter() should be positive, was " + rejected.retryAfter());
        if (bus.holdsDelayedEvents()) {
            assertThrows(EventRejectedException.class,
                    () -> bus.publishLater(topic, event("later"), publishLaterDelay()),
                    "publishLater on a closed bus should throw EventRejectedException");
        }
    }

    /** Subscribing to a closed bus throws {@link IllegalStateException}. */
    @Test
    public void subscribeAfterCloseFails() {
        EventBus bus = bus();
        closeBus(bus, deliveryTimeout());

        assertThrows(IllegalStateException.class,
                () -> bus.subscribe(topic("closed"), "late", new Inbox()),
                "subscribe on a closed bus should throw IllegalStateException");
    }

    /**
     * A bus that does not hold delayed events says so by throwing
     * {@link UnsupportedOperationException} from {@link EventBus#publishLater}.
     */
    @Test
    public void publishLaterIsUnsupportedUnlessTheBusHoldsDelayedEvents() {
        EventBus bus = bus();
        Assumptions.assumeFalse(bus.holdsDelayedEvents(), "the bus holds delayed events");

        assertThrows(UnsupportedOperationException.class,
                () -> bus.publishLater(topic("delayed"), event("later"), publishLaterDelay()),
                "publishLater should be unsupported when holdsDelayedEvents() is false");
    }

    /**
     * A delayed event arrives after its delay, not before it (give or take 10 ms of clock
     * granularity), and intact.
     *
     * @throws Exception if waiting is interrupted
     */
    @Test
    public void delayedEventArrivesAfterItsDelay() throws Exception {
        EventBus bus = bus();
        Assumptions.assumeTrue(bus.holdsDelayedEvents(), "the bus does not hold delayed events");
        String topic = topic("delayed");
        Inbox inbox = new Inbox();
        bus.subscribe(topic, "patient", inbox);
        Event event = event("delayed");
        Duration delay = publishLaterDelay();

        long publishedAt = System.nanoTime();
        bus.publishLater(topic, event, delay);

        awaitIds(inbox, List.of(event.id()), delay.plus(deliveryTimeout()), "group 'patient'");
        Duration waited = Duration.ofNanos(inbox.arrivalNanos(0) - publishedAt);
        assertTrue(waited.compareTo(delay.minus(TIMER_SLACK)) >= 0,
                "event published with a delay of " + delay + " arrived after " + waited);
        assertArrivedIntact(event, inbox.events().get(0));
    }

    /**
     * A delayed event outlives the bus that took it: another bus on the broker delivers it
     * after the first one closed.
     *
     * @throws Exception if waiting is interrupted
     */
    @Test
    public void delayedEventOutlivesTheBusThatTookIt() throws Exception {
        EventBus first = bus();
        Assumptions.assumeTrue(first.holdsDelayedEvents(),
                "the bus does not hold delayed events");
        EventBus second = busSharingBrokerWith(first);
        String topic = topic("delayed-durable");
        Inbox inbox = new Inbox();
        second.subscribe(topic, "survivor", inbox);
        Event event = event("outlives");

        first.publishLater(topic, event, publishLaterDelay());
        closeBus(first, deliveryTimeout());

        awaitIds(inbox, List.of(event.id()), publishLaterDelay().plus(deliveryTimeout()),
                "group 'survivor' on the second bus, after the first closed");
        assertArrivedIntact(event, inbox.events().get(0));
    }

    /**
     * Two buses on one broker, subscribed in one group, share its events: each bus handles
     * some, and none is handled twice.
     *
     * @throws Exception if waiting is interrupted
     */
    @Test
    public void busesSharingABrokerSplitAGroupsEvents() throws Exception {
        EventBus first = bus();
        EventBus second = busSharingBrokerWith(first);
        String topic = topic("shared-group");
        Inbox onFirst = new Inbox();
        Inbox onSecond = new Inbox();
        Inbox onEither = new Inbox();
        // Each handler holds its first event until the other bus handled one, so a bus that
        // lets one member take every event is caught rather than lucky.
        first.subscribe(topic, "shared", waitingForTheOther(onFirst, onSecond, onEither));
        second.subscribe(topic, "shared", waitingForTheOther(onSecond, onFirst, onEither));

        List<String> ids = new ArrayList<>(publish(first, topic, "from-first", 25));
        ids.addAll(publish(second, topic, "from-second", 25));

        awaitIds(onEither, ids, deliveryTimeout().multipliedBy(2),
                "group 'shared' across both buses");
        settle(first, second);
        assertEachOnce(ids, onEither.ids(), "group 'shared' across both buses");
        assertTrue(onFirst.count() > 0 && onSecond.count() > 0,
                "both buses in group 'shared' should handle some of its " + ids.size()
                        + " events; first bus got " + onFirst.count() + ", second bus got "
                        + onSecond.count());
    }

    /**
     * A group on a second bus gets the events published on the first, and a group on the first
     * gets those published on the second.
     *
     * @throws Exception if waiting is interrupted
     */
    @Test
    public void groupsOnOneBrokerGetEventsPublishedOnEitherBus() throws Exception {
        EventBus first = bus();
        EventBus second = busSharingBrokerWith(first);
        String topic = topic("cross-bus");
        Inbox onFirst = new Inbox();
        Inbox onSecond = new Inbox();
        first.subscribe(topic, "first-bus-group", onFirst);
        second.subscribe(topic, "second-bus-group", onSecond);

        List<String> ids = new ArrayList<>(publish(first, topic, "from-first", 5));
        ids.addAll(publish(second, topic, "from-second", 5));

        awaitIds(onSecond, ids, deliveryTimeout(), "group 'second-bus-group' on the second bus");
        awaitIds(onFirst, ids, deliveryTimeout(), "group 'first-bus-group' on the first bus");
        settle(first, second);
        assertEachOnce(ids, onSecond.ids(), "group 'second-bus-group' on the second bus");
        assertEachOnce(ids, onFirst.ids(), "group 'first-bus-group' on the first bus");
    }

    private EventBus bus() {
        EventBus bus = Objects.requireNonNull(newBus(), "newBus() returned null");
        openBuses.add(bus);
        return bus;
    }

    private EventBus busSharingBrokerWith(EventBus first) {
        EventBus bus = Objects.requireNonNull(newBusSharingBrokerWith(first),
                "newBusSharingBrokerWith() returned null");
        openBuses.add(bus);
        return bus;
    }

    /** Closes a bus within the test, so that the suite does not close it again. */
    private boolean closeBus(EventBus bus, Duration deadline) {
        openBuses.remove(bus);
        return bus.close(deadline);
    }

    private CountDownLatch releasedAfterTest() {
        CountDownLatch latch = new CountDownLatch(1);
        releases.add(latch);
        return latch;
    }

    private String topic(String name) {
        return "contract." + name + "." + run;
    }

    private Event event(String label) {
        return Event.builder(TYPE)
                .id(run + "-" + label)
                .source(SOURCE)
                .data(JsonNodeFactory.instance.objectNode().put("label", label))
                .build();
    }

    private List<String> publish(EventBus bus, String topic, String label, int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Event event = event(label + "-" + i);
            bus.publish(topic, event);
            ids.add(event.id());
        }
        return ids;
    }

    /** Closes the bus on another thread, noting whether the handler had finished by then. */
    private FutureTask<CloseOutcome> closeInBackground(
            EventBus bus, Duration deadline, AtomicBoolean finished) {
        openBuses.remove(bus);
        FutureTask<CloseOutcome> task = new FutureTask<>(() -> {
            boolean drained = bus.close(deadline);
            return new CloseOutcome(drained, finished.get());
        });
        Thread closer = new Thread(task, "contract-closer-" + run);
        closer.setDaemon(true);
        closer.start();
        return task;
    }

    /**
     * Waits, where the bus can tell, until it handled everything, so that an event delivered
     * twice shows up before the test counts; a bus that cannot tell is not waited for.
     */
    private void settle(EventBus... buses) throws InterruptedException {
        for (EventBus bus : buses) {
            try {
                assertTrue(bus.awaitIdle(deliveryTimeout()),
                        bus + " did not become idle within " + deliveryTimeout());
            } catch (UnsupportedOperationException cannotTell) {
                // A distributed bus cannot tell; the counts are checked as they are.
            }
        }
    }

    /** Records events; holds the first until the other bus handled one, if it has not yet. */
    private EventHandler waitingForTheOther(Inbox own, Inbox other, Inbox either) {
        AtomicBoolean first = new AtomicBoolean(true);
        return event -> {
            own.handle(event);
            either.handle(event);
            if (first.getAndSet(false)) {
                other.awaitCount(1, deliveryTimeout());
            }
        };
    }

    private static void awaitIds(Inbox inbox, List<String> ids, Duration timeout, String who)
            throws InterruptedException {
        if (!inbox.awaitIds(ids, timeout)) {
            List<String> missing = new ArrayList<>(ids);
            missing.removeAll(inbox.ids());
            fail(who + " should get " + ids.size() + " events within " + timeout + "; missing "
                    + missing + ", got " + inbox.ids());
        }
    }

    private static Event received(Inbox inbox, String id) {
        return inbox.events().stream()
                .filter(event -> event.id().equals(id))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no event '" + id + "' arrived"));
    }

    private static void assertArrivedIntact(Event sent, Event got) {
        String what = "event '" + sent.id() + "' after the bus: ";
        assertAll(what + "attributes",
                () -> assertEquals(sent.id(), got.id(), what + "id"),
                () -> assertEquals(sent.source(), got.source(), what + "source"),
                () -> assertEquals(sent.type(), got.type(), what + "type"),
                () -> assertEquals(sent.subject(), got.subject(), what + "subject"),
                () -> assertEquals(sent.time(), got.time(), what + "time"),
                () -> assertEquals(sent.dataContentType(), got.dataContentType(),
                        what + "datacontenttype"),
                () -> assertTrue(sent.data().equals(NUMBERS_BY_VALUE, got.data()),
                        what + "data should be " + sent.data() + " but was " + got.data()));
    }

    /** Fails unless each expected id was seen exactly once, and nothing else was seen. */
    private static void assertEachOnce(List<String> expected, List<String> seen, String who) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        seen.forEach(id -> counts.merge(id, 1, Integer::sum));
        List<String> missing = expected.stream().filter(id -> !counts.containsKey(id)).toList();
        List<String> repeated = counts.entrySet().stream()
                .filter(entry -> entry.getValue() > 1)
                .map(entry -> entry.getKey() + " x" + entry.getValue())
                .toList();
        List<String> foreign = counts.keySet().stream()
                .filter(id -> !expected.contains(id))
                .toList();
        if (!missing.isEmpty() || !repeated.isEmpty() || !foreign.isEmpty()) {
            fail(who + " should get each of its " + expected.size() + " events once; missing "
                    + missing + ", more than once " + repeated + ", not published to it "
                    + foreign);
        }
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("contract: test data is not JSON", e);
        }
    }

    /** What {@code close(deadline)} returned, and whether the handler had finished by then. */
    private record CloseOutcome(boolean drained, boolean handlerFinished) {
    }
}
