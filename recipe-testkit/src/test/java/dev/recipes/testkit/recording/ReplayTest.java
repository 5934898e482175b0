package dev.recipes.testkit.recording;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.core.EngineListener;
import dev.recipes.core.Event;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.Secret;
import dev.recipes.core.signature.GitHubSignature;
import dev.recipes.core.signature.SignatureException;
import dev.recipes.core.signature.StandardWebhooksSignature;
import dev.recipes.core.signature.StripeStyleSignature;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.http.jdk.JdkWebhookServer;
import dev.recipes.slack.SlackService;
import dev.recipes.testkit.MutableClock;
import dev.recipes.testkit.standardwebhooks.StandardWebhooksSimulator;
import dev.recipes.testkit.webhook.VerifyingHandlerFixture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Replays the sample recordings, which were signed with secrets nobody has, against services
 * that verify signatures with the test's secret.
 */
final class ReplayTest {

    private static final Secret SLACK_SECRET = Secret.of("test-signing-secret-0004");
    private static final Secret GITHUB_SECRET = Secret.of("test-webhook-secret-0004");
    private static final Secret WHSEC = StandardWebhooksSimulator.newSecret();
    private static final Duration WAIT = Duration.ofSeconds(10);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-05-01T12:00:00Z"));
    private final List<Event> received = new CopyOnWriteArrayList<>();
    private final WebhookRecording slackMessage = sample("slack-message.json");
    private final WebhookRecording gitHubPush = sample("github-push.json");
    private final WebhookRecording invoicePaid = sample("standard-webhooks-invoice-paid.json");
    private RecipeEngine engine;

    @BeforeEach
    void startEngineWithTheSlackService() {
        engine = RecipeEngine.builder()
                .discoverServices(false)
                .service(new SlackService())
                .config("slack.signing-secret", SLACK_SECRET.reveal())
                .clock(clock)
                .listener(new EngineListener() {
                    @Override
                    public void eventReceived(Event event) {
                        received.add(event);
                    }
                })
                .build();
        engine.start();
    }

    @AfterEach
    void stopEngine() {
        engine.close();
    }

    @Test
    void slackRecording_resignedWithTheTestSecret_isPublishedOnce() throws Exception {
        WebhookReplayer replayer = WebhookReplayer.of(Resigner.slack(SLACK_SECRET))
                .withClock(clock).withTarget(engine.webhooks());

        WebhookResponse first = replayer.replay(slackMessage);
        WebhookResponse again = replayer.replay(slackMessage);

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(first.status()).isEqualTo(200);
        assertThat(again.status()).isEqualTo(200);
        String eventId = slackMessage.bodyText().replaceAll(".*\"event_id\":\"([^\"]+)\".*",
                "$1");
        assertThat(received).singleElement().satisfies(event -> {
            assertThat(event.id()).isEqualTo(eventId);
            assertThat(event.type()).isEqualTo("slack.message");
            assertThat(event.data().at("/event/text").asText())
                    .isEqualTo("invoice #42 paid \u2705");
        });
    }

    @Test
    void slackRecording_overHttp_isAccepted() {
        JdkWebhookServer server = JdkWebhookServer.start(engine,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        try {
            WebhookResponse response = WebhookReplayer.of(Resigner.slack(SLACK_SECRET))
                    .withClock(clock)
                    .withTarget(URI.create("http://127.0.0.1:" + server.port()))
                    .replay(slackMessage);

            assertThat(response.status()).isEqualTo(200);
        } finally {
            server.close();
        }
    }

    @Test
    void slackRecording_asRecorded_isRefused() throws Exception {
        WebhookResponse response = WebhookReplayer.of(Resigner.none()).withClock(clock)
                .withTarget(engine.webhooks()).replay(slackMessage);

        assertThat(engine.awaitIdle(WAIT)).isTrue();
        assertThat(response.status()).isEqualTo(401);
        assertThat(received).isEmpty();
    }

    @Test
    void resigning_replacesSignatureAndTimestampAndLeavesTheBody() {
        WebhookRequest resigned = WebhookReplayer.of(Resigner.slack(SLACK_SECRET))
                .withClock(clock).prepare(slackMessage);

        assertThat(resigned.body()).isEqualTo(slackMessage.body());
        assertThat(resigned.header("X-Slack-Request-Timestamp"))
                .contains(Long.toString(clock.instant().getEpochSecond()));
        assertThat(resigned.header("X-Slack-Signature")).isPresent()
                .isNotEqualTo(slackMessage.header("X-Slack-Signature"));
        assertThat(resigned.headers().get("X-Slack-Signature")).hasSize(1);
        assertThat(resigned.headers().keySet()).contains("X-slack-signature");
        assertThat(resigned.header("User-Agent")).isEqualTo(slackMessage.header("User-Agent"));
    }

    @Test
    void gitHubRecording_resignedWithTheTestSecret_isAccepted() {
        VerifyingHandlerFixture github =
                new VerifyingHandlerFixture(GitHubSignature.of(GITHUB_SECRET)::verify);
        WebhookReplayer replayer = WebhookReplayer.of(Resigner.gitHub(GITHUB_SECRET))
                .withTarget(github);

        List<WebhookResponse> answers = replayer.replayAll(List.of(gitHubPush, gitHubPush));

        assertThat(answers).extracting(WebhookResponse::status).containsExactly(200, 200);
        assertThat(github.accepted()).allSatisfy(request -> {
            assertThat(request.body()).isEqualTo(gitHubPush.body());
            assertThat(request.header("X-GitHub-Event")).contains("push");
        });
    }

    @Test
    void gitHubRecording_asRecorded_isRefused() {
        VerifyingHandlerFixture github =
                new VerifyingHandlerFixture(GitHubSignature.of(GITHUB_SECRET)::verify);

        WebhookResponse response = WebhookReplayer.of(Resigner.none()).withTarget(github)
                .replay(gitHubPush);

        assertThat(response.status()).isEqualTo(401);
    }

    @Test
    void gitHubResigner_dropsTheLegacySha1Signature() {
        WebhookRecording withSha1 = new WebhookRecording(null, "POST", "/hooks/github", "",
                Map.of("X-Hub-Signature", List.of("sha1=0000"), "X-Hub-Signature-256",
                        List.of("sha256=0000")), "{}".getBytes(StandardCharsets.UTF_8));

        WebhookRequest resigned = WebhookReplayer.of(Resigner.gitHub(GITHUB_SECRET))
                .prepare(withSha1);

        assertThat(resigned.header("X-Hub-Signature")).isEmpty();
        GitHubSignature.of(GITHUB_SECRET).verify(resigned);
    }

    @Test
    void standardWebhooksRecording_resignedWithTwoSecrets_verifiesUnderEach() {
        Secret next = StandardWebhooksSimulator.newSecret();

        WebhookRequest resigned = WebhookReplayer.of(Resigner.standardWebhooks(WHSEC, next))
                .withClock(clock).prepare(invoicePaid);

        assertThat(resigned.header("webhook-id")).isEqualTo(invoicePaid.header("webhook-id"));
        assertThat(resigned.header("webhook-signature").orElseThrow().split(" ")).hasSize(2);
        StandardWebhooksSignature.of(WHSEC).withClock(clock).verify(resigned);
        StandardWebhooksSignature.of(next).withClock(clock).verify(resigned);
        assertThatThrownBy(() -> StandardWebhooksSignature.of(WHSEC).withClock(clock)
                .verify(invoicePaid.toWebhookRequest()))
                .isInstanceOf(SignatureException.class).hasMessageContaining("s old");
    }

    @Test
    void standardWebhooksRecording_resignedWithEd25519_verifiesUnderThePublicKey()
            throws Exception {
        KeyPair keys = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();

        WebhookRequest resigned = WebhookReplayer.of(
                        Resigner.standardWebhooksEd25519(keys.getPrivate()))
                .withClock(clock).prepare(invoicePaid);

        assertThat(resigned.header("webhook-signature").orElseThrow()).startsWith("v1a,");
        StandardWebhooksSignature.ofPublicKeys(keys.getPublic()).withClock(clock)
                .verify(resigned);
    }

    @Test
    void standardWebhooksRecording_withoutAnId_cannotBeResigned() {
        WebhookRecording noId = new WebhookRecording(null, "POST", "/hooks/webhook/x", "",
                Map.of(), "{}".getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> WebhookReplayer.of(Resigner.standardWebhooks(WHSEC))
                .prepare(noId))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("standard webhooks re-signer: the request has no webhook-id header, "
                        + "which the signature covers");
    }

    @Test
    void stripeStyleRecording_isResignedAtTheClocksTime() {
        Secret endpoint = Secret.of("whsec_test_endpoint_0001");
        WebhookRecording stripe = new WebhookRecording(null, "POST", "/hooks/stripe", "",
                Map.of("Stripe-Signature", List.of("t=1700000000,v1=" + "0".repeat(64))),
                "{\"type\":\"charge.succeeded\"}".getBytes(StandardCharsets.UTF_8));

        WebhookRequest resigned = WebhookReplayer.of(Resigner.stripeStyle(endpoint))
                .withClock(clock).prepare(stripe);

        assertThat(resigned.header("Stripe-Signature").orElseThrow())
                .startsWith("t=" + clock.instant().getEpochSecond() + ",v1=");
        StripeStyleSignature.of(endpoint).withClock(clock).verify(resigned);
    }

    @Test
    void withPathAndWithHeader_changeWhatIsReplayed() {
        WebhookRecording masked = WebhookRecorder.inMemory().record(withAuthorization());
        assertThat(masked.header("Authorization")).contains(WebhookRecording.MASK);

        WebhookRequest prepared = WebhookReplayer.of(Resigner.gitHub(GITHUB_SECRET))
                .withPath("/hooks/github-enterprise")
                .withHeader("authorization", "Bearer test-token")
                .prepare(masked);

        assertThat(prepared.path()).isEqualTo("/hooks/github-enterprise");
        assertThat(prepared.headers().get("Authorization")).containsExactly("Bearer test-token");
        GitHubSignature.of(GITHUB_SECRET).verify(prepared);
    }

    @Test
    void withBody_isSignedAnewOnReplay() {
        WebhookRecording scrubbed = gitHubPush.withBody(gitHubPush.bodyText()
                .replace("octocat@users.noreply.github.com", "someone@example.com")
                .getBytes(StandardCharsets.UTF_8));

        WebhookRequest prepared = WebhookReplayer.of(Resigner.gitHub(GITHUB_SECRET))
                .prepare(scrubbed);

        assertThat(prepared.body()).isEqualTo(scrubbed.body());
        GitHubSignature.of(GITHUB_SECRET).verify(prepared);
    }

    @Test
    void replay_withoutATarget_saysHowToSetOne() {
        assertThatThrownBy(() -> WebhookReplayer.of(Resigner.none()).replay(gitHubPush))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("webhook replayer: no target to replay to; call withTarget(...) "
                        + "first");
        assertThatThrownBy(() -> WebhookReplayer.of(Resigner.none()).withPath("x"))
                .hasMessage("webhook replayer: path 'x' does not start with '/'");
        assertThatThrownBy(() -> WebhookReplayer.of(Resigner.none()).withHeader("a b", "c"))
                .hasMessageStartingWith("webhook replayer: header name 'a b' is not an HTTP "
                        + "token");
        assertThatThrownBy(() -> WebhookReplayer.of(Resigner.none()).withHeader("A", "x\ny"))
                .hasMessageContaining("control character");
    }

    private WebhookRequest withAuthorization() {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.putAll(gitHubPush.headers());
        headers.put("Authorization", List.of("Bearer real-token"));
        return new WebhookRequest("POST", gitHubPush.path(), "", headers, gitHubPush.body());
    }

    private static WebhookRecording sample(String name) {
        return WebhookRecording.fromResource(ReplayTest.class, name);
    }
}
