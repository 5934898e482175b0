package dev.recipes.slack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.Event;
import dev.recipes.core.EventBus;
import dev.recipes.core.EventHandler;
import dev.recipes.core.EventRejectedException;
import dev.recipes.core.Subscription;
import dev.recipes.core.webhook.WebhookResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** Two copies of one Slack event at the same moment, while the bus refuses the first. */
final class SlackConcurrentDeliveryTest {

    private final CountDownLatch publishing = new CountDownLatch(1);
    private final CountDownLatch decide = new CountDownLatch(1);
    private final AtomicBoolean refuseNext = new AtomicBoolean(true);

    @Test
    void aCopyArrivingWhileTheFirstPublishesAnswersAsTheFirstDid() throws Exception {
        SlackFixture slack = SlackFixture.start(builder -> builder.bus(new StallingBus()),
                SlackFixture.OBSERVED_TYPES);
        byte[] body = SlackFixture.resource("message.json");

        CompletableFuture<WebhookResponse> first =
                CompletableFuture.supplyAsync(() -> slack.send(body));
        assertThat(publishing.await(5, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<WebhookResponse> copy = new CompletableFuture<>();
        Thread copySender = new Thread(() ->
                copy.complete(slack.send(body, Map.of("X-Slack-Retry-Num", "1"))));
        copySender.start();
        awaitWaiting(copySender);
        decide.countDown();

        assertThat(first.get(5, TimeUnit.SECONDS).status()).isEqualTo(503);
        assertThat(copy.get(5, TimeUnit.SECONDS).status()).isEqualTo(503);
        WebhookResponse redelivered = slack.send(body, Map.of("X-Slack-Retry-Num", "2"));
        assertThat(redelivered.status()).isEqualTo(200);
        assertThat(slack.published()).hasSize(1);
        slack.engine().close();
    }

    /** Waits until the copy's thread waits for the first copy's outcome. */
    private static void awaitWaiting(Thread thread) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (thread.getState() != Thread.State.TIMED_WAITING) {
            assertThat(System.nanoTime()).as("copy waiting").isLessThan(deadline);
            Thread.onSpinWait();
        }
    }

    /**
     * An in-memory bus whose first publish of a Slack message waits until the test decides,
     * then refuses it, as a full queue would.
     */
    private final class StallingBus implements EventBus {

        private final EventBus inner = EventBus.inMemory();

        @Override
        public void publish(String topic, Event event) {
            if (topic.equals("trigger.slack.message") && refuseNext.getAndSet(false)) {
                publishing.countDown();
                try {
                    decide.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                throw new EventRejectedException("test bus: full", Duration.ofSeconds(1));
            }
            inner.publish(topic, event);
        }

        @Override
        public Subscription subscribe(String topic, String group, EventHandler handler) {
            return inner.subscribe(topic, group, handler);
        }

        @Override
        public boolean awaitIdle(Duration timeout) throws InterruptedException {
            return inner.awaitIdle(timeout);
        }

        @Override
        public boolean close(Duration deadline) {
            return inner.close(deadline);
        }
    }
}
