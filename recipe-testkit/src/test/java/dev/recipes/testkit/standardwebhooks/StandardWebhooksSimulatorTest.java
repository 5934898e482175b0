package dev.recipes.testkit.standardwebhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Secret;
import dev.recipes.core.signature.SignatureException;
import dev.recipes.core.signature.StandardWebhooksSignature;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.http.jdk.JdkWebhookServer;
import dev.recipes.testkit.MutableClock;
import dev.recipes.testkit.webhook.VerifyingHandlerFixture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Builds Standard Webhooks requests and checks them with StandardWebhooksSignature. */
final class StandardWebhooksSimulatorTest {

    private static final Secret SECRET = Secret.of("whsec_"
            + Base64.getEncoder().encodeToString("test-key-0001-test-key-0001-abcd".getBytes(
                    StandardCharsets.US_ASCII)));
    private static final Secret NEXT_SECRET = StandardWebhooksSimulator.newSecret();

    private final MutableClock clock = new MutableClock(Instant.parse("2026-05-01T12:00:00Z"));
    private final StandardWebhooksSignature verifier =
            StandardWebhooksSignature.of(SECRET).withClock(clock);
    private final VerifyingHandlerFixture receiver = new VerifyingHandlerFixture(verifier::verify);
    private final StandardWebhooksSimulator sender = StandardWebhooksSimulator.of(SECRET)
            .withClock(clock).withTarget(receiver);
    private final ObjectNode data = JsonNodeFactory.instance.objectNode()
            .put("invoice", "in_42").put("amount", 4200);

    @Test
    void event_hasTheRecommendedPayloadAndHeaders() {
        StandardWebhooksRequest request = sender.event("invoice.paid", data).build();

        JsonNode payload = request.json();
        assertThat(payload.path("type").asText()).isEqualTo("invoice.paid");
        assertThat(payload.path("timestamp").asText()).isEqualTo("2026-05-01T12:00:00Z");
        assertThat(payload.path("data")).isEqualTo(data);
        assertThat(request.messageId()).matches("msg_[0-9A-Za-z]{27}");
        assertThat(request.header("webhook-id")).contains(request.messageId());
        assertThat(request.header("webhook-timestamp")).contains(Long.toString(
                clock.instant().getEpochSecond()));
        assertThat(request.header("webhook-signature").orElseThrow()).startsWith("v1,");
        assertThat(request.header("Content-Type")).contains("application/json");
        assertThat(request.path()).isEqualTo("/hooks/webhook/default");
        verifier.verify(request.toWebhookRequest());
    }

    @Test
    void signedEvent_isAccepted() {
        WebhookResponse response = sender.event("invoice.paid", data).send();

        assertThat(response.status()).isEqualTo(200);
        assertThat(receiver.accepted()).hasSize(1);
    }

    @Test
    void severalSecrets_putOneEntryEachInOneHeader() {
        StandardWebhooksRequest request = StandardWebhooksSimulator.of(SECRET, NEXT_SECRET)
                .withClock(clock).event("invoice.paid", data).build();

        String[] entries = request.header("webhook-signature").orElseThrow().split(" ");
        assertThat(entries).hasSize(2).allMatch(entry -> entry.startsWith("v1,"));
        verifier.verify(request.toWebhookRequest());
        StandardWebhooksSignature.of(NEXT_SECRET).withClock(clock)
                .verify(request.toWebhookRequest());
    }

    @Test
    void ed25519Key_signsAV1aEntryThePublicKeyVerifies() throws Exception {
        KeyPair keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        StandardWebhooksRequest request = StandardWebhooksSimulator.ofEd25519(keys.getPrivate())
                .withClock(clock).event("invoice.paid", data).build();

        assertThat(request.header("webhook-signature").orElseThrow()).startsWith("v1a,");
        StandardWebhooksSignature.ofPublicKeys(keys.getPublic()).withClock(clock)
                .verify(request.toWebhookRequest());
    }

    @Test
    void stale_isRefusedAsOld() {
        WebhookResponse response = sender.event("invoice.paid", data).stale().send();

        assertThat(response.status()).isEqualTo(401);
        assertThat(receiver.refusals()).singleElement().asString().contains("360 s old");
    }

    @Test
    void timestampInFuture_isRefusedAsAhead() {
        WebhookResponse response = sender.event("invoice.paid", data).timestampInFuture()
                .send();

        assertThat(response.status()).isEqualTo(401);
        assertThat(receiver.refusals()).singleElement().asString()
                .contains("360 s in the future");
    }

    @Test
    void tamperedBody_isRefused() {
        WebhookResponse response = sender.event("invoice.paid", data).tamperAfterSigning()
                .send();

        assertThat(response.status()).isEqualTo(401);
        assertThat(receiver.refusals()).singleElement().asString().contains("none of the");
    }

    @Test
    void otherSecret_isRefused() {
        WebhookResponse response = sender.event("invoice.paid", data)
                .signedWith(NEXT_SECRET).send();

        assertThat(response.status()).isEqualTo(401);
    }

    @Test
    void unsigned_hasIdAndTimestampButNoSignature() {
        StandardWebhooksRequest request = sender.event("invoice.paid", data).unsigned().build();

        assertThat(request.header("webhook-signature")).isEmpty();
        assertThat(request.header("webhook-id")).isPresent();
        assertThat(request.header("webhook-timestamp")).isPresent();
        assertThat(request.send().status()).isEqualTo(401);
    }

    @Test
    void redelivered_keepsIdAndBodyAndSignsAtTheNewTime() {
        StandardWebhooksRequest first = sender.event("invoice.paid", data).build();
        clock.advance(Duration.ofMinutes(10));

        StandardWebhooksRequest again = first.redelivered();

        assertThat(again.messageId()).isEqualTo(first.messageId());
        assertThat(again.body()).isEqualTo(first.body());
        assertThat(again.timestamp()).contains(clock.instant());
        assertThat(first.send().status()).isEqualTo(401);
        assertThat(again.send().status()).isEqualTo(200);
    }

    @Test
    void redeliveredTamperedRequest_staysRefused() {
        StandardWebhooksRequest first = sender.event("invoice.paid", data).tamperAfterSigning()
                .build();

        assertThat(first.redelivered().send().status()).isEqualTo(401);
    }

    @Test
    void redeliveredRequestWithASignatureSetByHand_keepsItAndStaysRefused() {
        StandardWebhooksRequest forged = sender.event("invoice.paid", data)
                .header("webhook-signature", "v1,AAAA").build();
        StandardWebhooksRequest bare = sender.event("invoice.paid", data)
                .withoutHeader("webhook-signature").build();

        assertThat(forged.redelivered().header("webhook-signature")).contains("v1,AAAA");
        assertThat(forged.redelivered().send().status()).isEqualTo(401);
        assertThat(bare.redelivered().header("webhook-signature")).isEmpty();
        assertThat(bare.redelivered().send().status()).isEqualTo(401);
    }

    @Test
    void redeliveredRequestWithATimestampSetByHand_keepsItAndStaysRefused() {
        StandardWebhooksRequest old = sender.event("invoice.paid", data)
                .header("webhook-timestamp", "1000").build();
        StandardWebhooksRequest none = sender.event("invoice.paid", data)
                .withoutHeader("webhook-timestamp").build();

        assertThat(old.redelivered().header("webhook-timestamp")).contains("1000");
        assertThat(old.redelivered().send().status()).isEqualTo(401);
        assertThat(none.redelivered().header("webhook-timestamp")).isEmpty();
        assertThat(none.redelivered().send().status()).isEqualTo(401);
    }

    @Test
    void messageIdAndTimes_canBeSet() {
        StandardWebhooksRequest request = sender.event("invoice.paid", data)
                .messageId("msg_fixed")
                .timestamp(Instant.parse("2026-05-01T11:58:00Z"))
                .eventTime(Instant.parse("2026-05-01T11:57:00Z"))
                .build();

        assertThat(request.header("webhook-id")).contains("msg_fixed");
        assertThat(request.timestamp()).contains(Instant.parse("2026-05-01T11:58:00Z"));
        assertThat(request.json().path("timestamp").asText()).isEqualTo("2026-05-01T11:57:00Z");
        verifier.verify(request.toWebhookRequest());
    }

    @Test
    void rawBody_isSignedByteForByte() {
        byte[] body = {'{', (byte) 0xff, '}'};
        StandardWebhooksRequest request = sender.rawBody("application/octet-stream", body)
                .build();

        assertThat(request.body()).isEqualTo(body);
        assertThat(request.header("Content-Type")).contains("application/octet-stream");
        verifier.verify(request.toWebhookRequest());
    }

    @Test
    void editPayload_changesItBeforeSigning() {
        StandardWebhooksRequest request = sender.event("invoice.paid", data)
                .editPayload(p -> p.put("version", 2)).build();

        assertThat(request.json().path("version").asInt()).isEqualTo(2);
        verifier.verify(request.toWebhookRequest());
    }

    @Test
    void withoutHeader_leavesOutTheId() {
        StandardWebhooksRequest request = sender.event("invoice.paid", data)
                .withoutHeader("webhook-id").build();

        assertThat(request.header("webhook-id")).isEmpty();
        assertThatThrownBy(() -> verifier.verify(request.toWebhookRequest()))
                .isInstanceOf(SignatureException.class).hasMessageContaining("webhook-id");
    }

    @Test
    void withSource_postsUnderTheWebhookPath() {
        assertThat(sender.withSource("billing").event("x", data).build().path())
                .isEqualTo("/hooks/webhook/billing");
        assertThat(sender.withPath("/custom").event("x", data).build().path())
                .isEqualTo("/custom");
    }

    @Test
    void newSecret_isAWhsecSecretOf32Bytes() {
        String secret = StandardWebhooksSimulator.newSecret().reveal();

        assertThat(secret).startsWith("whsec_");
        assertThat(Base64.getDecoder().decode(secret.substring(6))).hasSize(32);
        assertThat(StandardWebhooksSimulator.newSecret()).isNotEqualTo(
                StandardWebhooksSimulator.newSecret());
    }

    @Test
    void overHttp_theRequestArrivesIntactAndVerifies() {
        VerifyingHandlerFixture overHttp = new VerifyingHandlerFixture(verifier::verify);
        JdkWebhookServer server = JdkWebhookServer.builder(overHttp)
                .address(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).start();
        try {
            StandardWebhooksRequest request = sender.event("invoice.paid", data.deepCopy()
                    .put("note", "r\u00e9sum\u00e9 \uD83D\uDE00")).build();

            WebhookResponse response = request.sendTo(URI.create("http://127.0.0.1:"
                    + server.port()));

            assertThat(response.status()).isEqualTo(200);
            WebhookRequest arrived = overHttp.accepted().get(0);
            assertThat(arrived.body()).isEqualTo(request.body());
            assertThat(arrived.path()).isEqualTo("/hooks/webhook/default");
        } finally {
            server.close();
        }
    }

    @Test
    void badArguments_areRefused() {
        assertThatThrownBy(() -> StandardWebhooksSimulator.of(Secret.of("whsec_!!!")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("base64");
        assertThatThrownBy(() -> StandardWebhooksSimulator.of(java.util.List.of()))
                .hasMessageContaining("empty");
        assertThatThrownBy(() -> sender.withSource("Bad Source"))
                .hasMessageStartingWith("standard webhooks simulator: source 'Bad Source'");
        assertThatThrownBy(() -> sender.event(" ", data))
                .hasMessage("standard webhooks simulator: event type is blank");
        assertThatThrownBy(() -> sender.event("x", data).messageId("a").messageId("b"))
                .hasMessage("standard webhooks request: message id already set to a");
        assertThatThrownBy(() -> sender.event("x", data).stale().timestampInFuture())
                .hasMessageContaining("timestamp already set");
        assertThatThrownBy(() -> sender.rawBody("text/plain", new byte[0]).editPayload(p -> { }))
                .hasMessageContaining("a raw body has no JSON payload to edit");
        assertThatThrownBy(() -> sender.event("x", data).timestamp(Instant.ofEpochSecond(-1)))
                .hasMessageContaining("before 1970");
    }

    @Test
    void ed25519_refusesAKeyOfAnotherAlgorithm() throws Exception {
        KeyPair rsa = KeyPairGenerator.getInstance("RSA").generateKeyPair();

        assertThatThrownBy(() -> StandardWebhooksSimulator.ofEd25519(rsa.getPrivate()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not an Ed25519 key");
    }

    @Test
    void toString_neverShowsASecret() {
        assertThat(sender.toString()).doesNotContain(SECRET.reveal())
                .doesNotContain(SECRET.reveal().substring(6));
    }
}
