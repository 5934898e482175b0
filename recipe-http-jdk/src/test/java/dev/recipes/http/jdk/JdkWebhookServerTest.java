package dev.recipes.http.jdk;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.recipes.core.RecipeEngine;
import dev.recipes.core.spi.Service;
import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

final class JdkWebhookServerTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT)
            .build();
    private final BlockingQueue<WebhookRequest> received = new LinkedBlockingQueue<>();
    private final List<CountDownLatch> latchesToRelease = new ArrayList<>();
    private volatile WebhookHandler behaviour = this::recordAndEcho;
    private RecipeEngine engine;
    private JdkWebhookServer server;

    @BeforeEach
    void startEngine() {
        engine = RecipeEngine.builder()
                .discoverServices(false)
                .service(new HookService("echo", request -> behaviour.handle(request)))
                .build();
        engine.start();
    }

    @AfterEach
    void stop() {
        latchesToRelease.forEach(CountDownLatch::countDown);
        if (server != null) {
            server.close();
        }
        engine.close();
    }

    static Stream<Arguments> rawBodies() {
        byte[] everyByte = new byte[256];
        for (int i = 0; i < everyByte.length; i++) {
            everyByte[i] = (byte) i;
        }
        return Stream.of(
                arguments("multi-byte UTF-8", "application/json",
                        "{\"text\":\"h\u00e9llo \u2713 \u65e5\u672c \uD83D\uDE00\"}"
                                .getBytes(UTF_8)),
                arguments("percent-encoded form", "application/x-www-form-urlencoded",
                        "payload=%7B%22text%22%3A%22%2Abold%2A%22%7D&text=a+b%2Ac"
                                .getBytes(US_ASCII)),
                arguments("binary", "application/octet-stream", everyByte));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rawBodies")
    void passesBodyBytesExactlyAsSent(String kind, String contentType, byte[] body)
            throws Exception {
        server = start(UnaryOperator.identity());

        HttpResponse<byte[]> response = client.send(post("/hooks/echo", body)
                .header("Content-Type", contentType).build(), BodyHandlers.ofByteArray());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(nextRequest().body()).isEqualTo(body);
        assertThat(response.body()).isEqualTo(body);
    }

    @Test
    void passesMethodPathQueryAndEveryHeaderValue() throws Exception {
        server = start(UnaryOperator.identity());
        HttpRequest request = post("/hooks/echo?team=T0TEST001&text=%2Abold%2A", new byte[0])
                .header("X-Slack-Signature", "v0=abc")
                .header("X-Multi", "one")
                .header("X-Multi", "two")
                .build();

        client.send(request, BodyHandlers.discarding());

        WebhookRequest seen = nextRequest();
        assertThat(seen.method()).isEqualTo("POST");
        assertThat(seen.path()).isEqualTo("/hooks/echo");
        assertThat(seen.query()).isEqualTo("team=T0TEST001&text=%2Abold%2A");
        assertThat(seen.header("x-slack-signature")).contains("v0=abc");
        assertThat(seen.headers().get("X-MULTI")).containsExactly("one", "two");
    }

    @Test
    void writesStatusHeadersAndBodyOfTheAnswer() throws Exception {
        behaviour = request -> WebhookResponse.json(202, "{\"ok\":true}")
                .withHeader("X-Answer", "yes");
        server = start(UnaryOperator.identity());

        HttpResponse<String> response = send(post("/hooks/echo", new byte[0]).build());

        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(response.headers().firstValue("x-answer")).contains("yes");
        assertThat(response.headers().firstValue("content-type")).contains("application/json");
        assertThat(response.body()).isEqualTo("{\"ok\":true}");
    }

    @Test
    void sendsEmptyAnswerWithZeroLengthNotChunked() throws Exception {
        behaviour = request -> WebhookResponse.ok();
        server = start(UnaryOperator.identity());

        HttpResponse<String> response = send(post("/hooks/echo", new byte[0]).build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("content-length")).contains("0");
        assertThat(response.headers().firstValue("transfer-encoding")).isEmpty();
        assertThat(response.body()).isEmpty();
    }

    @Test
    void acceptsBodyExactlyAtTheLimit() throws Exception {
        server = start(settings -> settings.maxBodyBytes(1024));

        HttpResponse<String> response = send(post("/hooks/echo", new byte[1024]).build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(nextRequest().bodyLength()).isEqualTo(1024);
    }

    @Test
    void rejectsDeclaredLengthOverTheLimit() throws Exception {
        server = start(settings -> settings.maxBodyBytes(1024));

        HttpResponse<String> response = send(post("/hooks/echo", new byte[4096]).build());

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(received).isEmpty();
    }

    @RepeatedTest(3)
    void clientStillSendingALargeDeclaredBodyReadsThe413() throws Exception {
        server = start(UnaryOperator.identity());

        HttpResponse<String> response =
                send(post("/hooks/echo", new byte[(2 << 20) - 1024]).build());

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(received).isEmpty();
    }

    @Test
    void rejectsChunkedBodyOverTheLimit() throws Exception {
        server = start(settings -> settings.maxBodyBytes(1024));
        HttpRequest request = HttpRequest.newBuilder(uri("/hooks/echo"))
                .POST(BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[4096])))
                .timeout(TIMEOUT)
                .build();

        HttpResponse<String> response = send(request);

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(received).isEmpty();
    }

    @Test
    void answers413AsSoonAsChunkedBodyPassesTheLimit() throws Exception {
        server = start(settings -> settings.maxBodyBytes(1024));

        String statusLine;
        try (Socket socket = new Socket(LOOPBACK, server.port())) {
            socket.setSoTimeout((int) TIMEOUT.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(("POST /hooks/echo HTTP/1.1\r\nHost: localhost\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n401\r\n").getBytes(US_ASCII));
            out.write(new byte[0x401]);
            out.write("\r\n".getBytes(US_ASCII));
            out.flush();
            // The last chunk never comes: only an early answer can end this read.
            statusLine = new BufferedReader(
                    new InputStreamReader(socket.getInputStream(), US_ASCII)).readLine();
        }

        assertThat(statusLine).startsWith("HTTP/1.1 413");
        assertThat(received).isEmpty();
    }

    @Test
    void unknownServiceGets404FromTheEngine() throws Exception {
        server = start(UnaryOperator.identity());

        HttpResponse<String> response = send(post("/hooks/nosuch", new byte[0]).build());

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(response.body()).contains("nosuch");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/", "/hooks", "/hooksecho", "/other/echo", "/favicon.ico"})
    void pathOutsideHooksGets404WithoutReachingTheHandler(String path) throws Exception {
        server = start(UnaryOperator.identity());

        HttpResponse<String> response = send(post(path, "{}".getBytes(UTF_8)).build());

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(received).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET", "PUT", "DELETE"})
    void otherMethodsGet405WithAllowFromTheEngine(String method) throws Exception {
        server = start(UnaryOperator.identity());
        HttpRequest request = HttpRequest.newBuilder(uri("/hooks/echo"))
                .method(method, BodyPublishers.noBody())
                .timeout(TIMEOUT)
                .build();

        HttpResponse<String> response = send(request);

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.headers().firstValue("allow")).contains("POST");
        assertThat(received).isEmpty();
    }

    @Test
    void oauthPagesReachTheHandlerAsGetWithTheirQueryAndCookies() throws Exception {
        server = start(UnaryOperator.identity());
        HttpRequest request = HttpRequest.newBuilder(uri("/oauth/echo/callback?code=a%2Bb&s=1"))
                .header("Cookie", "n=v")
                .GET()
                .timeout(TIMEOUT)
                .build();

        HttpResponse<String> response = send(request);

        assertThat(response.statusCode()).isEqualTo(200);
        WebhookRequest seen = nextRequest();
        assertThat(seen.method()).isEqualTo("GET");
        assertThat(seen.path()).isEqualTo("/oauth/echo/callback");
        assertThat(seen.queryParameter("code")).contains("a+b");
        assertThat(seen.cookie("n")).contains("v");
    }

    @Test
    void headRequestGetsHeadersWithoutBody() throws Exception {
        server = start(UnaryOperator.identity());
        HttpRequest request = HttpRequest.newBuilder(uri("/hooks/echo"))
                .method("HEAD", BodyPublishers.noBody())
                .timeout(TIMEOUT)
                .build();

        HttpResponse<String> response = send(request);

        assertThat(response.statusCode()).isEqualTo(405);
        assertThat(response.headers().firstValue("allow")).contains("POST");
        assertThat(response.body()).isEmpty();
    }

    @Test
    void answers503WithRetryAfterWhenThreadsAndQueueAreFull() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = latch();
        behaviour = request -> {
            if (request.query().equals("slow")) {
                entered.countDown();
                await(release);
            }
            return WebhookResponse.ok();
        };
        server = start(settings -> settings.threads(1).queueCapacity(1));
        CompletableFuture<HttpResponse<String>> running = sendAsync("/hooks/echo?slow");
        await(entered);

        CompletableFuture<HttpResponse<String>> second = sendAsync("/hooks/echo");
        CompletableFuture<HttpResponse<String>> third = sendAsync("/hooks/echo");
        Object firstDone = CompletableFuture.anyOf(second, third).get(10, TimeUnit.SECONDS);

        HttpResponse<?> rejected = (HttpResponse<?>) firstDone;
        assertThat(rejected.statusCode()).isEqualTo(503);
        assertThat(rejected.headers().firstValue("retry-after")).contains("1");
        release.countDown();
        assertThat(running.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(List.of(second.get(10, TimeUnit.SECONDS).statusCode(),
                third.get(10, TimeUnit.SECONDS).statusCode())).containsExactlyInAnyOrder(200, 503);
    }

    @Test
    void serviceHandlerThatThrowsGives500() throws Exception {
        behaviour = request -> {
            throw new IllegalStateException("service broke");
        };
        server = start(UnaryOperator.identity());

        HttpResponse<String> response = send(post("/hooks/echo", new byte[0]).build());

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).doesNotContain("service broke");
    }

    @Test
    void handlerThatThrowsGives500FromTheServer() throws Exception {
        server = JdkWebhookServer.builder(request -> {
            throw new IllegalStateException("handler broke");
        }).address(new InetSocketAddress(LOOPBACK, 0)).start();

        HttpResponse<String> response = send(post("/hooks/any", new byte[0]).build());

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).doesNotContain("handler broke");
    }

    @Test
    void handlerThatThrowsAnErrorGives500AndTheServerCarriesOn() throws Exception {
        server = JdkWebhookServer.builder(request -> {
            throw new StackOverflowError();
        }).address(new InetSocketAddress(LOOPBACK, 0)).threads(1).start();

        HttpResponse<String> first = send(post("/hooks/any", new byte[0]).build());
        HttpResponse<String> second = send(post("/hooks/any", new byte[0]).build());

        assertThat(first.statusCode()).isEqualTo(500);
        assertThat(second.statusCode()).isEqualTo(500);
    }

    @Test
    void handlerThatAnswersNullGives500() throws Exception {
        server = JdkWebhookServer.builder(request -> null)
                .address(new InetSocketAddress(LOOPBACK, 0))
                .start();

        HttpResponse<String> response = send(post("/hooks/any", new byte[0]).build());

        assertThat(response.statusCode()).isEqualTo(500);
    }

    @Test
    void startServesTheEnginesWebhooks() throws Exception {
        server = JdkWebhookServer.start(engine, new InetSocketAddress(LOOPBACK, 0));

        HttpResponse<String> response = send(post("/hooks/echo", "hi".getBytes(UTF_8)).build());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("hi");
    }

    @Test
    void closeReleasesThePort() throws Exception {
        JdkWebhookServer closing = start(UnaryOperator.identity());
        int port = closing.port();

        closing.close();

        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(LOOPBACK, port));
            assertThat(socket.getLocalPort()).isEqualTo(port);
        }
        assertThat(closing.toString()).contains("closed");
    }

    @Test
    void closeRefusesNewRequests() throws Exception {
        JdkWebhookServer closing = start(UnaryOperator.identity());
        URI target = uri("/hooks/echo", closing.port());

        closing.close();
        closing.close();

        assertThatThrownBy(() -> client.send(HttpRequest.newBuilder(target)
                .POST(BodyPublishers.noBody()).timeout(TIMEOUT).build(),
                BodyHandlers.discarding())).isInstanceOf(IOException.class);
    }

    @Test
    void closeLetsARunningRequestFinish() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = latch();
        behaviour = request -> {
            if (request.query().equals("slow")) {
                entered.countDown();
                await(release);
            }
            return WebhookResponse.text(200, request.query());
        };
        server = start(settings -> settings.threads(2).queueCapacity(0)
                .drainDeadline(TIMEOUT));
        CompletableFuture<HttpResponse<String>> running = sendAsync("/hooks/echo?slow");
        await(entered);
        CompletableFuture<Void> releaser = CompletableFuture.runAsync(() -> {
            awaitStatus("/hooks/echo?probe", 503);
            release.countDown();
        });

        server.close();

        releaser.get(10, TimeUnit.SECONDS);
        assertThat(running.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(running.get().body()).isEqualTo("slow");
    }

    @Test
    void closeInterruptsRequestsPastTheDrainDeadline() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch never = latch();
        behaviour = request -> {
            entered.countDown();
            await(never);
            return WebhookResponse.ok();
        };
        server = start(settings -> settings.drainDeadline(Duration.ZERO));
        int port = server.port();
        CompletableFuture<HttpResponse<String>> running = sendAsync("/hooks/echo");
        await(entered);

        server.close();

        assertThat(running.handle((response, failure) -> failure != null
                || response.statusCode() == 500).get(10, TimeUnit.SECONDS)).isTrue();
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(LOOPBACK, port));
        }
    }

    @Test
    void toStringShowsAddressAndLimits() {
        server = start(settings -> settings.threads(3).queueCapacity(7).maxBodyBytes(2048));

        assertThat(server.toString())
                .contains("127.0.0.1:" + server.port())
                .contains("3 threads")
                .contains("queue 7")
                .contains("2048 bytes")
                .doesNotContain("closed");
        assertThat(server.address().getAddress()).isEqualTo(LOOPBACK);
    }

    @Test
    void builderRejectsASettingGivenTwice() {
        JdkWebhookServer.Builder builder = JdkWebhookServer.builder(request -> null).threads(2);

        assertThatThrownBy(() -> builder.threads(3))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("webhook server: threads already set to 2");
    }

    @Test
    void builderRejectsOutOfRangeSettings() {
        JdkWebhookServer.Builder builder = JdkWebhookServer.builder(request -> null);

        assertThatThrownBy(() -> builder.maxBodyBytes(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
        assertThatThrownBy(() -> builder.threads(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        assertThatThrownBy(() -> builder.queueCapacity(-2))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-2");
        assertThatThrownBy(() -> builder.drainDeadline(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-1S");
    }

    @Test
    void bodiesHeldBelowTheBodyLimitAreRefusedAtStart() {
        JdkWebhookServer.Builder builder = JdkWebhookServer.builder(request -> null)
                .address(new InetSocketAddress(LOOPBACK, 0))
                .maxBodyBytes(4096)
                .maxBufferedBytes(4095);

        assertThatThrownBy(builder::start)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("4095").hasMessageContaining("4096");
        assertThatThrownBy(() -> JdkWebhookServer.builder(request -> null).maxBufferedBytes(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
    }

    @Test
    void startWithoutAddressFails() {
        assertThatThrownBy(() -> JdkWebhookServer.builder(request -> null).start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("webhook server: address is not set");
    }

    @Test
    void startOnAPortInUseFails() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 0, LOOPBACK)) {
            InetSocketAddress address = new InetSocketAddress(LOOPBACK, taken.getLocalPort());

            assertThatThrownBy(() -> JdkWebhookServer.start(engine, address))
                    .isInstanceOf(java.io.UncheckedIOException.class)
                    .hasMessageContaining(String.valueOf(taken.getLocalPort()));
        }
    }

    private WebhookResponse recordAndEcho(WebhookRequest request) {
        received.add(request);
        return new WebhookResponse(200, Map.of("Content-Type", "application/octet-stream"),
                request.body());
    }

    private JdkWebhookServer start(UnaryOperator<JdkWebhookServer.Builder> settings) {
        return settings.apply(JdkWebhookServer.builder(engine.webhooks())
                .address(new InetSocketAddress(LOOPBACK, 0))).start();
    }

    private WebhookRequest nextRequest() throws InterruptedException {
        WebhookRequest request = received.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(request).as("a request reached the handler").isNotNull();
        return request;
    }

    private HttpRequest.Builder post(String path, byte[] body) {
        return HttpRequest.newBuilder(uri(path))
                .POST(BodyPublishers.ofByteArray(body))
                .timeout(TIMEOUT);
    }

    private HttpResponse<String> send(HttpRequest request)
            throws IOException, InterruptedException {
        return client.send(request, BodyHandlers.ofString());
    }

    private CompletableFuture<HttpResponse<String>> sendAsync(String path) {
        return client.sendAsync(post(path, new byte[0]).build(), BodyHandlers.ofString());
    }

    private void awaitStatus(String path, int status) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<Integer> seen = sendAsync(path).thenApply(HttpResponse::statusCode)
                    .exceptionally(failure -> null)
                    .thenApply(Optional::ofNullable)
                    .join();
            if (seen.isPresent() && seen.get() == status) {
                return;
            }
        }
        throw new AssertionError(path + " never answered " + status);
    }

    private URI uri(String pathAndQuery) {
        return uri(pathAndQuery, server.port());
    }

    private static URI uri(String pathAndQuery, int port) {
        return URI.create("http://127.0.0.1:" + port + pathAndQuery);
    }

    private CountDownLatch latch() {
        CountDownLatch latch = new CountDownLatch(1);
        latchesToRelease.add(latch);
        return latch;
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("test latch: not released in " + TIMEOUT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("test latch: interrupted", e);
        }
    }

    /** A service that takes webhooks and hands them to a handler the test chooses. */
    private static final class HookService implements Service {

        private final String id;
        private final WebhookHandler handler;

        HookService(String id, WebhookHandler handler) {
            this.id = id;
            this.handler = handler;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public Optional<WebhookHandler> webhook() {
            return Optional.of(handler);
        }

        @Override
        public Optional<WebhookHandler> oauth() {
            return Optional.of(handler);
        }
    }
}
