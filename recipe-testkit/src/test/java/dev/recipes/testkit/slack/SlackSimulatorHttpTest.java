package dev.recipes.testkit.slack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.RecipeException;
import dev.recipes.core.Secret;
import dev.recipes.core.signature.SignatureException;
import dev.recipes.core.signature.SlackSignature;
import dev.recipes.core.spi.Service;
import dev.recipes.core.spi.ServiceContext;
import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.http.jdk.JdkWebhookServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Sends simulated Slack requests over loopback HTTP to an engine behind a JdkWebhookServer. */
final class SlackSimulatorHttpTest {

    private static final Secret SECRET = Secret.of("test-signing-secret-0001");
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1_700_000_100),
            ZoneOffset.UTC);

    private final BlockingQueue<WebhookRequest> accepted = new LinkedBlockingQueue<>();
    private final SlackSimulator slack = SlackSimulator.of(SECRET, CLOCK);
    private RecipeEngine engine;
    private JdkWebhookServer server;
    private URI baseUrl;

    @BeforeEach
    void startEngineBehindServer() {
        engine = RecipeEngine.builder()
                .discoverServices(false)
                .service(new VerifyingSlackService(accepted))
                .clock(CLOCK)
                .config("slack.signing-secret", SECRET.reveal())
                .build();
        engine.start();
        server = JdkWebhookServer.start(engine,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        baseUrl = URI.create("http://127.0.0.1:" + server.port());
    }

    @AfterEach
    void stop() {
        server.close();
        engine.close();
    }

    @Test
    void signedMessageArrivesWithItsBytesIntact() {
        SlackRequest request = slack
                .message("C0CHAN001", "U0USER001", "*bold* h\u00e9llo \u2713 \uD83D\uDE00")
                .build();

        WebhookResponse response = request.sendTo(baseUrl);

        assertThat(response.status()).isEqualTo(200);
        WebhookRequest arrived = accepted.poll();
        assertThat(arrived).isNotNull();
        assertThat(arrived.body()).isEqualTo(request.body());
        assertThat(arrived.header(SlackSignature.SIGNATURE_HEADER))
                .isEqualTo(request.header(SlackSignature.SIGNATURE_HEADER));
        assertThat(arrived.path()).isEqualTo("/hooks/slack");
    }

    @Test
    void bodyChangedAfterSigningIsRefusedWith401() {
        WebhookResponse response = slack.message("C0CHAN001", "U0USER001", "hi")
                .tamperAfterSigning()
                .sendTo(baseUrl);

        assertThat(response.status()).isEqualTo(401);
        assertThat(accepted).isEmpty();
    }

    @Test
    void otherSecretIsRefusedWith401() {
        WebhookResponse response = slack.message("C0CHAN001", "U0USER001", "hi")
                .signedWith(Secret.of("another-secret"))
                .sendTo(baseUrl);

        assertThat(response.status()).isEqualTo(401);
        assertThat(accepted).isEmpty();
    }

    @Test
    void staleRequestIsRefusedWith401() {
        WebhookResponse response = slack.message("C0CHAN001", "U0USER001", "hi")
                .stale()
                .sendTo(baseUrl);

        assertThat(response.status()).isEqualTo(401);
        assertThat(accepted).isEmpty();
    }

    @Test
    void urlVerificationIsAnsweredWithTheChallenge() {
        WebhookResponse response = slack.urlVerification("challenge-0001").sendTo(baseUrl);

        assertThat(response.status()).isEqualTo(200);
        assertThat(response.bodyText()).isEqualTo("challenge-0001");
        assertThat(response.headers().get("content-type")).startsWith("text/plain");
    }

    @Test
    void redeliveryArrivesWithRetryHeadersAndTheSameEventId() {
        SlackRequest first = slack.message("C0CHAN001", "U0USER001", "hi").build();

        first.sendTo(baseUrl);
        first.redelivered(1, "http_timeout").sendTo(baseUrl);

        WebhookRequest original = accepted.poll();
        WebhookRequest again = accepted.poll();
        assertThat(original.header("X-Slack-Retry-Num")).isEmpty();
        assertThat(again.header("x-slack-retry-num")).contains("1");
        assertThat(again.header("x-slack-retry-reason")).contains("http_timeout");
        assertThat(eventId(again)).isEqualTo(eventId(original)).isEqualTo(first.eventId().get());
    }

    @Test
    void signatureOverriddenInOtherCaseIsRefusedOverHttpAsInProcess() {
        SlackRequest request = slack.message("C0CHAN001", "U0USER001", "hi")
                .header("x-slack-signature", "v0=" + "0".repeat(64))
                .build();

        WebhookResponse overHttp = request.sendTo(baseUrl);
        WebhookResponse inProcess = request.sendTo(engine.webhooks());

        assertThat(overHttp.status()).isEqualTo(401);
        assertThat(inProcess.status()).isEqualTo(401);
        assertThat(accepted).isEmpty();
    }

    @Test
    void headerOverriddenInOtherCaseArrivesOnceOverHttpAsInProcess() {
        SlackRequest request = slack.message("C0CHAN001", "U0USER001", "hi")
                .header("user-agent", "Recipes-Test/1.0")
                .build();

        request.sendTo(baseUrl);
        request.sendTo(engine.webhooks());

        WebhookRequest overHttp = accepted.poll();
        WebhookRequest inProcess = accepted.poll();
        assertThat(overHttp.headers().get("User-Agent")).containsExactly("Recipes-Test/1.0");
        assertThat(inProcess.headers().get("User-Agent")).containsExactly("Recipes-Test/1.0");
    }

    @Test
    void sendGoesToTheTargetOverHttp() {
        SlackSimulator targeted = slack.withTarget(baseUrl);

        WebhookResponse response = targeted.message("C0CHAN001", "U0USER001", "hi").send();

        assertThat(response.status()).isEqualTo(200);
        assertThat(accepted).hasSize(1);
    }

    @Test
    void inProcessDeliveryAnswersAsHttpDoes() {
        SlackSimulator inProcess = slack.withTarget(engine.webhooks());

        WebhookResponse accepts = inProcess.message("C0CHAN001", "U0USER001", "hi").send();
        WebhookResponse refuses = inProcess.message("C0CHAN001", "U0USER001", "hi")
                .tamperAfterSigning().send();

        assertThat(accepts.status()).isEqualTo(200);
        assertThat(refuses.status()).isEqualTo(401);
    }

    private static String eventId(WebhookRequest request) {
        try {
            return new ObjectMapper().readTree(request.body()).path("event_id").asText();
        } catch (IOException e) {
            throw new AssertionError("body is not JSON", e);
        }
    }

    /**
     * A stand-in for the Slack service: verifies each request with the engine's clock and the
     * configured signing secret, answers the URL handshake, and keeps what it accepts.
     */
    private static final class VerifyingSlackService implements Service {

        private static final ObjectMapper JSON = new ObjectMapper();

        private final BlockingQueue<WebhookRequest> accepted;
        private volatile SlackSignature signature;

        VerifyingSlackService(BlockingQueue<WebhookRequest> accepted) {
            this.accepted = accepted;
        }

        @Override
        public String id() {
            return "slack";
        }

        @Override
        public void start(ServiceContext context) {
            Secret secret = context.secret("signing-secret")
                    .orElseThrow(() -> new RecipeException("slack: signing-secret is not set"));
            signature = SlackSignature.of(secret).withClock(context.clock());
        }

        @Override
        public Optional<WebhookHandler> webhook() {
            return Optional.of(this::handle);
        }

        private WebhookResponse handle(WebhookRequest request) {
            try {
                signature.verify(request);
            } catch (SignatureException e) {
                return WebhookResponse.text(401, e.getMessage());
            }
            JsonNode payload;
            try {
                payload = JSON.readTree(request.body());
            } catch (IOException e) {
                return WebhookResponse.text(400, "slack: body is not JSON");
            }
            if ("url_verification".equals(payload.path("type").asText())) {
                return WebhookResponse.text(200, payload.path("challenge").asText());
            }
            accepted.add(request);
            return WebhookResponse.ok();
        }
    }
}
