package dev.recipes.testkit.slack;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Secret;
import dev.recipes.core.signature.SignatureException;
import dev.recipes.core.signature.SlackSignature;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.testkit.MutableClock;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

final class SlackSimulatorTest {

    private static final Secret SECRET = Secret.of("8f742231b10e8888abcd99yyyzzz85a5");
    private static final Instant NOW = Instant.ofEpochSecond(1_700_000_100);
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private final SlackSimulator slack = SlackSimulator.of(SECRET, CLOCK);
    private final SlackSignature signature = SlackSignature.of(SECRET).withClock(CLOCK);

    @Test
    void messageVerifiesWithTheSameSecretAndClock() {
        WebhookRequest request = slack.message("C0CHAN001", "U0USER001", "deploy finished")
                .toWebhookRequest();

        assertThatCode(() -> signature.verify(request)).doesNotThrowAnyException();
    }

    @Test
    void bodyChangedAfterSigningFailsVerification() {
        WebhookRequest request = slack.message("C0CHAN001", "U0USER001", "deploy finished")
                .tamperAfterSigning()
                .toWebhookRequest();

        assertThatThrownBy(() -> signature.verify(request))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("does not match");
    }

    @Test
    void bodyReplacedAfterSigningFailsVerification() {
        SlackRequest request = slack.message("C0CHAN001", "U0USER001", "*bold*")
                .tamperAfterSigning(body -> new String(body, UTF_8)
                        .replace("*bold*", "bold").getBytes(UTF_8))
                .build();

        assertThat(request.bodyText()).doesNotContain("*bold*");
        assertThatThrownBy(() -> signature.verify(request.toWebhookRequest()))
                .isInstanceOf(SignatureException.class);
    }

    @Test
    void otherSecretFailsVerification() {
        WebhookRequest request = slack.message("C0CHAN001", "U0USER001", "hi")
                .signedWith(Secret.of("not-the-signing-secret"))
                .toWebhookRequest();

        assertThatThrownBy(() -> signature.verify(request))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("does not match");
    }

    @Test
    void staleTimestampFailsVerification() {
        SlackRequest request = slack.message("C0CHAN001", "U0USER001", "hi").stale().build();

        assertThat(request.header(SlackSignature.TIMESTAMP_HEADER))
                .contains(Long.toString(NOW.minus(SlackRequestBuilder.STALE_BY).getEpochSecond()));
        assertThatThrownBy(() -> signature.verify(request.toWebhookRequest()))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("replay window");
    }

    @Test
    void unsignedRequestLacksTheSignatureHeaders() {
        SlackRequest request = slack.message("C0CHAN001", "U0USER001", "hi").unsigned().build();

        assertThat(request.header(SlackSignature.SIGNATURE_HEADER)).isEmpty();
        assertThat(request.header(SlackSignature.TIMESTAMP_HEADER)).isEmpty();
        assertThatThrownBy(() -> signature.verify(request.toWebhookRequest()))
                .isInstanceOf(SignatureException.class)
                .hasMessageContaining("missing");
    }

    @Test
    void messageHasTheEventCallbackEnvelope() {
        JsonNode json = slack.message("C0CHAN001", "U0USER001", "deploy finished").build().json();

        assertThat(json.path("token").asText()).isEqualTo("legacy");
        assertThat(json.path("team_id").asText()).isEqualTo("T0TEST001");
        assertThat(json.path("api_app_id").asText()).isEqualTo("A0TEST001");
        assertThat(json.path("type").asText()).isEqualTo("event_callback");
        assertThat(json.path("event_id").asText()).matches("Ev[0-9A-Z]{10}");
        assertThat(json.path("event_time").isIntegralNumber()).isTrue();
        assertThat(json.path("event_time").asLong()).isEqualTo(NOW.getEpochSecond());
        JsonNode authorization = json.path("authorizations").path(0);
        assertThat(json.path("authorizations").size()).isEqualTo(1);
        assertThat(authorization.path("enterprise_id").isNull()).isTrue();
        assertThat(authorization.path("team_id").asText()).isEqualTo("T0TEST001");
        assertThat(authorization.path("user_id").asText()).isEqualTo("U0BOT0001");
        assertThat(authorization.path("is_bot").asBoolean()).isTrue();
        assertThat(authorization.path("is_enterprise_install").isBoolean()).isTrue();
        assertThat(authorization.path("is_enterprise_install").asBoolean()).isFalse();
    }

    @Test
    void messageEventCarriesTsAsAString() {
        JsonNode event = slack.message("C0CHAN001", "U0USER001", "deploy finished")
                .build().json().path("event");

        assertThat(event.path("type").asText()).isEqualTo("message");
        assertThat(event.path("channel").asText()).isEqualTo("C0CHAN001");
        assertThat(event.path("channel_type").asText()).isEqualTo("channel");
        assertThat(event.path("user").asText()).isEqualTo("U0USER001");
        assertThat(event.path("text").asText()).isEqualTo("deploy finished");
        assertThat(event.path("ts").isTextual()).isTrue();
        assertThat(event.path("ts").asText()).matches("1700000100\\.\\d{6}");
        assertThat(event.path("event_ts")).isEqualTo(event.path("ts"));
        assertThat(event.path("client_msg_id").asText())
                .matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    }

    @Test
    void eachMessageGetsItsOwnEventIdAndTs() {
        JsonNode first = slack.message("C0CHAN001", "U0USER001", "one").build().json();
        JsonNode second = slack.message("C0CHAN001", "U0USER001", "two").build().json();

        assertThat(first.path("event_id")).isNotEqualTo(second.path("event_id"));
        assertThat(first.at("/event/ts")).isNotEqualTo(second.at("/event/ts"));
    }

    @Test
    void channelTypeFollowsTheChannelId() {
        JsonNode im = slack.message("D0DIRECT1", "U0USER001", "hi").build().json();
        JsonNode group = slack.message("G0GROUP01", "U0USER001", "hi").build().json();

        assertThat(im.at("/event/channel_type").asText()).isEqualTo("im");
        assertThat(group.at("/event/channel_type").asText()).isEqualTo("group");
    }

    @Test
    void optionsSetTeamEventIdAndTimes() {
        Instant happened = Instant.ofEpochSecond(1_699_999_000);

        SlackRequest request = slack.message("C0CHAN001", "U0USER001", "hi")
                .teamId("T0OTHER01")
                .eventId("Ev0MSG0001")
                .eventTime(happened)
                .requestTimestamp(NOW.minusSeconds(30))
                .build();

        JsonNode json = request.json();
        assertThat(json.path("team_id").asText()).isEqualTo("T0OTHER01");
        assertThat(json.at("/authorizations/0/team_id").asText()).isEqualTo("T0OTHER01");
        assertThat(json.path("event_id").asText()).isEqualTo("Ev0MSG0001");
        assertThat(request.eventId()).contains("Ev0MSG0001");
        assertThat(json.path("event_time").asLong()).isEqualTo(1_699_999_000L);
        assertThat(json.at("/event/ts").asText()).startsWith("1699999000.");
        assertThat(request.header("x-slack-request-timestamp")).contains("1700000070");
        assertThatCode(() -> signature.verify(request.toWebhookRequest()))
                .doesNotThrowAnyException();
    }

    @Test
    void simulatorDefaultsCanBeChanged() {
        JsonNode json = slack.withTeamId("T0TEAM002").withApiAppId("A0APP0002")
                .withBotUserId("U0BOT0002")
                .message("C0CHAN001", "U0USER001", "hi").build().json();

        assertThat(json.path("team_id").asText()).isEqualTo("T0TEAM002");
        assertThat(json.path("api_app_id").asText()).isEqualTo("A0APP0002");
        assertThat(json.at("/authorizations/0/user_id").asText()).isEqualTo("U0BOT0002");
    }

    @Test
    void redeliveryAddsTheRetryHeaders() {
        SlackRequest request = slack.message("C0CHAN001", "U0USER001", "hi")
                .redelivery(2, "http_timeout")
                .build();

        assertThat(request.header("X-Slack-Retry-Num")).contains("2");
        assertThat(request.header("X-Slack-Retry-Reason")).contains("http_timeout");
        assertThatCode(() -> signature.verify(request.toWebhookRequest()))
                .doesNotThrowAnyException();
    }

    @Test
    void redeliveredKeepsBodyAndEventIdAndSignsAnew() {
        MutableClock clock = new MutableClock(NOW);
        SlackSimulator simulator = SlackSimulator.of(SECRET, clock);
        SlackRequest first = simulator.message("C0CHAN001", "U0USER001", "hi").build();
        clock.advance(Duration.ofSeconds(65));

        SlackRequest again = first.redelivered(1, "http_timeout");

        assertThat(again.body()).isEqualTo(first.body());
        assertThat(again.eventId()).isEqualTo(first.eventId());
        assertThat(again.header(SlackSignature.TIMESTAMP_HEADER)).contains("1700000165");
        assertThat(again.header("X-Slack-Retry-Num")).contains("1");
        assertThatCode(() -> SlackSignature.of(SECRET).withClock(clock)
                .verify(again.toWebhookRequest())).doesNotThrowAnyException();
    }

    @Test
    void eventOfAnyTypeGetsTypeAndEventTs() {
        ObjectNode inner = JsonNodeFactory.instance.objectNode()
                .put("user", "U0USER002")
                .put("reaction", "white_check_mark");
        inner.putObject("item").put("type", "message").put("channel", "C0CHAN001")
                .put("ts", "1700000100.000200");

        SlackRequest request = slack.event("reaction_added", inner).eventId("Ev0REACT001").build();

        JsonNode event = request.json().path("event");
        assertThat(event.path("type").asText()).isEqualTo("reaction_added");
        assertThat(event.path("reaction").asText()).isEqualTo("white_check_mark");
        assertThat(event.at("/item/ts").asText()).isEqualTo("1700000100.000200");
        assertThat(event.path("event_ts").asText()).matches("1700000100\\.\\d{6}");
        assertThat(inner.has("type")).as("the caller's node is not changed").isFalse();
        assertThatCode(() -> signature.verify(request.toWebhookRequest()))
                .doesNotThrowAnyException();
    }

    @Test
    void eventKeepsTheEventTsItWasGiven() {
        ObjectNode inner = JsonNodeFactory.instance.objectNode()
                .put("type", "app_mention")
                .put("event_ts", "1700000200.000300");

        JsonNode event = slack.event("app_mention", inner).build().json().path("event");

        assertThat(event.path("event_ts").asText()).isEqualTo("1700000200.000300");
    }

    @Test
    void eventWithAnotherInnerTypeIsRejected() {
        ObjectNode inner = JsonNodeFactory.instance.objectNode().put("type", "app_mention");

        assertThatThrownBy(() -> slack.event("message", inner))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("slack event 'message': the inner event's type is 'app_mention'");
    }

    @Test
    void editEventChangesTheEventBeforeSigning() {
        SlackRequest request = slack.message("C0CHAN001", "U0BOT0001", "posted by a bot")
                .editEvent(event -> event.put("bot_id", "B0BOT0001").put("subtype", "bot_message"))
                .build();

        assertThat(request.json().at("/event/bot_id").asText()).isEqualTo("B0BOT0001");
        assertThat(request.json().at("/event/subtype").asText()).isEqualTo("bot_message");
        assertThatCode(() -> signature.verify(request.toWebhookRequest()))
                .doesNotThrowAnyException();
    }

    @Test
    void editPayloadChangesTheEnvelopeBeforeSigning() {
        SlackRequest request = slack.message("C0CHAN001", "U0USER001", "hi")
                .editPayload(payload -> payload.put("is_ext_shared_channel", false))
                .build();

        assertThat(request.json().path("is_ext_shared_channel").isBoolean()).isTrue();
        assertThatCode(() -> signature.verify(request.toWebhookRequest()))
                .doesNotThrowAnyException();
    }

    @Test
    void urlVerificationCarriesOnlyTokenChallengeAndType() {
        String challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P";

        SlackRequest request = slack.urlVerification(challenge).build();

        JsonNode json = request.json();
        assertThat(json.properties()).extracting(Map.Entry::getKey)
                .containsExactly("token", "challenge", "type");
        assertThat(json.path("type").asText()).isEqualTo("url_verification");
        assertThat(json.path("challenge").asText()).isEqualTo(challenge);
        assertThat(request.eventId()).isEmpty();
        assertThatCode(() -> signature.verify(request.toWebhookRequest()))
                .doesNotThrowAnyException();
    }

    @Test
    void eventSettingsAreRejectedOnUrlVerification() {
        SlackRequestBuilder builder = slack.urlVerification("challenge");

        assertThatThrownBy(() -> builder.eventId("Ev0MSG0001"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("url_verification");
    }

    @Test
    void multiByteTextIsSignedAsItsUtf8Bytes() {
        String text = "h\u00e9llo \u2713 \u65e5\u672c \uD83D\uDE00";

        SlackRequest request = slack.message("C0CHAN001", "U0USER001", text).build();

        assertThat(request.json().at("/event/text").asText()).isEqualTo(text);
        assertThat(request.bodyText()).contains(text);
        assertThatCode(() -> signature.verify(request.toWebhookRequest()))
                .doesNotThrowAnyException();
    }

    @Test
    void rawBodyIsSignedAsSlackSignsIt() throws IOException {
        byte[] body = resource("slash-command-s1.txt");

        SlackRequest request = slack
                .rawBody("application/x-www-form-urlencoded", body)
                .requestTimestamp(Instant.ofEpochSecond(1_531_420_618))
                .build();

        assertThat(request.body()).isEqualTo(body);
        assertThat(request.header("Content-Type")).contains("application/x-www-form-urlencoded");
        assertThat(request.header(SlackSignature.SIGNATURE_HEADER)).contains(
                "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503");
    }

    @Test
    void webhookRequestIsAPostToHooksSlack() {
        SlackRequest built = slack.message("C0CHAN001", "U0USER001", "hi").build();

        WebhookRequest request = built.toWebhookRequest();

        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/hooks/slack");
        assertThat(request.query()).isEmpty();
        assertThat(request.header("content-type")).contains("application/json");
        assertThat(request.header("user-agent")).contains(SlackRequestBuilder.USER_AGENT);
        assertThat(request.body()).isEqualTo(built.body());
    }

    @Test
    void sendToHandsTheRequestToAHandlerInProcess() {
        AtomicReference<WebhookRequest> seen = new AtomicReference<>();
        SlackRequest request = slack.withPath("/hooks/slack-eu")
                .message("C0CHAN001", "U0USER001", "hi").build();

        WebhookResponse response = request.sendTo(received -> {
            seen.set(received);
            return WebhookResponse.text(200, "ok");
        });

        assertThat(response.bodyText()).isEqualTo("ok");
        assertThat(seen.get()).isEqualTo(request.toWebhookRequest());
        assertThat(seen.get().path()).isEqualTo("/hooks/slack-eu");
    }

    @Test
    void sendUsesTheSimulatorsTarget() {
        AtomicReference<WebhookRequest> seen = new AtomicReference<>();
        SlackSimulator targeted = slack.withTarget(received -> {
            seen.set(received);
            return WebhookResponse.ok();
        });

        WebhookResponse response = targeted.message("C0CHAN001", "U0USER001", "hi").send();

        assertThat(response.status()).isEqualTo(200);
        assertThat(seen.get()).isNotNull();
    }

    @Test
    void sendWithoutTargetFails() {
        SlackRequestBuilder builder = slack.message("C0CHAN001", "U0USER001", "hi");

        assertThatThrownBy(builder::send)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("withTarget");
    }

    @Test
    void settingGivenTwiceIsRejected() {
        SlackRequestBuilder builder = slack.message("C0CHAN001", "U0USER001", "hi")
                .eventId("Ev0MSG0001");

        assertThatThrownBy(() -> builder.eventId("Ev0MSG0002"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("slack request: event id already set to Ev0MSG0001");
    }

    @Test
    void staleConflictsWithAGivenTimestamp() {
        SlackRequestBuilder builder = slack.message("C0CHAN001", "U0USER001", "hi")
                .requestTimestamp(NOW);

        assertThatThrownBy(builder::stale)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("request timestamp already set");
    }

    @Test
    void blankChannelIsRejected() {
        assertThatThrownBy(() -> slack.message(" ", "U0USER001", "hi"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("slack simulator: channel is blank");
    }

    @Test
    void headerInOtherCaseReplacesTheSimulatorsOwn() {
        String forged = "v0=" + "0".repeat(64);

        SlackRequest request = slack.message("C0CHAN001", "U0USER001", "hi")
                .header("x-slack-signature", forged)
                .build();

        assertThat(request.headers().keySet())
                .filteredOn(name -> name.equalsIgnoreCase(SlackSignature.SIGNATURE_HEADER))
                .containsExactly("x-slack-signature");
        assertThat(request.headers().get(SlackSignature.SIGNATURE_HEADER)).isEqualTo(forged);
        assertThat(request.toWebhookRequest().headers().get(SlackSignature.SIGNATURE_HEADER))
                .containsExactly(forged);
        assertThatThrownBy(() -> signature.verify(request.toWebhookRequest()))
                .isInstanceOf(SignatureException.class);
    }

    @Test
    void headerGivenTwiceInAnyCaseIsRejected() {
        SlackRequestBuilder builder = slack.message("C0CHAN001", "U0USER001", "hi")
                .header("X-Trace", "1");

        assertThatThrownBy(() -> builder.header("x-trace", "2"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("slack request: header 'x-trace' already set to 1");
    }

    @Test
    void headerValueWithLineBreakIsRejected() {
        SlackRequestBuilder builder = slack.message("C0CHAN001", "U0USER001", "hi");

        assertThatThrownBy(() -> builder.header("X-Slack-Signature", "v0=1\r\nX-Evil: 1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("slack request: header 'X-Slack-Signature' value "
                        + "'v0=1\\r\\nX-Evil: 1' holds a control character or one outside "
                        + "ISO-8859-1 at index 4");
    }

    @Test
    void headerNameThatIsNotATokenIsRejected() {
        SlackRequestBuilder builder = slack.message("C0CHAN001", "U0USER001", "hi");

        assertThatThrownBy(() -> builder.header("X Slack: Signature", "v0=1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("slack request: header name 'X Slack: Signature' is not "
                        + "an HTTP token");
    }

    @Test
    void headerTheHttpClientSetsItselfIsRejected() {
        SlackRequestBuilder builder = slack.message("C0CHAN001", "U0USER001", "hi");

        assertThatThrownBy(() -> builder.header("content-length", "0"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("slack request: header 'content-length' cannot be set");
    }

    @Test
    void retryReasonWithLineBreakIsRejected() {
        SlackRequest request = slack.message("C0CHAN001", "U0USER001", "hi").build();

        assertThatThrownBy(() -> request.redelivered(1, "http_timeout\nX: y"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("slack request: header 'X-Slack-Retry-Reason' value "
                        + "'http_timeout\\nX: y'");
    }

    @Test
    void tamperingThatReturnsNullFailsWithAClearMessage() {
        SlackRequestBuilder builder = slack.message("C0CHAN001", "U0USER001", "hi")
                .tamperAfterSigning(body -> null);

        assertThatThrownBy(builder::build)
                .isInstanceOf(NullPointerException.class)
                .hasMessage("slack request: the change given to tamperAfterSigning returned null "
                        + "instead of the body to send");
    }

    @Test
    void toStringNeverShowsTheSecret() {
        SlackRequest request = slack.message("C0CHAN001", "U0USER001", "hi").build();

        assertThat(slack.toString()).doesNotContain(SECRET.reveal()).contains("T0TEST001");
        assertThat(request.toString()).doesNotContain(SECRET.reveal()).contains("/hooks/slack");
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = SlackSimulatorTest.class.getResourceAsStream(name)) {
            assertThat(in).as("test resource " + name).isNotNull();
            return in.readAllBytes();
        }
    }
}
