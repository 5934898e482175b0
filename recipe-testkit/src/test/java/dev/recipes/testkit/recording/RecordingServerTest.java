package dev.recipes.testkit.recording;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.core.Secret;
import dev.recipes.core.signature.SlackSignature;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.http.jdk.JdkWebhookServer;
import dev.recipes.testkit.slack.SlackRequest;
import dev.recipes.testkit.slack.SlackSimulator;
import dev.recipes.testkit.webhook.VerifyingHandlerFixture;
import dev.recipes.testkit.webhook.WebhookTarget;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Records requests that arrive over loopback HTTP, and forwards them when asked. */
final class RecordingServerTest {

    private static final Secret SECRET = Secret.of("test-signing-secret-0003");

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void recordsTheExactRequestAndAnswers200() throws Exception {
        WebhookRecorder recorder = WebhookRecorder.toDirectory(dir);
        try (RecordingServer server = RecordingServer.start(recorder)) {
            SlackRequest request = SlackSimulator.of(SECRET)
                    .message("C0CHAN001", "U0USER001", "h\u00e9llo \uD83D\uDE00").build();

            WebhookResponse response = request.sendTo(server.baseUrl());

            assertThat(response.status()).isEqualTo(200);
            WebhookRecording recorded = WebhookRecording.read(recorder.files().get(0));
            assertThat(recorded.method()).isEqualTo("POST");
            assertThat(recorded.path()).isEqualTo("/hooks/slack");
            assertThat(recorded.body()).isEqualTo(request.body());
            assertThat(recorded.header("X-Slack-Signature"))
                    .isEqualTo(request.header("X-Slack-Signature"));
            assertThat(recorded.header("X-Slack-Request-Timestamp"))
                    .isEqualTo(request.header("X-Slack-Request-Timestamp"));
            SlackSignature.of(SECRET).verify(recorded.toWebhookRequest());
        }
    }

    @Test
    void recordsAnyMethodPathAndQueryAndMasksCredentials() throws Exception {
        WebhookRecorder recorder = WebhookRecorder.toDirectory(dir);
        try (RecordingServer server = RecordingServer.start(recorder)) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                            URI.create(server.baseUrl() + "/callback/x?code=1&state=a%20b"))
                    .header("Authorization", "Bearer xoxb-real-token")
                    .header("Cookie", "session=real")
                    .GET().build(), HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            WebhookRecording recorded = recorder.recordings().get(0);
            assertThat(recorded.method()).isEqualTo("GET");
            assertThat(recorded.path()).isEqualTo("/callback/x");
            assertThat(recorded.query()).isEqualTo("code=1&state=a%20b");
            assertThat(recorded.header("authorization")).contains("****");
            assertThat(recorded.header("cookie")).contains("****");
            assertThat(Files.readString(recorder.files().get(0)))
                    .doesNotContain("xoxb-real-token").doesNotContain("session=real");
        }
    }

    @Test
    void forwardTo_relaysTheRequestAndTheAnswer() {
        VerifyingHandlerFixture app =
                new VerifyingHandlerFixture(SlackSignature.of(SECRET)::verify);
        JdkWebhookServer appServer = JdkWebhookServer.builder(app)
                .address(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).start();
        WebhookRecorder recorder = WebhookRecorder.inMemory();
        try (RecordingServer server = RecordingServer.builder(recorder)
                .forwardTo(WebhookTarget.overHttp(URI.create("http://127.0.0.1:"
                        + appServer.port())))
                .start()) {
            SlackSimulator slack = SlackSimulator.of(SECRET).withTarget(server.baseUrl());

            WebhookResponse accepted = slack.message("C0CHAN001", "U0USER001", "hi").send();
            WebhookResponse refused = slack.message("C0CHAN001", "U0USER001", "hi")
                    .tamperAfterSigning().send();

            assertThat(accepted.status()).isEqualTo(200);
            assertThat(accepted.bodyText()).isEqualTo("accepted");
            assertThat(refused.status()).isEqualTo(401);
            assertThat(recorder.recordings()).hasSize(2);
            assertThat(app.accepted()).singleElement().satisfies(request ->
                    assertThat(request.body()).isEqualTo(recorder.recordings().get(0).body()));
        } finally {
            appServer.close();
        }
    }

    @Test
    void unreachableForwardTarget_isAnswered502AfterRecording() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        WebhookRecorder recorder = WebhookRecorder.inMemory();
        try (RecordingServer server = RecordingServer.builder(recorder)
                .forwardTo(WebhookTarget.overHttp(URI.create("http://127.0.0.1:" + closedPort)))
                .start()) {
            WebhookResponse response = WebhookTarget.overHttp(server.baseUrl())
                    .deliver(WebhookRequest.post("/hooks/x", Map.of(), new byte[]{1}));

            assertThat(response.status()).isEqualTo(502);
            assertThat(response.bodyText()).contains("recorded, but forwarding failed");
            assertThat(recorder.recordings()).hasSize(1);
        }
    }

    @Test
    void bodyOverTheLimit_isAnswered413AndNotRecorded() {
        WebhookRecorder recorder = WebhookRecorder.inMemory();
        try (RecordingServer server = RecordingServer.builder(recorder).maxBodyBytes(10)
                .start()) {
            WebhookTarget target = WebhookTarget.overHttp(server.baseUrl());

            WebhookResponse tooLarge = target.deliver(WebhookRequest.post("/x", Map.of(),
                    "01234567890".getBytes(StandardCharsets.UTF_8)));
            WebhookResponse justFits = target.deliver(WebhookRequest.post("/x", Map.of(),
                    "0123456789".getBytes(StandardCharsets.UTF_8)));

            assertThat(tooLarge.status()).isEqualTo(413);
            assertThat(justFits.status()).isEqualTo(200);
            assertThat(recorder.recordings()).extracting(WebhookRecording::bodyText)
                    .containsExactly("0123456789");
        }
    }

    @Test
    void requestTheRecorderCannotSave_isAnswered500() throws Exception {
        Path gone = dir.resolve("gone");
        WebhookRecorder recorder = WebhookRecorder.toDirectory(gone);
        Files.delete(gone);
        try (RecordingServer server = RecordingServer.start(recorder)) {
            WebhookResponse response = WebhookTarget.overHttp(server.baseUrl())
                    .deliver(WebhookRequest.post("/hooks/x", Map.of(), new byte[]{1}));

            assertThat(response.status()).isEqualTo(500);
            assertThat(recorder.recordings()).isEmpty();
        }
    }

    @Test
    void listensOnLoopbackOnly() {
        try (RecordingServer server = RecordingServer.start(WebhookRecorder.inMemory())) {
            assertThat(server.baseUrl().getHost()).isEqualTo(
                    InetAddress.getLoopbackAddress().getHostAddress());
            assertThat(server.port()).isPositive();
        }
    }

    @Test
    void badSettings_areRefused() {
        RecordingServer.Builder builder = RecordingServer.builder(WebhookRecorder.inMemory());

        assertThatThrownBy(() -> builder.port(70_000))
                .hasMessage("recording server: port 70000 is not 0 to 65535");
        assertThatThrownBy(() -> builder.maxBodyBytes(0))
                .hasMessage("recording server: max body bytes 0 must be from 1 to 41943040, "
                        + "the most a recording file can be read back with");
        assertThatThrownBy(() -> builder.maxBodyBytes(RecordingServer.MAX_BODY_BYTES + 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.port(0).port(0))
                .hasMessage("recording server: port already set to 0");
    }
}
