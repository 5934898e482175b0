package dev.recipes.testkit.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.ActionStep;
import dev.recipes.core.Event;
import dev.recipes.core.EventBus;
import dev.recipes.core.EventHandler;
import dev.recipes.core.EventRejectedException;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RecipeException;
import dev.recipes.core.Secret;
import dev.recipes.core.Subscription;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.Service;
import dev.recipes.slack.Slack;
import dev.recipes.slack.SlackService;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Slack Socket Mode end to end: a real {@link SlackService} in a {@link RecipeEngine} on real
 * time, connected over loopback WebSocket to a {@link FakeSocketModeServer}.
 */
final class SocketModeTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final FakeSocketModeServer slack = FakeSocketModeServer.start();
    private final SlackSimulator simulator = SlackSimulator.of(Secret.of("unused-secret-0001"));
    private final RecordingBus bus = new RecordingBus();
    private final AtomicInteger runs = new AtomicInteger();
    private RecipeEngine engine;
    private String appToken = slack.appToken();

    @AfterEach
    void stop() {
        if (engine != null) {
            engine.close();
        }
        slack.close();
    }

    private RecipeEngine start(Consumer<RecipeEngine.Builder> extra) {
        RecipeEngine.Builder builder = RecipeEngine.builder()
                .discoverServices(false)
                .service(new SlackService())
                .service(new CountingService())
                .bus(bus)
                .config("slack.api-url", slack.apiUrl())
                .config("slack.app-token", appToken)
                .config("slack.socket-mode-backoff", "PT0.05S")
                .config("slack.socket-mode-max-backoff", "PT0.2S")
                .recipe(Recipe.named("count")
                        .when(Slack.message())
                        .then(ActionStep.of("counting", "count").build())
                        .build());
        extra.accept(builder);
        engine = builder.build();
        engine.start();
        return engine;
    }

    private RecipeEngine start() {
        return start(builder -> { });
    }

    private String message(String eventId) {
        return simulator.message("C0CHAN001", "U0USER001", "hello " + eventId)
                .eventId(eventId).build().bodyText();
    }

    @Test
    void anEventArrivesIsAcknowledgedAndItsRecipeRuns() throws Exception {
        start();
        slack.awaitConnections(1, WAIT);

        String envelope = slack.sendEventsApi(message("Ev0SOCK0001"));
        slack.awaitAcked(1, WAIT);
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertThat(slack.acks()).containsExactly(envelope);
        assertThat(bus.published()).containsExactly("slack.message Ev0SOCK0001");
        assertThat(runs).hasValue(1);
        assertThat(slack.openCalls()).hasSize(1);
    }

    @Test
    void anEnvelopeIsAcknowledgedOnlyOnceItsEventIsOnTheBus() throws Exception {
        start();
        slack.awaitConnections(1, WAIT);
        bus.refuse = true;

        String refused = slack.sendEventsApi(message("Ev0FULL0001"));
        // Envelopes of one connection are handled in order: once this bad one is acked, the
        // refused one before it was handled, without an ack.
        String bad = slack.sendEventsApi("{\"type\":\"event_callback\",\"team_id\":\"T0TEST001\"}");
        slack.awaitAcked(1, WAIT);
        assertThat(slack.acks()).containsExactly(bad);
        assertThat(slack.unacked()).containsExactly(refused);
        assertThat(bus.attempts()).isEqualTo(1);

        bus.refuse = false;
        slack.redeliverUnacked();
        slack.awaitAcked(2, WAIT);
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertThat(slack.acks()).containsExactly(bad, refused);
        assertThat(bus.published()).containsExactly("slack.message Ev0FULL0001");
        assertThat(runs).hasValue(1);
    }

    @Test
    void aRedeliveryOfAnAcknowledgedEventIsAcknowledgedAndNotPublishedAgain() throws Exception {
        start();
        slack.awaitConnections(1, WAIT);
        String payload = message("Ev0TWICE001");

        slack.sendEventsApi(payload);
        slack.sendEventsApi(payload);
        slack.awaitAcked(2, WAIT);
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertThat(bus.published()).containsExactly("slack.message Ev0TWICE001");
        assertThat(runs).hasValue(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"refresh_requested", "warning"})
    void aDisconnectSwapsConnectionsWithoutLosingOrDoublingEvents(String reason)
            throws Exception {
        start();
        slack.awaitConnections(1, WAIT);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            if (i == 50) {
                slack.sendDisconnect(reason);
            }
            String id = String.format("Ev0%s%04d", reason.substring(0, 4).toUpperCase(), i);
            ids.add(id);
            slack.sendEventsApi(message(id));
        }
        slack.awaitConnections(2, WAIT);
        slack.awaitAcked(100, WAIT);
        slack.awaitOpenConnections(1, WAIT);
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertExactlyOnce(ids);
        assertThat(slack.openCalls()).hasSize(2);
        assertThat(slack.connections()).isEqualTo(2);
    }

    @Test
    void theOldConnectionKeepsServingWhileItsReplacementCannotBeOpened() throws Exception {
        start();
        slack.awaitConnections(1, WAIT);
        slack.refuseOpen("ratelimited");

        slack.sendDisconnect("refresh_requested");
        slack.awaitOpenCalls(3, WAIT);
        slack.sendEventsApi(message("Ev0KEEP0001"));
        slack.awaitAcked(1, WAIT);
        slack.allowOpen();
        slack.awaitConnections(2, WAIT);
        slack.awaitOpenConnections(1, WAIT);
        slack.sendEventsApi(message("Ev0KEEP0002"));
        slack.awaitAcked(2, WAIT);
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertExactlyOnce(List.of("Ev0KEEP0001", "Ev0KEEP0002"));
    }

    @Test
    void fiveHundredEnvelopesWithTheConnectionDroppedInTheMiddleArePublishedExactlyOnce()
            throws Exception {
        start();
        slack.awaitConnections(1, WAIT);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            if (i == 250) {
                slack.dropConnections();
            }
            String id = String.format("Ev0DROP%04d", i);
            ids.add(id);
            slack.sendEventsApi(message(id));
        }
        slack.awaitAcked(500, WAIT);
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertExactlyOnce(ids);
        assertThat(slack.connections()).isGreaterThanOrEqualTo(2);
        assertThat(slack.unacked()).isEmpty();
    }

    @Test
    void reconnectsBackOffWhileTheServerRefusesThenConnect() {
        slack.refuseOpen("ratelimited");
        start();

        slack.awaitOpenCalls(6, WAIT);
        List<Instant> calls = slack.openCalls();
        for (int i = 1; i < 6; i++) {
            // Never sooner than the configured first backoff of 50 ms.
            assertThat(Duration.between(calls.get(i - 1), calls.get(i)))
                    .as("gap before call %d", i).isGreaterThanOrEqualTo(Duration.ofMillis(50));
        }

        slack.allowOpen();
        slack.awaitConnections(1, WAIT);
        slack.sendEventsApi(message("Ev0LATE0001"));
        slack.awaitAcked(1, WAIT);
    }

    @Test
    void disconnectsOneAfterAnotherOpenConnectionsNoFasterThanTheMinimumBackoff() {
        start();
        slack.awaitConnections(1, WAIT);

        for (int i = 2; i <= 6; i++) {
            slack.sendDisconnect("refresh_requested");
            slack.awaitConnections(i, WAIT);
        }

        // The client spaces its calls by the 50 ms minimum backoff as it sends them; where they
        // arrive, a call that travels slowly on a busy machine shortens the gap before the next
        // one, so the check is on the span of all of them, which only the first call's and the
        // last call's travel can shorten. Without the spacing, the gaps are a few milliseconds.
        List<Instant> calls = slack.openCalls();
        assertThat(calls).hasSize(6);
        assertThat(Duration.between(calls.get(0), calls.get(calls.size() - 1)))
                .as("span of %d calls", calls.size())
                .isGreaterThanOrEqualTo(Duration.ofMillis(50L * (calls.size() - 1) - 30));
    }

    @Test
    void aFrameOverTheLimitClosesTheConnectionWhichIsReopened() throws Exception {
        start();
        slack.awaitConnections(1, WAIT);

        slack.sendRaw("x".repeat(9 << 20));
        slack.awaitConnections(2, WAIT);
        slack.awaitOpenConnections(1, WAIT);
        slack.sendEventsApi(message("Ev0AFTERBIG1"));
        slack.awaitAcked(1, WAIT);
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertExactlyOnce(List.of("Ev0AFTERBIG1"));
    }

    @Test
    void aWrongAppTokenIsRefusedAndRetriedWithBackoff() {
        appToken = "xapp-1-wrong-token";
        start();

        slack.awaitOpenCalls(2, WAIT);
        List<Instant> calls = slack.openCalls();
        assertThat(Duration.between(calls.get(0), calls.get(1)))
                .isGreaterThanOrEqualTo(Duration.ofMillis(50));
        assertThat(slack.connections()).isZero();
    }

    @Test
    void linkDisabledStopsSocketMode() {
        start();
        slack.awaitConnections(1, WAIT);

        slack.sendDisconnect("link_disabled");
        slack.awaitOpenConnections(0, WAIT);

        assertThat(slack.openCalls()).hasSize(1);
    }

    @Test
    void engineCloseClosesTheConnectionAndLeavesNoClientThread() {
        start();
        slack.awaitConnections(1, WAIT);
        assertThat(clientThreads()).isPositive();

        engine.close();
        engine = null;

        slack.awaitOpenConnections(0, WAIT);
        awaitNoClientThread();
        assertThat(slack.openCalls()).hasSize(1);
    }

    @Test
    void slashCommandsAndInteractionsTakeTheSamePathAsHttp() throws Exception {
        start(builder -> builder
                .config("slack.slash-command-ack", "On it")
                .recipe(Recipe.named("deploy")
                        .when(Slack.slashCommand("/deploy"))
                        .then(ActionStep.of("counting", "count").build())
                        .build())
                .recipe(Recipe.named("approve")
                        .when(Slack.blockAction("approve"))
                        .then(ActionStep.of("counting", "count").build())
                        .build()));
        slack.awaitConnections(1, WAIT);
        String command = JSON.createObjectNode()
                .put("token", "legacy-verification-token")
                .put("team_id", "T0TEST001").put("channel_id", "C0CHAN001")
                .put("user_id", "U0USER001").put("command", "/deploy").put("text", "web")
                .put("trigger_id", "111.222.aaa").putNull("enterprise_id").toString();
        String interaction = formPayload(simulator.blockAction("approve", "yes").build()
                .bodyText());

        String commandEnvelope = slack.sendEnvelope("slash_commands", command, true);
        slack.sendEnvelope("interactive", interaction, false);
        slack.sendEnvelope("slash_commands", command, true);
        slack.awaitAcked(2, WAIT);
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertThat(bus.published()).hasSize(2)
                .anyMatch(line -> line.startsWith("slack.slash_command "))
                .anyMatch(line -> line.startsWith("slack.block_actions "));
        assertThat(bus.events()).noneMatch(event -> event.data().toString()
                .contains("legacy-verification-token"));
        assertThat(bus.events()).filteredOn(event -> event.type().equals("slack.slash_command"))
                .singleElement().satisfies(event -> {
                    assertThat(event.data().path("text").asText()).isEqualTo("web");
                    assertThat(event.data().has("enterprise_id")).as("a null field").isFalse();
                });
        JsonNode ack = JSON.readTree(slack.ackMessages().get(0));
        assertThat(ack.path("envelope_id").asText()).isEqualTo(commandEnvelope);
        assertThat(ack.path("payload").path("text").asText()).isEqualTo("On it");
        assertThat(runs).hasValue(2);
    }

    @Test
    void malformedMessagesAreIgnoredAndBadEnvelopesAcknowledgedWithoutAnEvent()
            throws Exception {
        start();
        slack.awaitConnections(1, WAIT);

        slack.sendRaw("not json");
        slack.sendRaw("{\"type\":\"events_api\",\"payload\":{}}");
        slack.sendRaw("{\"type\":\"something_new\",\"envelope_id\":\"x-1\"}");
        String noPayload = slack.sendEnvelope("events_api", "[1]", false);
        String noEvent = slack.sendEventsApi("{\"type\":\"event_callback\"}");
        String good = slack.sendEventsApi(message("Ev0GOOD0001"));
        slack.awaitAcked(3, WAIT);
        assertThat(engine.awaitIdle(WAIT)).isTrue();

        assertThat(slack.acks()).containsExactly(noPayload, noEvent, good);
        assertThat(bus.published()).containsExactly("slack.message Ev0GOOD0001");
        assertThat(slack.otherMessages()).isEmpty();
    }

    @Test
    void badSocketModeConfigurationFailsTheStartWithAClearMessage() {
        engine = null;
        assertThatThrownBy(() -> startBare(Map.of("slack.socket-mode", "true")))
                .isInstanceOf(RecipeException.class)
                .hasMessageContaining("slack.app-token");
        assertThatThrownBy(() -> startBare(Map.of("slack.socket-mode", "yes",
                "slack.app-token", slack.appToken())))
                .isInstanceOf(RecipeException.class)
                .hasMessageContaining("neither true nor false");
        assertThatThrownBy(() -> startBare(Map.of("slack.app-token", slack.appToken(),
                "slack.socket-mode-backoff", "soon")))
                .isInstanceOf(RecipeException.class)
                .hasMessageContaining("slack.socket-mode-backoff")
                .hasMessageNotContaining(slack.appToken());
        assertThatThrownBy(() -> startBare(Map.of("slack.app-token", slack.appToken(),
                "slack.socket-mode-max-backoff", "-PT1S")))
                .isInstanceOf(RecipeException.class)
                .hasMessageContaining("must be positive");
    }

    @Test
    void socketModeOffLeavesTheServiceAsItWas() {
        RecipeEngine plain = startBare(Map.of("slack.signing-secret", "s3cret",
                "slack.socket-mode", "false", "slack.app-token", slack.appToken()));
        try {
            assertThat(plain.toString()).doesNotContain(slack.appToken());
            assertThat(slack.openCalls()).isEmpty();
        } finally {
            plain.close();
        }
    }

    @Test
    void theAppTokenNeverShowsInToString() {
        start();
        slack.awaitConnections(1, WAIT);
        assertThat(engine.toString()).doesNotContain(slack.appToken());
        assertThat(new SlackService().toString()).doesNotContain(slack.appToken());
    }

    private RecipeEngine startBare(Map<String, String> config) {
        RecipeEngine.Builder builder = RecipeEngine.builder()
                .discoverServices(false)
                .service(new SlackService())
                .config("slack.api-url", slack.apiUrl());
        config.forEach(builder::config);
        RecipeEngine built = builder.build();
        try {
            built.start();
        } catch (RuntimeException e) {
            built.close();
            throw e;
        }
        return built;
    }

    private static String formPayload(String form) {
        for (String pair : form.split("&")) {
            if (pair.startsWith("payload=")) {
                return URLDecoder.decode(pair.substring("payload=".length()),
                        StandardCharsets.UTF_8);
            }
        }
        throw new AssertionError("no payload field in " + form);
    }

    private void assertExactlyOnce(List<String> ids) {
        Map<String, Long> counts = bus.published().stream()
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        Map<String, Long> expected = new HashMap<>();
        ids.forEach(id -> expected.put("slack.message " + id, 1L));
        assertThat(counts).isEqualTo(expected);
        assertThat(runs).hasValue(ids.size());
    }

    // The client's threads end shortly after the connection closes.
    private static void awaitNoClientThread() {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (clientThreads() > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("WebSocket client threads still alive: "
                        + clientThreads());
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    private static long clientThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                // The fake server's own threads are named WebSocketSelector and -Worker.
                .filter(name -> name.startsWith("WebSocket")
                        && !name.startsWith("WebSocketSelector")
                        && !name.startsWith("WebSocketWorker"))
                .count();
    }

    /** Counts the runs of its one action, {@code count}. */
    private final class CountingService implements Service {

        @Override
        public String id() {
            return "counting";
        }

        @Override
        public List<Action> actions() {
            return List.of(new Action() {
                @Override
                public String name() {
                    return "count";
                }

                @Override
                public JsonNode execute(ActionInvocation invocation) {
                    runs.incrementAndGet();
                    return invocation.params();
                }
            });
        }
    }

    /** An in-memory bus that records Slack events it takes and can refuse them, as if full. */
    private static final class RecordingBus implements EventBus {

        volatile boolean refuse;
        private final AtomicInteger attempts = new AtomicInteger();
        private final List<Event> events = new CopyOnWriteArrayList<>();
        private final EventBus inner = EventBus.inMemory();

        @Override
        public void publish(String topic, Event event) {
            if (topic.startsWith("trigger.slack.")) {
                attempts.incrementAndGet();
                if (refuse) {
                    throw new EventRejectedException("test bus: queue of topic '" + topic
                            + "' is full", Duration.ofSeconds(1));
                }
                events.add(event);
            }
            inner.publish(topic, event);
        }

        int attempts() {
            return attempts.get();
        }

        List<Event> events() {
            return events;
        }

        List<String> published() {
            return events.stream().map(event -> event.type() + " " + event.id()).toList();
        }

        @Override
        public Subscription subscribe(String topic, String group, EventHandler handler) {
            return inner.subscribe(topic, group, handler);
        }

        @Override
        public boolean close(Duration deadline) {
            return inner.close(deadline);
        }

        @Override
        public boolean awaitIdle(Duration timeout) throws InterruptedException {
            return inner.awaitIdle(timeout);
        }
    }
}
