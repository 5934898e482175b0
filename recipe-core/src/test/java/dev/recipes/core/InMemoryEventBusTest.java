package dev.recipes.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

final class InMemoryEventBusTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private final EventBus bus = EventBus.inMemory(2);
    private final CountDownLatch releaseSlow = new CountDownLatch(1);

    @AfterEach
    void close() {
        releaseSlow.countDown();
        bus.close(Duration.ofSeconds(1));
    }

    private static Event event(String id) {
        return Event.builder("demo").id(id).build();
    }

    @Test
    void everyGroupGetsEveryEvent() throws Exception {
        List<String> first = new CopyOnWriteArrayList<>();
        List<String> second = new CopyOnWriteArrayList<>();
        bus.subscribe("t", "one", e -> first.add(e.id()));
        bus.subscribe("t", "two", e -> second.add(e.id()));

        bus.publish("t", event("1"));
        bus.publish("t", event("2"));

        assertThat(bus.awaitIdle(WAIT)).isTrue();
        assertThat(first).containsExactly("1", "2");
        assertThat(second).containsExactly("1", "2");
    }

    @Test
    void subscribersInOneGroupShareTheEvents() throws Exception {
        List<String> handled = new CopyOnWriteArrayList<>();
        bus.subscribe("t", "g", e -> handled.add("a:" + e.id()));
        bus.subscribe("t", "g", e -> handled.add("b:" + e.id()));

        for (int i = 0; i < 20; i++) {
            publishWhenThereIsRoom(event(String.valueOf(i)));
        }

        assertThat(bus.awaitIdle(WAIT)).isTrue();
        assertThat(handled).hasSize(20);
        assertThat(handled.stream().map(h -> h.substring(2)).distinct()).hasSize(20);
    }

    @Test
    void fullQueueRejectsNamingTheGroupWhileGroupsWithRoomTakeTheEvent() throws Exception {
        BlockingQueue<String> free = fillTheSlowGroup("queued-1", "queued-2");

        assertThatThrownBy(() -> bus.publish("t", event("overflow")))
                .isInstanceOf(EventRejectedException.class)
                .hasMessageContaining("'slow'")
                .hasMessageContaining("'overflow'");

        releaseSlow.countDown();
        assertThat(bus.awaitIdle(WAIT)).isTrue();
        assertThat(free).containsExactly("queued-2", "overflow");
    }

    /**
     * Subscribes a group 'slow' whose handler holds its first event until
     * {@link #releaseSlow},
     * and a group 'free' that records events; publishes one event and then two more, which
     * fill the slow group's queue of two. Returns what 'free' got after the first two.
     */
    private BlockingQueue<String> fillTheSlowGroup(String second, String third)
            throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        BlockingQueue<String> free = new LinkedBlockingQueue<>();
        bus.subscribe("t", "slow", e -> {
            started.countDown();
            releaseSlow.await();
        });
        bus.subscribe("t", "free", e -> free.add(e.id()));
        bus.publish("t", event("running"));
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        for (String id : List.of(second, third)) {
            bus.publish("t", event(id));
            assertThat(free.poll(5, TimeUnit.SECONDS)).isNotNull();
        }
        return free;
    }

    @Test
    void aFailingHandlerKeepsReceiving() throws Exception {
        List<String> handled = new CopyOnWriteArrayList<>();
        bus.subscribe("t", "g", e -> {
            handled.add(e.id());
            if (e.id().equals("bad")) {
                throw new IllegalStateException("boom");
            }
        });

        bus.publish("t", event("bad"));
        bus.publish("t", event("good"));

        assertThat(bus.awaitIdle(WAIT)).isTrue();
        assertThat(handled).containsExactly("bad", "good");
    }

    @Test
    void aHandlerThrowingAnErrorKeepsItsThread() throws Exception {
        List<String> handled = new CopyOnWriteArrayList<>();
        bus.subscribe("t", "g", e -> {
            handled.add(e.id());
            throw new AssertionError("boom");
        });

        bus.publish("t", event("1"));
        bus.publish("t", event("2"));

        assertThat(bus.awaitIdle(WAIT)).isTrue();
        assertThat(handled).containsExactly("1", "2");
    }

    @RepeatedTest(20)
    void everyEventAcceptedWhileClosingIsHandled() throws Exception {
        EventBus closing = EventBus.inMemory(10_000);
        java.util.concurrent.atomic.AtomicInteger handled =
                new java.util.concurrent.atomic.AtomicInteger();
        closing.subscribe("t", "g", e -> handled.incrementAndGet());
        java.util.concurrent.atomic.AtomicInteger accepted =
                new java.util.concurrent.atomic.AtomicInteger();
        CountDownLatch publishing = new CountDownLatch(4);
        List<Thread> publishers = new java.util.ArrayList<>();
        for (int p = 0; p < 4; p++) {
            String prefix = "p" + p + "-";
            Thread publisher = new Thread(() -> {
                publishing.countDown();
                for (int i = 0; i < 2_000; i++) {
                    try {
                        closing.publish("t", event(prefix + i));
                        accepted.incrementAndGet();
                    } catch (EventRejectedException e) {
                        return;
                    }
                }
            });
            publisher.start();
            publishers.add(publisher);
        }
        publishing.await();

        boolean drained = closing.close(WAIT);
        for (Thread publisher : publishers) {
            publisher.join(WAIT.toMillis());
        }

        assertThat(drained).isTrue();
        assertThat(handled.get()).isEqualTo(accepted.get());
    }

    @Test
    void whileClosingOnlyHandlersMayPublishSoTheirWorkIsFinished() throws Exception {
        EventBus closing = EventBus.inMemory(10);
        CountDownLatch release = new CountDownLatch(1);
        List<String> followUps = new CopyOnWriteArrayList<>();
        closing.subscribe("first", "g", e -> {
            release.await();
            closing.publish("second", event("follow-up-of-" + e.id()));
        });
        closing.subscribe("second", "g", e -> followUps.add(e.id()));
        closing.publish("first", event("1"));
        Thread closer = new Thread(() -> closing.close(WAIT));
        closer.start();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!rejects(closing)) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            Thread.onSpinWait();
        }

        release.countDown();
        closer.join(WAIT.toMillis());

        assertThat(followUps).containsExactly("follow-up-of-1");
    }

    private static boolean rejects(EventBus closing) {
        try {
            closing.publish("nobody", event("probe"));
            return false;
        } catch (EventRejectedException e) {
            return true;
        }
    }

    @Test
    void aGroupThatTookAnEventDoesNotTakeItAgainWhenItIsRedelivered() throws Exception {
        BlockingQueue<String> free = fillTheSlowGroup("q1", "q2");

        for (int redelivery = 0; redelivery < 3; redelivery++) {
            assertThatThrownBy(() -> bus.publish("t", event("again")))
                    .isInstanceOf(EventRejectedException.class);
        }
        releaseSlow.countDown();
        assertThat(bus.awaitIdle(WAIT)).isTrue();
        bus.publish("t", event("again"));

        assertThat(bus.awaitIdle(WAIT)).isTrue();
        assertThat(free).containsExactly("q2", "again");
    }

    @Test
    void eventsOnATopicWithoutSubscribersAreDropped() throws Exception {
        bus.publish("nobody", event("1"));

        assertThat(bus.awaitIdle(Duration.ZERO)).isTrue();
    }

    @Test
    void closeDrainsQueuedEventsThenRejects() {
        List<String> handled = new CopyOnWriteArrayList<>();
        bus.subscribe("t", "g", e -> handled.add(e.id()));
        bus.publish("t", event("1"));
        bus.publish("t", event("2"));

        assertThat(bus.close(WAIT)).isTrue();

        assertThat(handled).containsExactly("1", "2");
        assertThatThrownBy(() -> bus.publish("t", event("late")))
                .isInstanceOf(EventRejectedException.class).hasMessageContaining("closed");
        assertThatThrownBy(() -> bus.subscribe("t", "g", e -> { }))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void lastSubscriberLeavingDropsItsGroup() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Subscription subscription = bus.subscribe("t", "g", e -> {
            started.countDown();
            release.await();
        });
        bus.publish("t", event("1"));
        bus.publish("t", event("2"));
        assertThat(started.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

        // close() waits for the event being handled, so it runs beside the handler's release.
        CompletableFuture<Void> closing = CompletableFuture.runAsync(subscription::close);
        release.countDown();
        closing.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

        assertThat(bus.awaitIdle(WAIT)).as("the queued event left with its group").isTrue();
    }

    @Test
    void handlersClosingEachOthersSubscriptions_doNotWaitForEachOther() throws Exception {
        CountDownLatch bothIn = new CountDownLatch(2);
        CountDownLatch bothClosed = new CountDownLatch(2);
        List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
        List<String> handled = new CopyOnWriteArrayList<>();
        EventHandler closesTheOther = event -> {
            handled.add(event.id());
            bothIn.countDown();
            bothIn.await();
            Subscription other = subscriptions.get(event.id().equals("a") ? 1 : 0);
            other.close();
            bothClosed.countDown();
        };
        subscriptions.add(bus.subscribe("a", "g", closesTheOther));
        subscriptions.add(bus.subscribe("b", "g", closesTheOther));

        bus.publish("a", event("a"));
        bus.publish("b", event("b"));

        assertThat(bothClosed.await(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .as("each handler's close() returned").isTrue();
        assertThat(bus.awaitIdle(WAIT)).isTrue();
        bus.publish("a", event("after-a"));
        bus.publish("b", event("after-b"));
        assertThat(bus.awaitIdle(WAIT)).isTrue();
        assertThat(handled).containsExactlyInAnyOrder("a", "b");
    }

    @Test
    void eachOfAHundredGroupsGetsEveryEventInOrder() throws Exception {
        EventBus wide = EventBus.inMemory(64);
        List<List<String>> received = new java.util.ArrayList<>();
        for (int g = 0; g < 100; g++) {
            List<String> ids = new CopyOnWriteArrayList<>();
            received.add(ids);
            wide.subscribe("t", "g" + g, e -> ids.add(e.id()));
        }
        List<String> published = new java.util.ArrayList<>();

        for (int i = 0; i < 2_000; i++) {
            published.add(String.valueOf(i));
            publishWhenThereIsRoom(wide, event(String.valueOf(i)));
        }

        assertThat(wide.awaitIdle(WAIT)).isTrue();
        assertThat(received).allSatisfy(ids -> assertThat(ids).isEqualTo(published));
        assertThat(wide.close(WAIT)).isTrue();
    }

    @Test
    void concurrentPublishersReachEveryGroupOnceForEachEvent() throws Exception {
        EventBus shared = EventBus.inMemory(16);
        List<List<String>> received = new java.util.ArrayList<>();
        for (int g = 0; g < 10; g++) {
            List<String> ids = new CopyOnWriteArrayList<>();
            received.add(ids);
            shared.subscribe("t", "g" + g, e -> ids.add(e.id()));
        }
        List<CompletableFuture<Void>> publishers = new java.util.ArrayList<>();

        for (int p = 0; p < 4; p++) {
            String prefix = "p" + p + "-";
            publishers.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 500; i++) {
                    publishWhenThereIsRoom(shared, event(prefix + i));
                }
            }));
        }
        CompletableFuture.allOf(publishers.toArray(CompletableFuture[]::new))
                .get(WAIT.toMillis() * 4, TimeUnit.MILLISECONDS);

        assertThat(shared.awaitIdle(WAIT)).isTrue();
        assertThat(received).allSatisfy(ids -> assertThat(ids).hasSize(2_000)
                .doesNotHaveDuplicates());
        assertThat(shared.close(WAIT)).isTrue();
    }

    @Test
    void awaitIdleWaitsForTheEventsHandlersPublish() throws Exception {
        List<String> followUps = new CopyOnWriteArrayList<>();
        EventBus chained = EventBus.inMemory(1_000);
        chained.subscribe("first", "g", e -> chained.publish("second", event("then-" + e.id())));
        chained.subscribe("second", "g", e -> {
            Thread.sleep(1);
            followUps.add(e.id());
        });

        for (int i = 0; i < 200; i++) {
            chained.publish("first", event(String.valueOf(i)));
        }

        assertThat(chained.awaitIdle(WAIT)).isTrue();
        assertThat(followUps).hasSize(200).startsWith("then-0").endsWith("then-199");
        assertThat(chained.close(WAIT)).isTrue();
    }

    @Test
    void groupsJoiningAndLeavingWhileEventsArePublishedLeaveNothingPending() throws Exception {
        EventBus churn = EventBus.inMemory(8);
        List<String> steady = new CopyOnWriteArrayList<>();
        churn.subscribe("t", "steady", e -> steady.add(e.id()));
        CompletableFuture<Void> publisher = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 2_000; i++) {
                publishWhenThereIsRoom(churn, event(String.valueOf(i)));
            }
        });

        while (!publisher.isDone()) {
            Subscription passing = churn.subscribe("t", "passing", e -> Thread.yield());
            Thread.yield();
            passing.close();
        }
        publisher.get();

        assertThat(churn.awaitIdle(WAIT)).as("no count left behind by a group that left")
                .isTrue();
        assertThat(steady).hasSize(2_000).doesNotHaveDuplicates();
        assertThat(churn.close(WAIT)).isTrue();
    }

    @Test
    void aSubscriberClosedWithEventsInHandGivesThemToTheOthersOfItsGroup() throws Exception {
        EventBus shared = EventBus.inMemory(100);
        List<String> handled = new CopyOnWriteArrayList<>();
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        CountDownLatch firstClosed = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicReference<Subscription> first =
                new java.util.concurrent.atomic.AtomicReference<>();
        first.set(shared.subscribe("t", "g", e -> {
            handled.add(e.id());
            if (e.id().equals("0")) {
                firstStarted.countDown();
                releaseFirst.await();
            } else {
                first.get().close();
                firstClosed.countDown();
            }
        }));
        shared.publish("t", event("0"));
        assertThat(firstStarted.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        List<String> published = new java.util.ArrayList<>(List.of("0"));
        for (int i = 1; i <= 40; i++) {
            published.add(String.valueOf(i));
            shared.publish("t", event(String.valueOf(i)));
        }
        shared.subscribe("t", "g", e -> {
            assertThat(firstClosed.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
            handled.add(e.id());
        });

        releaseFirst.countDown();

        assertThat(shared.awaitIdle(WAIT)).isTrue();
        assertThat(handled).containsExactlyInAnyOrderElementsOf(published);
        assertThat(shared.close(WAIT)).isTrue();
    }

    @Test
    void aGroupRemembersTheLast4096EventsAFullGroupRefusedAndForgetsOlderOnes() throws Exception {
        EventBus remembering = EventBus.inMemory(10_000);
        CountDownLatch started = new CountDownLatch(1);
        List<String> slow = new CopyOnWriteArrayList<>();
        List<String> free = new CopyOnWriteArrayList<>();
        remembering.subscribe("t", "slow", e -> {
            started.countDown();
            releaseSlow.await();
            slow.add(e.id());
        });
        remembering.subscribe("t", "free", e -> free.add(e.id()));
        remembering.publish("t", event("running"));
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        // The free group must have taken it too, or it would be full at the last of the next.
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (free.isEmpty() && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(100_000);
        }
        assertThat(free).containsExactly("running");
        for (int i = 0; i < 10_000; i++) {
            remembering.publish("t", event("queued-" + i));
        }
        int refused = 0;
        for (int i = 0; i < 5_000; i++) {
            try {
                remembering.publish("t", event("refused-" + i));
            } catch (EventRejectedException e) {
                refused++;
            }
        }
        assertThat(refused).as("the slow group was full").isEqualTo(5_000);
        releaseSlow.countDown();
        assertThat(remembering.awaitIdle(Duration.ofSeconds(30))).isTrue();
        assertThat(free).hasSize(1 + 10_000 + 5_000);
        free.clear();
        slow.clear();

        for (int i = 904; i < 5_000; i++) {
            remembering.publish("t", event("refused-" + i));
        }
        remembering.publish("t", event("refused-903"));

        assertThat(remembering.awaitIdle(WAIT)).isTrue();
        assertThat(free).as("only the refused event before the last 4,096")
                .containsExactly("refused-903");
        assertThat(slow).hasSize(4_096 + 1).endsWith("refused-4999", "refused-903");
        assertThat(remembering.close(WAIT)).isTrue();
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(ints = {0, -1, Integer.MIN_VALUE,
            (1 << 24) + 1, 1 << 30, Integer.MAX_VALUE})
    void aCapacityOutOfRangeIsRefusedWhenTheBusIsMade(int capacity) {
        assertThatThrownBy(() -> EventBus.inMemory(capacity))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("queue capacity " + capacity)
                .hasMessageContaining("from 1 to 16777216");
    }

    @Test
    void theLargestCapacityIsTaken() {
        EventBus largest = EventBus.inMemory(1 << 24);
        assertThat(largest.close(WAIT)).isTrue();
    }

    @Test
    void aNullTimeoutIsRefusedWhetherOrNotTheBusIsIdle() throws Exception {
        assertThatThrownBy(() -> bus.awaitIdle(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("timeout");
        bus.subscribe("t", "slow", e -> releaseSlow.await());
        bus.publish("t", event("held"));
        assertThatThrownBy(() -> bus.awaitIdle(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("timeout");
        assertThatThrownBy(() -> bus.close(null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("deadline");
    }

    @Test
    void anEventPublishedAgainAfterEveryGroupTookItIsDeliveredAgain() throws Exception {
        List<String> handled = new CopyOnWriteArrayList<>();
        bus.subscribe("t", "g", e -> handled.add(e.id()));

        bus.publish("t", event("twice"));
        assertThat(bus.awaitIdle(WAIT)).isTrue();
        bus.publish("t", event("twice"));

        assertThat(bus.awaitIdle(WAIT)).isTrue();
        assertThat(handled).as("delivery is at least once").containsExactly("twice", "twice");
    }

    @Test
    void aGroupFullForAWholeCapacityHoldsBackTheOthersUntilItTakesSome() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        List<String> slow = new CopyOnWriteArrayList<>();
        BlockingQueue<String> free = new LinkedBlockingQueue<>();
        bus.subscribe("t", "slow", e -> {
            started.countDown();
            releaseSlow.await();
            slow.add(e.id());
        });
        bus.subscribe("t", "free", e -> free.add(e.id()));
        bus.publish("t", event("running"));
        assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(free.poll(5, TimeUnit.SECONDS)).isEqualTo("running");
        for (String id : List.of("queued-1", "queued-2", "ahead-1", "ahead-2")) {
            try {
                bus.publish("t", event(id));
                assertThat(id).as("taken by both").startsWith("queued");
            } catch (EventRejectedException e) {
                assertThat(id).as("refused by the full group").startsWith("ahead");
                assertThat(e).hasMessageContaining("'slow'");
            }
            assertThat(free.poll(5, TimeUnit.SECONDS)).isEqualTo(id);
        }

        assertThatThrownBy(() -> bus.publish("t", event("held-back")))
                .isInstanceOf(EventRejectedException.class)
                .hasMessageContaining("'slow'");
        assertThat(free.poll(100, TimeUnit.MILLISECONDS)).as("no group took it").isNull();

        releaseSlow.countDown();
        assertThat(bus.awaitIdle(WAIT)).isTrue();
        bus.publish("t", event("held-back"));
        assertThat(bus.awaitIdle(WAIT)).isTrue();
        assertThat(free).containsExactly("held-back");
        assertThat(slow).containsExactly("running", "queued-1", "queued-2", "held-back");
    }

    @Test
    void eventsWhoseFingerprintsMayCollideAreToldApart() throws Exception {
        BlockingQueue<String> free = fillTheSlowGroup("queued-1", "queued-2");
        // "Aa" and "BB" have the same String hash code.
        assertThatThrownBy(() -> bus.publish("t", event("Aa")))
                .isInstanceOf(EventRejectedException.class);
        String got;
        do {
            got = free.poll(5, TimeUnit.SECONDS);
        } while (got != null && !got.equals("Aa"));
        assertThat(got).as("the free group took Aa").isEqualTo("Aa");
        releaseSlow.countDown();
        assertThat(bus.awaitIdle(WAIT)).isTrue();

        bus.publish("t", event("BB"));

        assertThat(bus.awaitIdle(WAIT)).isTrue();
        assertThat(free).as("BB is not Aa redelivered").containsExactly("BB");
    }

    private void publishWhenThereIsRoom(Event event) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                bus.publish("t", event);
                return;
            } catch (EventRejectedException e) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                bus.awaitIdle(Duration.ofMillis(10));
            }
        }
    }

    private static void publishWhenThereIsRoom(EventBus target, Event event) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            try {
                target.publish("t", event);
                return;
            } catch (EventRejectedException e) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
            }
        }
    }
}
