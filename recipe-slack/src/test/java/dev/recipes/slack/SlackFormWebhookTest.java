package dev.recipes.slack;

import static dev.recipes.slack.SlackFixture.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.Event;
import dev.recipes.core.Secret;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Slash commands and interactions: form bodies verified on their raw bytes, then decoded. */
final class SlackFormWebhookTest {

    private static final Map<String, String> FORM =
            Map.of("Content-Type", "application/x-www-form-urlencoded");
    private static final String COMMAND = "team_id=T0TEST001&channel_id=C0CHAN001"
            + "&user_id=U0USER001&command=%2Fdeploy&text=prod&trigger_id=111.222.abc"
            + "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT%2F1%2Fx";

    private SlackFixture slack = SlackFixture.start(builder -> { },
            List.of("slack.slash_command", "slack.block_actions"));

    @AfterEach
    void stop() {
        slack.close();
    }

    @Test
    void verifiesTheSignatureBeforeDecoding() {
        byte[] body = utf8(COMMAND);
        Map<String, String> headers = new LinkedHashMap<>(FORM);
        headers.putAll(SlackFixture.signedHeaders(Secret.of("wrong-secret"), SlackFixture.NOW,
                body));

        WebhookResponse refused = slack.post(headers, body);

        assertThat(refused.status()).isEqualTo(401);
        assertThat(slack.published()).isEmpty();
    }

    @Test
    void refusesABodyChangedAfterSigning() {
        Map<String, String> headers = new LinkedHashMap<>(FORM);
        headers.putAll(SlackFixture.signedHeaders(SlackFixture.SECRET, SlackFixture.NOW,
                utf8(COMMAND)));

        WebhookResponse refused = slack.post(headers, utf8(COMMAND.replace("prod", "dev!")));

        assertThat(refused.status()).isEqualTo(401);
        assertThat(slack.published()).isEmpty();
    }

    @Test
    void publishesOneSlashCommandPerTriggerId() {
        WebhookResponse first = slack.send(utf8(COMMAND), FORM);
        WebhookResponse copy = slack.send(utf8(COMMAND), FORM);
        WebhookResponse other = slack.send(utf8(COMMAND.replace("111.222", "333.444")), FORM);

        assertThat(List.of(first, copy, other)).extracting(WebhookResponse::status)
                .containsOnly(200);
        List<Event> published = slack.published();
        assertThat(published).hasSize(2);
        assertThat(published.get(0).id()).isEqualTo("slash_command:111.222.abc");
        assertThat(published.get(0).source().toString()).isEqualTo("/slack/T0TEST001");
        assertThat(published.get(0).data().path("response_url").asText())
                .isEqualTo("https://hooks.slack.com/commands/T/1/x");
    }

    @Test
    void servesASubPathAsTheServicePath() {
        byte[] body = utf8(COMMAND);
        Map<String, String> headers = new LinkedHashMap<>(FORM);
        headers.putAll(SlackFixture.signedHeaders(SlackFixture.SECRET, SlackFixture.NOW, body));

        WebhookResponse answer = slack.engine().webhooks().handle(
                WebhookRequest.post("/hooks/slack/commands", headers, body));

        assertThat(answer.status()).isEqualTo(200);
        assertThat(slack.published()).extracting(Event::type)
                .containsExactly("slack.slash_command");
    }

    @Test
    void answersSlashCommandsWithTheConfiguredAck() {
        slack.close();
        slack = SlackFixture.start(builder -> builder.config("slack.slash-command-ack",
                "On it."), List.of("slack.slash_command"));

        WebhookResponse answer = slack.send(utf8(COMMAND), FORM);

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.bodyText()).isEqualTo("On it.");
        assertThat(slack.published()).hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "text=hello",
        "command=deploy&team_id=T0TEST001",
        "command=%2Fdeploy",
        "command=%2Fdeploy&team_id=T0TEST001&command=%2Fother",
        "command=%2Fdeploy&team_id=T0%ZZ",
        "payload=not-json",
        "payload=%5B1%5D",
        "payload=%7B%22type%22%3A%22no%20such%20type%22%7D",
        "payload=%7B%7D",
        "payload=%7B%22type%22%3A%22message%22%7D",
        "payload=%7B%22type%22%3A5%7D",
        "command=%2Fdeploy&team_id=T0TEST001&text=%FF%FE&trigger_id=1.2.a",
        "command=%2Fdeploy&team_id=T0TEST001&&trigger_id=1.2.a",
        "command=%2Fdeploy&team_id=T0TEST001&=x&trigger_id=1.2.a",
    })
    void refusesMalformedFormsWith400AndNoRetry(String body) {
        WebhookResponse refused = slack.send(utf8(body), FORM);

        assertThat(refused.status()).as(body).isEqualTo(400);
        assertThat(refused.headers()).containsEntry("X-Slack-No-Retry", "1");
        assertThat(refused.bodyText()).startsWith("slack webhook: ");
        assertThat(slack.published()).isEmpty();
    }

    @Test
    void refusesABodyThatIsNotUtf8AndAFormTypeWithASuffix() {
        byte[] latin1 = "command=%2Fdeploy&team_id=T0TEST001&text=caf\u00e9&trigger_id=1.2.a"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

        WebhookResponse notUtf8 = slack.send(latin1, FORM);
        WebhookResponse evil = slack.send(utf8("command=%2Fdeploy&team_id=T0TEST001"),
                Map.of("Content-Type", "application/x-www-form-urlencoded-evil"));

        assertThat(notUtf8.status()).isEqualTo(400);
        assertThat(notUtf8.bodyText()).contains("not UTF-8");
        assertThat(evil.status()).isEqualTo(400);
        assertThat(slack.published()).isEmpty();
    }

    @Test
    void quotesTextFromTheSenderWithoutItsLineBreaks() {
        WebhookResponse refused = slack.send(utf8("payload=%7B%22type%22%3A%22x%5Cn%5Bmain%5D"
                + "%20ERROR%20forged%22%7D"), FORM);

        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.bodyText()).contains("'x\\u000a[main] ERROR forged'")
                .doesNotContain("\n");
    }

    @Test
    void publishesAnInteractionPayloadWithoutItsToken() {
        String payload = "{\"type\":\"block_actions\",\"token\":\"legacy\",\"trigger_id\":"
                + "\"9.8.7\",\"team\":{\"id\":\"T0TEST002\"},\"user\":{\"id\":\"U0USER001\"},"
                + "\"actions\":[{\"action_id\":\"approve\",\"value\":\"ÿes ✓\"}]}";
        String body = "payload=" + URLEncoder.encode(payload, StandardCharsets.UTF_8);

        WebhookResponse answer = slack.send(utf8(body), FORM);

        assertThat(answer.status()).isEqualTo(200);
        assertThat(slack.published()).singleElement().satisfies(event -> {
            assertThat(event.type()).isEqualTo("slack.block_actions");
            assertThat(event.source().toString()).isEqualTo("/slack/T0TEST002");
            assertThat(event.data().has("token")).isFalse();
            assertThat(event.data().at("/actions/0/value").asText()).isEqualTo("ÿes ✓");
        });
    }
}
