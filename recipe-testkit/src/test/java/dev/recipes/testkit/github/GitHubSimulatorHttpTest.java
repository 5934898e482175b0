package dev.recipes.testkit.github;

import static org.assertj.core.api.Assertions.assertThat;

import dev.recipes.core.Secret;
import dev.recipes.core.signature.GitHubSignature;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.http.jdk.JdkWebhookServer;
import dev.recipes.testkit.webhook.VerifyingHandlerFixture;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Sends simulated GitHub deliveries over loopback HTTP to a verifying receiver. */
final class GitHubSimulatorHttpTest {

    private static final Secret SECRET = Secret.of("test-webhook-secret-0002");

    private final VerifyingHandlerFixture receiver =
            new VerifyingHandlerFixture(GitHubSignature.of(SECRET)::verify);
    private JdkWebhookServer server;
    private GitHubSimulator github;

    @BeforeEach
    void startServer() {
        server = JdkWebhookServer.builder(receiver)
                .address(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).start();
        github = GitHubSimulator.of(SECRET)
                .withTarget(URI.create("http://127.0.0.1:" + server.port()));
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void delivery_arrivesWithItsHeadersAndBytesIntact() {
        GitHubRequest request = github.issues("opened", 7, "Cr\u00e4sh \u2713 \uD83D\uDE00")
                .build();

        WebhookResponse response = request.send();

        assertThat(response.status()).isEqualTo(200);
        WebhookRequest arrived = receiver.accepted().get(0);
        assertThat(arrived.path()).isEqualTo("/hooks/github");
        assertThat(arrived.body()).isEqualTo(request.body());
        assertThat(arrived.header("X-GitHub-Delivery")).isEqualTo(request.deliveryId());
        assertThat(arrived.header("User-Agent")).isEqualTo(request.header("User-Agent"));
        assertThat(arrived.header("X-Hub-Signature-256"))
                .isEqualTo(request.header("X-Hub-Signature-256"));
    }

    @Test
    void tamperedBody_isRefusedWith401() {
        WebhookResponse response = github.push("refs/heads/main", "Fix").tamperAfterSigning()
                .send();

        assertThat(response.status()).isEqualTo(401);
        assertThat(receiver.accepted()).isEmpty();
    }

    @Test
    void redelivery_arrivesWithTheSameDeliveryId() {
        GitHubRequest first = github.pullRequest("opened", 12, "Add retries").build();

        first.send();
        first.redelivered().send();

        assertThat(receiver.accepted()).extracting(r -> r.header("X-GitHub-Delivery").get())
                .containsExactly(first.deliveryId().get(), first.deliveryId().get());
    }
}
