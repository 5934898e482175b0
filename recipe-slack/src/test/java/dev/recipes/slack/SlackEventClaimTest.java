package dev.recipes.slack;

import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.Event;
import dev.recipes.core.EventBus;
import dev.recipes.core.EventHandler;
import dev.recipes.core.EventRejectedException;
import dev.recipes.core.IdempotencyStore;
import dev.recipes.core.IdempotencyStore.Claim;
import dev.recipes.core.Subscription;
import dev.recipes.http.jdk.JdkWebhookServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Events API webhook over loopback HTTP with an idempotency store shared, as far as the
 * handler can tell, with other instances: what it answers and publishes for each claim the
 * store's {@link IdempotencyStore#begin} gives, and what it tells the store afterwards.
 */
final class SlackEventClaimTest {

    private static final String EVENT_ID = "Ev0MSG0001";
    private static final byte[] BODY = SlackFixture.resource("message.json");

    // The store's calls and the bus's publishes on Slack topics, in the order they happened.
    private final List<String> log = new CopyOnWriteArrayList<>();
    private final ScriptedStore store = new ScriptedStore(log);
    private final RefusingBus bus = new RefusingBus(log);
    private final SlackFixture slack = SlackFixture.start(
            builder -> builder.idempotency(store).bus(bus), SlackFixture.OBSERVED_TYPES);
    private final JdkWebhookServer server = JdkWebhookServer.start(slack.engine(),
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void stop() {
        server.close();
        slack.close();
    }

    private HttpResponse<String> post(Map<String, String> extraHeaders) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://"
                + server.address().getAddress().getHostAddress() + ":" + server.port()
                + "/hooks/slack"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(BODY));
        SlackFixture.signedHeaders(SlackFixture.SECRET, SlackFixture.NOW, BODY)
                .forEach(request::header);
        extraHeaders.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post() throws Exception {
        return post(Map.of());
    }

    @Test
    void heldElsewhere_answers503WithRetryAfterAndPublishesNothing() throws Exception {
        store.answer(EVENT_ID, Claim.HELD);

        HttpResponse<String> held = post();

        assertThat(held.statusCode()).isEqualTo(503);
        assertThat(held.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(held.body()).contains(EVENT_ID);
        assertThat(slack.published()).isEmpty();
        assertThat(log).containsExactly("begin " + key());

        HttpResponse<String> redelivered = post(Map.of("X-Slack-Retry-Num", "1"));

        assertThat(redelivered.statusCode()).isEqualTo(200);
        assertThat(slack.published()).extracting(Event::id).containsExactly(EVENT_ID);
    }

    @Test
    void doneBefore_answers200AndPublishesNothing() throws Exception {
        store.answer(EVENT_ID, Claim.DONE);

        HttpResponse<String> response = post();

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(slack.published()).isEmpty();
        assertThat(log).containsExactly("begin " + key());
    }

    @Test
    void takenOver_isPublishedOnceThenCompleted() throws Exception {
        store.answer(EVENT_ID, Claim.TAKEN_OVER);

        HttpResponse<String> response = post();
        HttpResponse<String> redelivered = post(Map.of("X-Slack-Retry-Num", "1"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(redelivered.statusCode()).isEqualTo(200);
        assertThat(slack.published()).extracting(Event::id).containsExactly(EVENT_ID);
        assertThat(log).containsExactly("begin " + key(),
                "publish trigger.slack.message " + EVENT_ID, "complete " + key(),
                "begin " + key());
    }

    @Test
    void newClaim_isPublishedThenCompleted() throws Exception {
        HttpResponse<String> response = post();

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(slack.published()).extracting(Event::id).containsExactly(EVENT_ID);
        assertThat(log).containsExactly("begin " + key(),
                "publish trigger.slack.message " + EVENT_ID, "complete " + key());
    }

    @Test
    void publishRefusedByTheBus_releasesTheKeyAndAnswers503() throws Exception {
        bus.refuse = true;

        HttpResponse<String> refused = post();

        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(slack.published()).isEmpty();
        assertThat(log).containsExactly("begin " + key(),
                "publish trigger.slack.message " + EVENT_ID, "release " + key());

        bus.refuse = false;
        HttpResponse<String> redelivered = post(Map.of("X-Slack-Retry-Num", "1"));

        assertThat(redelivered.statusCode()).isEqualTo(200);
        assertThat(slack.published()).extracting(Event::id).containsExactly(EVENT_ID);
    }

    @Test
    void beginsWithAShortLease() throws Exception {
        post();

        assertThat(store.leases).singleElement().satisfies(lease ->
                assertThat(lease).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1)));
    }

    /** The one key the handler begins under for the event; the store names it. */
    private String key() {
        List<String> keys = store.begun();
        assertThat(keys).as("keys begun").isNotEmpty().allMatch(keys.get(0)::equals);
        assertThat(keys.get(0)).contains(EVENT_ID);
        return keys.get(0);
    }

    /**
     * An in-memory store that answers a scripted claim once for the first key naming a chosen
     * event, and logs every call it gets.
     */
    private static final class ScriptedStore implements IdempotencyStore {

        final List<Duration> leases = new CopyOnWriteArrayList<>();
        private final List<String> log;
        private final IdempotencyStore inner = IdempotencyStore.inMemory(1_000,
                Duration.ofHours(1), Clock.systemUTC());
        private final Map<String, Claim> scripted = new ConcurrentHashMap<>();

        ScriptedStore(List<String> log) {
            this.log = log;
        }

        void answer(String eventId, Claim claim) {
            scripted.put(eventId, claim);
        }

        List<String> begun() {
            return log.stream().filter(call -> call.startsWith("begin "))
                    .map(call -> call.substring("begin ".length())).toList();
        }

        @Override
        public boolean claim(String key) {
            log.add("claim " + key);
            return inner.claim(key);
        }

        @Override
        public void release(String key) {
            log.add("release " + key);
            inner.release(key);
        }

        @Override
        public Claim begin(String key, Duration lease) {
            log.add("begin " + key);
            leases.add(lease);
            for (Map.Entry<String, Claim> entry : scripted.entrySet()) {
                if (key.contains(entry.getKey()) && scripted.remove(entry.getKey()) != null) {
                    // Done work and work taken over are both the caller's key from now on.
                    if (entry.getValue() != Claim.HELD) {
                        inner.claim(key);
                    }
                    return entry.getValue();
                }
            }
            return inner.begin(key, lease);
        }

        @Override
        public void complete(String key) {
            log.add("complete " + key);
            inner.complete(key);
        }
    }

    /** An in-memory bus that logs publishes on Slack topics and can refuse them, as if full. */
    private static final class RefusingBus implements EventBus {

        volatile boolean refuse;
        private final List<String> log;
        private final EventBus inner = EventBus.inMemory();

        RefusingBus(List<String> log) {
            this.log = log;
        }

        @Override
        public void publish(String topic, Event event) {
            if (topic.startsWith("trigger.slack.")) {
                log.add("publish " + topic + " " + event.id());
                if (refuse) {
                    throw new EventRejectedException("test bus: queue of topic '" + topic
                            + "' is full", Duration.ofSeconds(1));
                }
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
