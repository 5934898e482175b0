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
}
