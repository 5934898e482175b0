package dev.recipes.slack;

import static dev.recipes.slack.SlackFixture.resource;
import static dev.recipes.slack.SlackFixture.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Event;
import dev.recipes.core.EventBus;
import dev.recipes.core.webhook.WebhookResponse;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Events API webhook through a real engine: challenges, events, redeliveries, bad input. */
final class SlackEventsWebhookTest {

    private final ObjectMapper json = new ObjectMapper();
    private final SlackFixture slack = SlackFixture.start();

    @AfterEach
    void closeEngine() {
        slack.close();
    }

    @Test
    void answersUrlVerificationWithTheChallenge() {
        WebhookResponse response = slack.send(resource("url-verification.json"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.bodyText())
                .isEqualTo("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
        assertThat(response.headers()).containsEntry("Content-Type", "text/plain; charset=utf-8");
        assertThat(slack.published()).isEmpty();
    }

    @Test
    void refusesUrlVerificationWithoutAChallenge() {
        WebhookResponse response = slack.send(utf8("{\"type\":\"url_verification\"}"));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.bodyText()).contains("challenge");
    }

    @Test
    void publishesAMessageWithTheWholeEnvelopeAsData() throws Exception {
        byte[] body = resource("message.json");

        WebhookResponse response = slack.send(body);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).isEmpty();
        Event event = single(slack.published());
        assertThat(event.type()).isEqualTo("slack.message");
        assertThat(event.id()).isEqualTo("Ev0MSG0001");
        assertThat(event.source()).isEqualTo(URI.create("/slack/T0TEST001"));
        assertThat(event.subject()).isEqualTo("C0CHAN001");
        assertThat(event.time()).isEqualTo(Instant.ofEpochSecond(1_700_000_100L));
        assertThat(event.data()).isEqualTo(json.readTree(body));
        assertThat(event.data().at("/event/text").asText()).isEqualTo("deploy finished");
    }

    @Test
    void keepsSlackTimestampsAsStrings() {
        slack.send(resource("message.json"));

        JsonNode ts = single(slack.published()).data().at("/event/ts");

        assertThat(ts.isTextual()).isTrue();
        assertThat(ts.asText()).isEqualTo("1700000100.000200");
    }

    @Test
    void publishesAnAppMentionUnderItsOwnType() {
        slack.send(resource("app-mention.json"));

        Event event = single(slack.published());

        assertThat(event.type()).isEqualTo("slack.app_mention");
        assertThat(event.subject()).isEqualTo("C0CHAN001");
    }

    @Test
    void takesAReactionsSubjectFromTheChannelOfItsItem() {
        slack.send(resource("reaction-added.json"));

        Event event = single(slack.published());

        assertThat(event.type()).isEqualTo("slack.reaction_added");
        assertThat(event.subject()).isEqualTo("C0CHAN001");
    }

    @Test
    void publishesAnUnknownEventTypeUnderItsOwnName() {
        WebhookResponse response = slack.send(resource("unknown-event.json"));

        assertThat(response.status()).isEqualTo(200);
        Event event = single(slack.published());
        assertThat(event.type()).isEqualTo("slack.sparkle_added");
        assertThat(event.data().at("/event/sparkle/count").asInt()).isEqualTo(3);
    }

    @Test
    void publishesARedeliveredEventIdOnce() {
        byte[] body = resource("message.json");

        WebhookResponse first = slack.send(body);
        WebhookResponse retry = slack.send(body,
                Map.of("X-Slack-Retry-Num", "1", "X-Slack-Retry-Reason", "http_timeout"));
        WebhookResponse unmarked = slack.send(body);

        assertThat(List.of(first, retry, unmarked))
                .extracting(WebhookResponse::status).containsOnly(200);
        assertThat(slack.published()).extracting(Event::id).containsExactly("Ev0MSG0001");
    }

    @Test
    void publishesOnRedeliveryAnEventTheBusCouldNotTake() throws Exception {
        CountDownLatch handling = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        List<String> seen = new CopyOnWriteArrayList<>();
        try (SlackFixture small = SlackFixture.start(
                builder -> builder.bus(EventBus.inMemory(1)), List.of())) {
            small.engine().bus().subscribe("trigger.slack.message", "slow", event -> {
                seen.add(event.id());
                handling.countDown();
                release.await(10, TimeUnit.SECONDS);
            });
            small.send(message("Ev0FIRST01"));
            assertThat(handling.await(10, TimeUnit.SECONDS)).isTrue();
            small.send(message("Ev0QUEUED1"));

            WebhookResponse refused = small.send(message("Ev0REFUSE1"));
            release.countDown();
            small.published();
            WebhookResponse redelivered = small.send(message("Ev0REFUSE1"),
                    Map.of("X-Slack-Retry-Num", "1"));
            small.published();

            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.headers()).containsKey("Retry-After");
            assertThat(redelivered.status()).isEqualTo(200);
            assertThat(seen).containsExactly("Ev0FIRST01", "Ev0QUEUED1", "Ev0REFUSE1");
        } finally {
            release.countDown();
        }
    }

    @Test
    void verifiesMultiByteTextAndABodyThatReserialisingWouldChange() throws Exception {
        byte[] body = resource("message-multibyte.json");
        byte[] reserialised = json.writeValueAsBytes(json.readTree(body));

        WebhookResponse response = slack.send(body);

        assertThat(reserialised).isNotEqualTo(body);
        assertThat(response.status()).isEqualTo(200);
        assertThat(single(slack.published()).data().at("/event/text").asText())
                .isEqualTo("Café order: café ☕ 日本語 👍🏽 &amp; done");
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"type\":", "{\"type\":\"event_callback\"} trailing", "not json",
            "token=abc&team_id=T0TEST001"})
    void refusesMalformedJsonWithAValidSignature(String body) {
        WebhookResponse response = slack.send(utf8(body));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.bodyText()).contains("not JSON");
        assertThat(response.headers()).containsEntry("X-Slack-No-Retry", "1");
        assertThat(slack.published()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "[1,2]", "\"event_callback\"", "42", "null"})
    void refusesJsonThatIsNotAnObject(String body) {
        WebhookResponse response = slack.send(utf8(body));

        assertThat(response.status()).isEqualTo(400);
        assertThat(slack.published()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/type", "/event_id", "/event", "/event/type", "/team_id"})
    void refusesAnEnvelopeWithoutAFieldItNeeds(String field) throws Exception {
        byte[] body = withoutField(resource("message.json"), field);

        WebhookResponse response = slack.send(body);

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.bodyText()).contains(field.substring(field.lastIndexOf('/') + 1));
        assertThat(slack.published()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Ev 1", "Ev\n1", "Ev/1"})
    void refusesAnEventIdThatIsNotOne(String eventId) throws Exception {
        ObjectNode envelope = (ObjectNode) json.readTree(resource("message.json"));
        envelope.put("event_id", eventId);

        WebhookResponse response = slack.send(json.writeValueAsBytes(envelope));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.bodyText()).contains("event_id");
        assertThat(slack.published()).isEmpty();
    }

    @Test
    void refusesAnAbsurdlyLongEventIdWithoutEchoingIt() throws Exception {
        ObjectNode envelope = (ObjectNode) json.readTree(resource("message.json"));
        envelope.put("event_id", "Ev" + "X".repeat(1_000_000));

        WebhookResponse response = slack.send(json.writeValueAsBytes(envelope));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.bodyText().length()).isLessThan(300);
        assertThat(slack.published()).isEmpty();
    }

    @Test
    void refusesAnInnerEventThatIsNotAnObject() throws Exception {
        ObjectNode envelope = (ObjectNode) json.readTree(resource("message.json"));
        envelope.put("event", "message");

        WebhookResponse response = slack.send(json.writeValueAsBytes(envelope));

        assertThat(response.status()).isEqualTo(400);
        assertThat(slack.published()).isEmpty();
    }

    @Test
    void usesTheArrivalTimeWhenEventTimeIsMissing() throws Exception {
        slack.send(withoutField(resource("message.json"), "/event_time"));

        Event event = single(slack.published());

        assertThat(event.time()).isEqualTo(Instant.ofEpochSecond(SlackFixture.NOW));
    }

    @Test
    void publishesAppRateLimitedOncePerTeamAndMinute() {
        byte[] body = resource("app-rate-limited.json");

        WebhookResponse first = slack.send(body);
        WebhookResponse again = slack.send(body);

        assertThat(first.status()).isEqualTo(200);
        assertThat(again.status()).isEqualTo(200);
        Event event = single(slack.published());
        assertThat(event.type()).isEqualTo("slack.app_rate_limited");
        assertThat(event.id()).isEqualTo("app_rate_limited:T0TEST001:1700000040");
        assertThat(event.time()).isEqualTo(Instant.ofEpochSecond(1_700_000_040L));
    }

    @Test
    void answersAnUnknownEnvelopeTypeAndPublishesNothing() {
        byte[] body = utf8("{\"type\":\"something_new\",\"team_id\":\"T0TEST001\"}");

        WebhookResponse response = slack.send(body);

        assertThat(response.status()).isEqualTo(200);
        assertThat(slack.published()).isEmpty();
    }

    private byte[] message(String eventId) throws Exception {
        ObjectNode envelope = (ObjectNode) json.readTree(resource("message.json"));
        envelope.put("event_id", eventId);
        return json.writeValueAsBytes(envelope);
    }

    private byte[] withoutField(byte[] body, String pointer) throws Exception {
        JsonNode envelope = json.readTree(body);
        int slash = pointer.lastIndexOf('/');
        JsonNode parent = slash == 0 ? envelope : envelope.at(pointer.substring(0, slash));
        ((ObjectNode) parent).remove(pointer.substring(slash + 1));
        return json.writeValueAsBytes(envelope);
    }

    private static Event single(List<Event> events) {
        assertThat(events).hasSize(1);
        return events.get(0);
    }
}
