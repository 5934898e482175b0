package dev.recipes.testkit.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.http.jdk.JdkWebhookServer;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Delivers requests in-process and over loopback HTTP, and checks what arrives. */
final class WebhookTargetTest {

    private final BlockingQueue<WebhookRequest> arrived = new LinkedBlockingQueue<>();
    private JdkWebhookServer server;
    private URI baseUrl;

    @BeforeEach
    void startServer() {
        server = JdkWebhookServer.builder(request -> {
            arrived.add(request);
            return WebhookResponse.text(202, "got " + request.bodyLength())
                    .withHeader("X-Answer", "yes");
        }).address(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)).start();
        baseUrl = URI.create("http://127.0.0.1:" + server.port());
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    @Test
    void overHttp_sendsMethodPathQueryHeadersAndExactBytes() {
        byte[] body = {(byte) 0xff, 0, 'a', (byte) 0xc3};
        WebhookRequest request = new WebhookRequest("PUT", "/hooks/raw", "a=1&b=%20",
                Map.of("X-Many", List.of("one", "two"), "Content-Type",
                        List.of("application/octet-stream")), body);

        WebhookResponse response = WebhookTarget.overHttp(baseUrl).deliver(request);

        WebhookRequest received = arrived.poll();
        assertThat(received).isNotNull();
        assertThat(received.method()).isEqualTo("PUT");
        assertThat(received.path()).isEqualTo("/hooks/raw");
        assertThat(received.query()).isEqualTo("a=1&b=%20");
        assertThat(received.headers().get("x-many")).containsExactly("one", "two");
        assertThat(received.body()).isEqualTo(body);
        assertThat(response.status()).isEqualTo(202);
        assertThat(response.bodyText()).isEqualTo("got 4");
        assertThat(response.headers().get("x-answer")).isEqualTo("yes");
    }

    @Test
    void overHttp_leavesHeadersTheClientMakesToTheClient() {
        byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
        WebhookRequest recorded = new WebhookRequest("POST", "/hooks/raw", "",
                Map.of("Host", List.of("hooks.example.com"), "Content-Length", List.of("999"),
                        "Transfer-Encoding", List.of("chunked"), "Connection",
                        List.of("keep-alive"), "X-Kept", List.of("kept")), body);

        WebhookResponse response = WebhookTarget.overHttp(baseUrl).deliver(recorded);

        WebhookRequest received = arrived.poll();
        assertThat(response.status()).isEqualTo(202);
        assertThat(received.header("Host")).contains("127.0.0.1:" + server.port());
        assertThat(received.header("Content-Length")).contains("5");
        assertThat(received.header("Transfer-Encoding")).isEmpty();
        assertThat(received.header("X-Kept")).contains("kept");
        assertThat(received.body()).isEqualTo(body);
    }

    @Test
    void overHttp_appendsThePathToABaseUrlWithAPath() {
        WebhookRequest request = WebhookRequest.post("/github", Map.of(), new byte[0]);

        WebhookTarget.overHttp(URI.create(baseUrl + "/hooks/")).deliver(request);

        assertThat(arrived.poll().path()).isEqualTo("/hooks/github");
    }

    @Test
    void inProcess_handsTheRequestToTheHandler() {
        WebhookRequest request = WebhookRequest.post("/hooks/x", Map.of("A", "b"), new byte[]{1});

        WebhookResponse response = WebhookTarget.of(req -> WebhookResponse.text(200,
                req.header("A").orElseThrow())).deliver(request);

        assertThat(response.bodyText()).isEqualTo("b");
    }

    @Test
    void overHttp_refusesABaseUrlThatIsNotHttp() {
        assertThatThrownBy(() -> WebhookTarget.overHttp(URI.create("ftp://127.0.0.1/")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ftp://127.0.0.1/");
        assertThatThrownBy(() -> WebhookTarget.overHttp(URI.create("/hooks")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WebhookTarget.overHttp(URI.create("http://127.0.0.1/?a=1")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void overHttp_failsWithTheUrlWhenNothingListens() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        WebhookTarget closed = WebhookTarget.overHttp(URI.create("http://127.0.0.1:" + port));

        assertThatThrownBy(() -> closed.deliver(WebhookRequest.post("/hooks/x", Map.of(),
                new byte[0])))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessage("webhook target: POST http://127.0.0.1:" + port + "/hooks/x failed");
    }
}
