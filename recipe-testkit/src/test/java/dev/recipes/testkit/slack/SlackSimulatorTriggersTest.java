package dev.recipes.testkit.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Event;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.Secret;
import dev.recipes.core.Trigger;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.http.jdk.JdkWebhookServer;
import dev.recipes.slack.Slack;
import dev.recipes.slack.SlackService;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The simulator's message variants, slash commands and interactions, sent over loopback HTTP to
 * the real Slack service and selected by the triggers made for them.
 */
final class SlackSimulatorTriggersTest {

    private static final Secret SECRET = Secret.of("test-signing-secret-0002");
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_700_000_100),
            ZoneOffset.UTC);
    private static final List<String> TYPES = List.of("slack.message", "slack.slash_command",
            "slack.block_actions", "slack.view_submission", "slack.shortcut",
            "slack.message_action");

    private final List<Event> published = new CopyOnWriteArrayList<>();
    private final RecipeEngine engine = startEngine();
    private final JdkWebhookServer server = JdkWebhookServer.start(engine,
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    private final SlackSimulator slack = SlackSimulator.of(SECRET, CLOCK)
            .withTarget(URI.create("http://127.0.0.1:" + server.port()));

    private RecipeEngine startEngine() {
        RecipeEngine started = RecipeEngine.builder()
                .discoverServices(false)
                .service(SlackService.withSigningSecret(SECRET))
                .clock(CLOCK)
                .build();
        TYPES.forEach(type ->
                started.bus().subscribe(Trigger.topicFor(type), "test", published::add));
        started.start();
        return started;
    }

    @AfterEach
    void stop() {
        server.close();
        engine.close();
    }

    @Test
    void messageVariantsAreToldApartByTheMessageTriggers() {
        send(slack.message("C0CHAN001", "U0USER001", "hello"));
        send(slack.botMessage("C0CHAN001", "B0BOT0001", "beep"));
        send(slack.messageEdit("C0CHAN001", "U0USER001", "1.0", "helo", "hello"));
        send(slack.messageDeletion("C0CHAN001", "U0USER001", "1.0", "hello"));
        send(slack.threadReply("C0CHAN001", "U0USER002", "1.0", "agreed"));

        List<Event> events = published();
        assertThat(events).hasSize(5);
        assertThat(events).filteredOn(Slack.message()::matches).extracting(this::text)
                .containsExactlyInAnyOrder("hello", "agreed");
        assertThat(events).filteredOn(Slack.message().fromBots()::matches).hasSize(1);
        assertThat(events).filteredOn(Slack.message().edits().containing("hello")::matches)
                .hasSize(1);
        assertThat(events).filteredOn(Slack.message().deletions().fromUser("U0USER001")::matches)
                .hasSize(1);
        assertThat(events).filteredOn(Slack.message().inThread("1.0")::matches)
                .extracting(this::text).containsExactly("agreed");
    }

    @Test
    void slashCommandArrivesFormEncodedAndIsPublishedOnce() {
        SlackRequest command = slack.slashCommand("/deploy", "prod & staging").build();

        WebhookResponse first = command.send();
        WebhookResponse copy = command.send();

        assertThat(new String(command.body(), StandardCharsets.US_ASCII))
                .contains("command=%2Fdeploy", "text=prod+%26+staging");
        assertThat(command.header("Content-Type"))
                .hasValue("application/x-www-form-urlencoded");
        assertThat(first.status()).isEqualTo(200);
        assertThat(copy.status()).isEqualTo(200);
        assertThat(published()).singleElement().satisfies(event -> {
            assertThat(Slack.slashCommand("/deploy").inChannel(SlackSimulator.DEFAULT_CHANNEL_ID)
                    .fromUser(SlackSimulator.DEFAULT_USER_ID).containing("staging")
                    .matches(event)).isTrue();
            assertThat(event.data().has("token")).isFalse();
        });
    }

    @Test
    void eachSlashCommandBuiltGetsItsOwnTriggerId() {
        send(slack.slashCommand("/deploy", "prod"));
        send(slack.slashCommand("/deploy", "prod")
                .editPayload(fields -> fields.put("channel_id", "C0OPS0001")));

        assertThat(published()).extracting(event -> event.data().path("channel_id").asText())
                .containsExactlyInAnyOrder(SlackSimulator.DEFAULT_CHANNEL_ID, "C0OPS0001");
    }

    @Test
    void interactionsArePublishedUnderTheirTypes() {
        ObjectNode values = JsonNodeFactory.instance.objectNode();
        values.putObject("amount").putObject("input").put("type", "plain_text_input")
                .put("value", "42");

        send(slack.blockAction("approve", "req-7"));
        send(slack.viewSubmission("expense_form", values));
        send(slack.shortcut("new_ticket"));
        send(slack.messageShortcut("save_message", "1.0", "keep this"));

        List<Event> events = published();
        assertThat(events).extracting(Event::type).containsExactlyInAnyOrder(
                "slack.block_actions", "slack.view_submission", "slack.shortcut",
                "slack.message_action");
        assertThat(events).filteredOn(Slack.blockAction("approve")::matches).hasSize(1);
        assertThat(events).filteredOn(Slack.viewSubmission("expense_form")::matches)
                .singleElement().satisfies(event -> assertThat(event.data()
                        .at("/view/state/values/amount/input/value").asText()).isEqualTo("42"));
        assertThat(events).filteredOn(Slack.shortcut("new_ticket")::matches).hasSize(1);
        assertThat(events).filteredOn(Slack.messageShortcut("save_message")
                .containing("keep")::matches).hasSize(1);
    }

    @Test
    void tamperedInteractionIsRefused() {
        WebhookResponse refused = slack.blockAction("approve", "x").tamperAfterSigning().send();

        assertThat(refused.status()).isEqualTo(401);
        assertThat(published()).isEmpty();
    }

    @Test
    void refusesBadArgumentsAndEnvelopeSettingsOnForms() {
        assertThatThrownBy(() -> slack.slashCommand("deploy", ""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'deploy'");
        assertThatThrownBy(() -> slack.blockAction(" ", "v"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> slack.shortcut("s").eventId("Ev1"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("an interaction");
        assertThatThrownBy(() -> slack.slashCommand("/d", "").teamId("T1"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("a slash command");
    }

    private void send(SlackRequestBuilder request) {
        WebhookResponse answer = request.send();
        assertThat(answer.status()).as(answer.bodyText()).isEqualTo(200);
    }

    private String text(Event event) {
        JsonNode text = event.data().at("/event/text");
        return text.asText();
    }

    private List<Event> published() {
        try {
            assertThat(engine.awaitIdle(Duration.ofSeconds(10))).as("engine idle").isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return List.copyOf(published);
    }
}
