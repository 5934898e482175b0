package dev.recipes.webhooks;

import static dev.recipes.webhooks.WebhookFixture.OTHER_SECRET;
import static dev.recipes.webhooks.WebhookFixture.SPEC_BODY;
import static dev.recipes.webhooks.WebhookFixture.SPEC_CLOCK;
import static dev.recipes.webhooks.WebhookFixture.SPEC_ID;
import static dev.recipes.webhooks.WebhookFixture.SPEC_SECRET;
import static dev.recipes.webhooks.WebhookFixture.SPEC_SIGNATURE;
import static dev.recipes.webhooks.WebhookFixture.SPEC_TIMESTAMP;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.core.Event;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RecipeException;
import dev.recipes.core.signature.StandardWebhooksSignature;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The webhook service in process: sources from config, verification, events, answers. */
final class WebhookServiceTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private RecipeEngine engine;

    @AfterEach
    void closeEngine() {
        if (engine != null) {
            engine.close();
        }
    }

    private RecipeEngine start(Clock clock, String... config) {
        RecipeEngine.Builder builder = RecipeEngine.builder().discoverServices(false)
                .service(new WebhookService()).clock(clock);
        for (int i = 0; i < config.length; i += 2) {
            builder.config(config[i], config[i + 1]);
        }
        engine = builder.build();
        engine.start();
        return engine;
    }

    private RecipeEngine startBilling(String... more) {
        String[] config = new String[4 + more.length];
        config[0] = "webhook.sources";
        config[1] = "billing";
        config[2] = "webhook.billing.secrets";
        config[3] = SPEC_SECRET;
        System.arraycopy(more, 0, config, 4, more.length);
        return start(SPEC_CLOCK, config);
    }

    private WebhookResponse post(WebhookRequest request) {
        return engine.webhooks().handle(request);
    }

    private static WebhookRequest without(WebhookRequest request, String header) {
        Map<String, List<String>> headers = new LinkedHashMap<>(request.headers());
        headers.remove(header);
        return new WebhookRequest("POST", request.path(), "", headers, request.body());
    }

    @Test
    void publishesTheSpecExampleAsAnEventOfItsSource() throws Exception {
        startBilling();
        List<Event> events = WebhookFixture.collect(engine, "webhook.billing");

        WebhookResponse response = post(WebhookFixture.specRequest("billing"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        Event event = events.get(0);
        assertThat(event.id()).isEqualTo(SPEC_ID);
        assertThat(event.type()).isEqualTo("webhook.billing");
        assertThat(event.source()).isEqualTo(URI.create("/webhook/billing"));
        assertThat(event.time()).isEqualTo(Instant.ofEpochSecond(SPEC_TIMESTAMP));
        assertThat(event.data().toString()).isEqualTo("{\"source\":\"billing\",\"id\":\""
                + SPEC_ID + "\",\"payload\":{\"test\":2432232314}}");
    }

    @Test
    void eventCarriesThePayloadTypeAndTimestamp() throws Exception {
        startBilling();
        List<Event> events = WebhookFixture.collect(engine, "webhook.billing");
        String body = "{\"type\":\"invoice.paid\",\"timestamp\":\"2021-02-25T15:00:00.5Z\","
                + "\"data\":{\"amount\":42}}";

        post(WebhookFixture.signed("billing", SPEC_SECRET, "msg_1", body));

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        Event event = events.get(0);
        assertThat(event.data().get("type").asText()).isEqualTo("invoice.paid");
        assertThat(event.data().at("/payload/data/amount").asInt()).isEqualTo(42);
        assertThat(event.time()).isEqualTo(Instant.parse("2021-02-25T15:00:00.5Z"));
    }

    @Test
    void redeliveryOfAMessageIdIsAnsweredButPublishedOnce() throws Exception {
        startBilling();
        List<Event> events = WebhookFixture.collect(engine, "webhook.billing");

        WebhookResponse first = post(WebhookFixture.specRequest("billing"));
        WebhookResponse again = post(WebhookFixture.specRequest("billing"));

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(List.of(first.status(), again.status())).containsOnly(200);
        assertThat(events).hasSize(1);
    }

    @Test
    void sameMessageIdFromTwoSourcesIsTwoEvents() throws Exception {
        start(SPEC_CLOCK, "webhook.sources", "billing, shop",
                "webhook.billing.secrets", SPEC_SECRET, "webhook.shop.secrets", SPEC_SECRET);
        List<Event> billing = WebhookFixture.collect(engine, "webhook.billing");
        List<Event> shop = WebhookFixture.collect(engine, "webhook.shop");

        post(WebhookFixture.specRequest("billing"));
        post(WebhookFixture.specRequest("shop"));

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(billing).hasSize(1);
        assertThat(shop).hasSize(1);
    }

    @Test
    void anyOfSeveralSecretsVerifiesForRotation() {
        start(SPEC_CLOCK, "webhook.sources", "billing",
                "webhook.billing.secrets", OTHER_SECRET + ",\n " + SPEC_SECRET);

        WebhookResponse old = post(WebhookFixture.specRequest("billing"));
        WebhookResponse fresh = post(WebhookFixture.signed("billing", OTHER_SECRET, "msg_2",
                "{}"));

        assertThat(List.of(old.status(), fresh.status())).containsOnly(200);
    }

    @Test
    void ed25519PublicKeysVerifyV1aSignatures() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] encoded = pair.getPublic().getEncoded();
        String publicKey = "whpk_" + Base64.getEncoder().encodeToString(
                Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length));
        start(SPEC_CLOCK, "webhook.sources", "signed", "webhook.signed.public-keys", publicKey);
        byte[] body = "{\"type\":\"user.created\"}".getBytes(StandardCharsets.UTF_8);
        String signature = StandardWebhooksSignature.signEd25519(pair.getPrivate(), "msg_3",
                SPEC_TIMESTAMP, body);

        WebhookResponse signed = post(WebhookFixture.request("signed", "msg_3", SPEC_TIMESTAMP,
                signature, new String(body, StandardCharsets.UTF_8)));
        WebhookResponse hmac = post(WebhookFixture.request("signed", SPEC_ID, SPEC_TIMESTAMP,
                SPEC_SIGNATURE, SPEC_BODY));

        assertThat(signed.status()).isEqualTo(200);
        assertThat(hmac.status()).isEqualTo(401);
    }

    @Test
    void sourceWithSecretsAndPublicKeysAcceptsEitherSignature() throws Exception {
        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        byte[] encoded = pair.getPublic().getEncoded();
        String publicKey = Base64.getEncoder().encodeToString(
                Arrays.copyOfRange(encoded, encoded.length - 32, encoded.length));
        startBilling("webhook.billing.public-keys", publicKey);
        String signature = StandardWebhooksSignature.signEd25519(pair.getPrivate(), "msg_4",
                SPEC_TIMESTAMP, "{}".getBytes(StandardCharsets.UTF_8));

        WebhookResponse hmac = post(WebhookFixture.specRequest("billing"));
        WebhookResponse ed25519 = post(WebhookFixture.request("billing", "msg_4",
                SPEC_TIMESTAMP, signature, "{}"));

        assertThat(List.of(hmac.status(), ed25519.status())).containsOnly(200);
    }

    @Test
    void wrongSignatureIsRefusedWith401AndPublishesNothing() throws Exception {
        startBilling();
        List<Event> events = WebhookFixture.collect(engine, "webhook.billing");

        WebhookResponse wrongSecret = post(WebhookFixture.signed("billing", OTHER_SECRET,
                "msg_5", "{}"));
        WebhookResponse changedBody = post(WebhookFixture.request("billing", SPEC_ID,
                SPEC_TIMESTAMP, SPEC_SIGNATURE, "{\"test\": 2432232315}"));
        WebhookResponse otherVersion = post(WebhookFixture.request("billing", SPEC_ID,
                SPEC_TIMESTAMP, SPEC_SIGNATURE.replace("v1,", "v2,"), SPEC_BODY));

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(List.of(wrongSecret, changedBody, otherVersion)).allSatisfy(response -> {
            assertThat(response.status()).isEqualTo(401);
            assertThat(response.bodyText()).isEqualTo("webhook 'billing': signature refused");
        });
        assertThat(events).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"webhook-id", "webhook-timestamp", "webhook-signature"})
    void missingSignatureHeaderIsRefusedWith401(String header) {
        startBilling();

        WebhookResponse response = post(without(WebhookFixture.specRequest("billing"), header));

        assertThat(response.status()).isEqualTo(401);
    }

    @Test
    void timestampOutsideTheToleranceIsRefusedEitherWay() {
        Clock late = Clock.offset(SPEC_CLOCK, Duration.ofSeconds(301));
        Clock early = Clock.offset(SPEC_CLOCK, Duration.ofSeconds(-301));
        start(late, "webhook.sources", "billing", "webhook.billing.secrets", SPEC_SECRET);
        WebhookResponse stale = post(WebhookFixture.specRequest("billing"));
        engine.close();
        start(early, "webhook.sources", "billing", "webhook.billing.secrets", SPEC_SECRET);
        WebhookResponse future = post(WebhookFixture.specRequest("billing"));

        assertThat(List.of(stale.status(), future.status())).containsOnly(401);
    }

    @Test
    void malformedTimestampIsRefusedWith401() {
        startBilling();

        WebhookResponse response = post(WebhookRequest.post("/hooks/webhook/billing", Map.of(
                "webhook-id", SPEC_ID,
                "webhook-timestamp", "yesterday",
                "webhook-signature", SPEC_SIGNATURE), SPEC_BODY.getBytes(UTF_8)));

        assertThat(response.status()).isEqualTo(401);
    }

    @Test
    void configuredToleranceWidensTheWindow() {
        start(Clock.offset(SPEC_CLOCK, Duration.ofMinutes(30)), "webhook.sources", "billing",
                "webhook.billing.secrets", SPEC_SECRET, "webhook.billing.tolerance", "PT1H");

        WebhookResponse response = post(WebhookFixture.specRequest("billing"));

        assertThat(response.status()).isEqualTo(200);
    }

    @Test
    void bodyThatIsNotJsonIsRefusedWith400AfterTheSignature() {
        startBilling();

        WebhookResponse text = post(WebhookFixture.signed("billing", SPEC_SECRET, "msg_6",
                "amount=42"));
        WebhookResponse empty = post(WebhookFixture.signed("billing", SPEC_SECRET, "msg_7",
                ""));
        WebhookResponse unsigned = post(WebhookFixture.request("billing", "msg_8",
                SPEC_TIMESTAMP, SPEC_SIGNATURE, "amount=42"));

        assertThat(text.status()).isEqualTo(400);
        assertThat(text.bodyText()).isEqualTo("webhook 'billing': message 'msg_6': body is "
                + "not JSON (line 1, column 1)");
        assertThat(empty.status()).isEqualTo(400);
        assertThat(empty.bodyText()).isEqualTo("webhook 'billing': message 'msg_7': body is "
                + "empty, not JSON");
        assertThat(unsigned.status()).isEqualTo(401);
    }

    @Test
    void jsonValuesOtherThanObjectsArePublished() throws Exception {
        startBilling();
        List<Event> events = WebhookFixture.collect(engine, "webhook.billing");

        WebhookResponse response = post(WebhookFixture.signed("billing", SPEC_SECRET, "msg_9",
                "[1,2]"));

        assertThat(response.status()).isEqualTo(200);
        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(events.get(0).data().get("payload").toString()).isEqualTo("[1,2]");
        assertThat(events.get(0).data().has("type")).isFalse();
    }

    @Test
    void messageIdThatIsNotAnIdIsRefusedWith400() {
        startBilling();

        WebhookResponse response = post(WebhookFixture.signed("billing", SPEC_SECRET,
                "msg 1/x", "{}"));

        assertThat(response.status()).isEqualTo(400);
        assertThat(response.bodyText()).isEqualTo("webhook 'billing': header webhook-id is not "
                + "up to 128 letters, digits, '_', '.', ':', '~' or '-'");
    }

    @Test
    void pathsThatNameNoSourceGet404() {
        startBilling("webhook.other.secrets", SPEC_SECRET);

        WebhookResponse unknown = post(WebhookFixture.specRequest("nope"));
        WebhookResponse unlisted = post(WebhookFixture.specRequest("other"));
        WebhookResponse deeper = post(WebhookFixture.specRequest("billing/more"));
        WebhookResponse bare = engine.webhooks().handle(WebhookRequest.post("/hooks/webhook",
                Map.of(), new byte[0]));

        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.bodyText()).isEqualTo("webhook: no source 'nope'");
        assertThat(unlisted.bodyText()).isEqualTo("webhook: no source 'other'");
        assertThat(deeper.bodyText()).isEqualTo("webhook: no source 'billing/more'");
        assertThat(bare.status()).isEqualTo(404);
        assertThat(bare.bodyText()).isEqualTo("webhook: name a source, as in POST "
                + "/hooks/webhook/<source>");
    }

    @Test
    void withoutSourcesEveryWebhookGets404() {
        start(SPEC_CLOCK);

        WebhookResponse response = post(WebhookFixture.specRequest("billing"));

        assertThat(response.status()).isEqualTo(404);
    }

    @Test
    void sourceWithoutSecretsOrKeysStopsTheEngineFromStarting() {
        assertThatThrownBy(() -> start(SPEC_CLOCK, "webhook.sources", "billing",
                "webhook.billing.secret", SPEC_SECRET))
                .isInstanceOf(RecipeException.class)
                .hasMessage("service 'webhook': source 'billing' has no way to verify its "
                        + "requests; set config 'webhook.billing.secrets' to its whsec_ "
                        + "secret(s) or 'webhook.billing.public-keys' to its whpk_ public "
                        + "key(s)");
    }

    @Test
    void malformedSettingsStopTheEngineFromStartingWithoutShowingSecrets() {
        assertThatThrownBy(() -> start(SPEC_CLOCK, "webhook.sources", "billing",
                "webhook.billing.secrets", SPEC_SECRET + " whsec_!!not-base64!!"))
                .isInstanceOf(RecipeException.class)
                .hasMessage("config 'webhook.billing.secrets': standard webhooks signature: "
                        + "secret at index 1 is not non-empty base64 after its optional whsec_ "
                        + "prefix")
                .hasMessageNotContaining("MfKQ9r8");
        assertThatThrownBy(() -> start(SPEC_CLOCK, "webhook.sources", "billing",
                "webhook.billing.secrets", " , "))
                .hasMessage("config 'webhook.billing.secrets': no secret is given");
        assertThatThrownBy(() -> start(SPEC_CLOCK, "webhook.sources", "billing",
                "webhook.billing.public-keys", "whpk_AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="))
                .isInstanceOf(RecipeException.class)
                .hasMessage("config 'webhook.billing.public-keys': standard webhooks signature: "
                        + "public key at index 0 is a point of small order, under which anyone "
                        + "could sign; it is not a real sender's key");
        assertThatThrownBy(() -> start(SPEC_CLOCK, "webhook.sources", "billing",
                "webhook.billing.public-keys", "whpk_AAAA"))
                .hasMessage("config 'webhook.billing.public-keys': key at index 0 is not "
                        + "whpk_ followed by the base64 of a 32-byte Ed25519 public key");
        assertThatThrownBy(() -> start(SPEC_CLOCK, "webhook.sources", "billing",
                "webhook.billing.secrets", SPEC_SECRET, "webhook.billing.tolerance", "0"))
                .hasMessageStartingWith("config 'webhook.billing.tolerance': '0' is not a "
                        + "duration from PT1S to PT1H");
        assertThatThrownBy(() -> start(SPEC_CLOCK, "webhook.sources", "billing",
                "webhook.billing.secrets", SPEC_SECRET, "webhook.billing.tolerance", "PT0.5S"))
                .isInstanceOf(RecipeException.class)
                .hasMessageStartingWith("config 'webhook.billing.tolerance': 'PT0.5S' is not a "
                        + "duration from PT1S to PT1H");
        assertThatThrownBy(() -> start(SPEC_CLOCK, "webhook.sources", "billing",
                "webhook.billing.secrets", SPEC_SECRET, "webhook.billing.tolerance", "PT2H"))
                .hasMessageStartingWith("config 'webhook.billing.tolerance': 'PT2H' is not a "
                        + "duration from PT1S to PT1H");
    }

    @Test
    void badSourceNamesStopTheEngineFromStarting() {
        assertThatThrownBy(() -> start(SPEC_CLOCK, "webhook.sources", "Billing"))
                .isInstanceOf(RecipeException.class)
                .hasMessage("config 'webhook.sources': source 'Billing' is not 1 to 64 "
                        + "lowercase letters, digits, '_' or '-'");
        assertThatThrownBy(() -> start(SPEC_CLOCK, "webhook.sources", "billing billing",
                "webhook.billing.secrets", SPEC_SECRET))
                .hasMessage("config 'webhook.sources': source 'billing' is listed twice");
    }
}
