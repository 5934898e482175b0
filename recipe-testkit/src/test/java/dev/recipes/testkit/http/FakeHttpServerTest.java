package dev.recipes.testkit.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

final class FakeHttpServerTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private final HttpClient client = HttpClient.newBuilder()
            .connectTimeout(WAIT).build();
    private final FakeHttpServer server = FakeHttpServer.start();

    @AfterEach
    void closeServer() {
        server.close();
    }

    private HttpResponse<String> post(String pathAndQuery, String body) throws Exception {
        return client.send(request(pathAndQuery, body).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String pathAndQuery, String body) {
        return HttpRequest.newBuilder(URI.create(server.url(pathAndQuery))).timeout(WAIT)
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }

    @Test
    void recordsMethodPathQueryHeadersAndRawBody() throws Exception {
        byte[] raw = {'{', '}', (byte) 0xff, 0};
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create(server.url("/v1/orders%2F1?page=2&q=a%20b")))
                .header("X-Trace", "t-1").header("X-Trace", "t-2")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(raw)).build();

        client.send(request, HttpResponse.BodyHandlers.discarding());

        ReceivedRequest received = server.requests().get(0);
        assertThat(received.method()).isEqualTo("PUT");
        assertThat(received.path()).isEqualTo("/v1/orders%2F1");
        assertThat(received.query()).isEqualTo("page=2&q=a%20b");
        assertThat(received.target()).isEqualTo("/v1/orders%2F1?page=2&q=a%20b");
        assertThat(received.headers().get("x-trace")).containsExactly("t-1", "t-2");
        assertThat(received.header("X-TRACE")).contains("t-1");
        assertThat(received.body()).containsExactly(raw);
    }

    @Test
    void answers200WithAnEmptyJsonObjectByDefault() throws Exception {
        HttpResponse<String> response = post("/", "");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("{}");
        assertThat(response.headers().firstValue("Content-Type")).contains("application/json");
    }

    @Test
    void answerByDefault_replacesTheDefaultForEveryLaterRequest() throws Exception {
        server.answerByDefault(Reply.text(202, "queued").withHeader("X-Id", "7"));

        HttpResponse<String> first = post("/a", "");
        HttpResponse<String> second = post("/b", "");

        assertThat(List.of(first.statusCode(), second.statusCode())).containsOnly(202);
        assertThat(second.body()).isEqualTo("queued");
        assertThat(second.headers().firstValue("x-id")).contains("7");
    }

    @Test
    void failNext_failsOneRequestThenTheDefaultReturns() throws Exception {
        server.failNext(503);

        HttpResponse<String> failed = post("/", "");
        HttpResponse<String> next = post("/", "");

        assertThat(failed.statusCode()).isEqualTo(503);
        assertThat(failed.body()).isEqualTo("{\"error\":\"injected failure 503\"}");
        assertThat(next.statusCode()).isEqualTo(200);
    }

    @Test
    void failNext_sendsTheGivenBodyAndHeaders() throws Exception {
        server.failNext(429, "slow down", Map.of("Retry-After", "7",
                "Content-Type", "text/plain"));

        HttpResponse<String> response = post("/", "");

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.body()).isEqualTo("slow down");
        assertThat(response.headers().firstValue("Retry-After")).contains("7");
        assertThat(response.headers().allValues("Content-Type")).containsExactly("text/plain");
    }

    @Test
    void scriptedRepliesAreUsedOnceEachInOrder() throws Exception {
        server.enqueue(Reply.status(201), Reply.json(409, "{\"e\":1}"));
        server.failNext(500);

        List<Integer> statuses = List.of(post("/", "").statusCode(), post("/", "").statusCode(),
                post("/", "").statusCode(), post("/", "").statusCode());

        assertThat(statuses).containsExactly(201, 409, 500, 200);
    }

    @Test
    void responderAnswersByRequestUnlessAScriptedReplyComesFirst() throws Exception {
        server.answerWith(request -> request.path().equals("/echo")
                ? Reply.json(200, request.bodyText()) : Reply.status(404));
        server.failNext(502);

        HttpResponse<String> scripted = post("/echo", "{\"n\":1}");
        HttpResponse<String> echoed = post("/echo", "{\"n\":2}");
        HttpResponse<String> missing = post("/other", "");

        assertThat(scripted.statusCode()).isEqualTo(502);
        assertThat(echoed.body()).isEqualTo("{\"n\":2}");
        assertThat(missing.statusCode()).isEqualTo(404);
    }

    @Test
    void responderThatFailsOrReturnsNullGives500() throws Exception {
        server.answerWith(request -> {
            if (request.path().equals("/null")) {
                return null;
            }
            throw new IllegalStateException("fake api bug");
        });

        HttpResponse<String> thrown = post("/boom", "");
        HttpResponse<String> none = post("/null", "");
        server.answerWith(null);
        HttpResponse<String> restored = post("/", "");

        assertThat(thrown.statusCode()).isEqualTo(500);
        assertThat(thrown.body()).contains("fake api bug");
        assertThat(none.statusCode()).isEqualTo(500);
        assertThat(none.body()).contains("returned null");
        assertThat(restored.statusCode()).isEqualTo(200);
    }

    @Test
    void delayNext_makesAClientTimeOutWhileTheRequestIsRecorded() {
        server.delayNext(Duration.ofSeconds(30));

        assertThatThrownBy(() -> client.send(request("/slow", "x")
                        .timeout(Duration.ofMillis(200)).build(),
                HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(HttpTimeoutException.class);
        assertThat(server.requests()).extracting(ReceivedRequest::path).containsExactly("/slow");
    }

    @Test
    void delayedReplyHoldsNoThreadAndCloseCutsIt() throws Exception {
        server.delayNext(Reply.MAX_DELAY);
        CompletableFuture<HttpResponse<String>> held = client.sendAsync(
                request("/held", "").timeout(Duration.ofMinutes(1)).build(),
                HttpResponse.BodyHandlers.ofString());
        server.awaitRequests(1, WAIT);

        HttpResponse<String> other = post("/other", "");
        server.close();

        assertThat(other.statusCode()).isEqualTo(200);
        assertThatThrownBy(() -> held.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
                .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(IOException.class);
    }

    @Test
    void delayedReplyIsTheOneTheRequestWouldGetOtherwise() throws Exception {
        server.answerByDefault(Reply.text(203, "late"));
        server.delayNext(Duration.ofMillis(1));

        HttpResponse<String> response = post("/", "");

        assertThat(response.statusCode()).isEqualTo(203);
        assertThat(response.body()).isEqualTo("late");
    }

    @Test
    void dropNext_closesTheConnectionWithoutAnAnswerOnce() throws Exception {
        server.dropNext();

        assertThatThrownBy(() -> post("/dropped", "x")).isInstanceOf(IOException.class);
        HttpResponse<String> next = post("/next", "");

        assertThat(next.statusCode()).isEqualTo(200);
        assertThat(server.requests()).extracting(ReceivedRequest::path)
                .containsExactly("/dropped", "/next");
    }

    @Test
    void awaitRequests_returnsOnceEnoughHaveArrived() throws Exception {
        CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 3; i++) {
                client.sendAsync(request("/n" + i, "").build(),
                        HttpResponse.BodyHandlers.discarding()).join();
            }
        });

        List<ReceivedRequest> arrived = server.awaitRequests(3, WAIT);

        sending.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(arrived).extracting(ReceivedRequest::path)
                .containsExactly("/n0", "/n1", "/n2");
    }

    @Test
    void awaitRequests_failsWithWhatArrivedAndMasksCredentials() throws Exception {
        client.send(request("/one", "{}").header("Authorization", "Bearer s3cr3t-token")
                .build(), HttpResponse.BodyHandlers.discarding());

        assertThatThrownBy(() -> server.awaitRequests(2, Duration.ofMillis(50)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("expected 2 requests within PT0.05S, got 1")
                .hasMessageContaining("POST /one")
                .hasMessageContaining("authorization=[Bearer ***]")
                .hasMessageNotContaining("s3cr3t");
    }

    @Test
    void awaitRequests_refusesACountBelowOneAndANegativeTimeout() {
        assertThatThrownBy(() -> server.awaitRequests(0, WAIT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fake http server: cannot wait for 0 requests within PT5S");
        assertThatThrownBy(() -> server.awaitRequests(1, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void toStringMasksEveryCredentialHeader() throws Exception {
        client.send(request("/masked?page=1", "{\"id\":1}")
                .header("Authorization", "Basic dXNlcjpwYXNz")
                .header("X-Api-Key", "key-value-1")
                .header("Cookie", "sid=cookie-value")
                .header("X-Hub-Signature-256", "sha256=signature-value")
                .header("X-Credential", "credential-value")
                .header("X-Request-Id", "visible-value")
                .build(), HttpResponse.BodyHandlers.discarding());

        String shown = server.requests().get(0).toString();

        assertThat(shown).contains("POST /masked?page=1", "authorization=[Basic ***]",
                "x-api-key=[***]", "cookie=[***]", "x-hub-signature-256=[***]",
                "x-credential=[***]", "x-request-id=[visible-value]", "body {\"id\":1}");
        assertThat(shown).doesNotContain("dXNlcjpwYXNz", "key-value-1", "cookie-value",
                "signature-value", "credential-value");
    }

    @Test
    void jsonParsesTheBodyOrSaysItIsNotJson() throws Exception {
        post("/json", "{\"a\":[1,2]}");
        post("/text", "not json");
        post("/empty", "");
        List<ReceivedRequest> requests = server.requests();

        assertThat(requests.get(0).json().at("/a/1").asInt()).isEqualTo(2);
        assertThatThrownBy(() -> requests.get(1).json()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the body is not JSON");
        assertThatThrownBy(() -> requests.get(2).json()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("the body is empty");
    }

    @Test
    void headRequestsGetNoBody() throws Exception {
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                        URI.create(server.url("/"))).method("HEAD",
                        HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEmpty();
    }

    @Test
    void bodiesOverTheLimitGet413AndAreNotRecorded() throws Exception {
        byte[] huge = new byte[FakeHttpServer.MAX_BODY_BYTES + 1];

        HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                        URI.create(server.url("/big")))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(huge)).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(server.requests()).isEmpty();
    }

    @Test
    void resetForgetsRequestsAndUnusedReplies() throws Exception {
        post("/", "");
        server.failNext(500);

        server.reset();

        assertThat(server.requests()).isEmpty();
        assertThat(post("/", "").statusCode()).isEqualTo(200);
    }

    @Test
    void urlRefusesAPathWithoutALeadingSlash() {
        assertThatThrownBy(() -> server.url("v1/orders"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fake http server: path 'v1/orders' does not start with '/'");
        assertThatThrownBy(() -> server.url("/a b")).isInstanceOf(IllegalArgumentException.class);
        assertThat(server.url("/v1?x=1")).isEqualTo(server.baseUrl() + "/v1?x=1")
                .startsWith("http://127.0.0.1:" + server.port());
    }

    @Test
    void repliesRefuseWhatCouldNotBeSent() {
        assertThatThrownBy(() -> Reply.status(199)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fake http reply: status 199 is not a final HTTP status from 200 "
                        + "to 599");
        assertThatThrownBy(() -> Reply.status(600)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Reply.status(200).withHeader("X-A", "a\r\nX-B: b"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("holds a control character");
        assertThatThrownBy(() -> Reply.status(200).withHeader("Bad Name", "v"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not an HTTP token");
        assertThatThrownBy(() -> Reply.status(200).withHeader("Content-Length", "5"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("written by the server itself");
        assertThatThrownBy(() -> Reply.drop().withHeader("X-A", "a"))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Reply.status(200).after(Duration.ofMillis(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> server.delayNext(Reply.MAX_DELAY.plusSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not between zero and PT10M");
    }

    @Test
    void repliesDescribeThemselvesWithoutTheirBody() {
        Reply reply = Reply.json(429, "{\"secret\":1}").withHeader("Retry-After", "2")
                .after(Duration.ofSeconds(1));

        assertThat(reply.toString()).isEqualTo("Reply[429, headers [Content-Type, Retry-After], "
                + "12 bytes, after PT1S]");
        assertThat(Reply.drop().toString()).isEqualTo("Reply[drop]");
        assertThat(new String(reply.body(), StandardCharsets.UTF_8)).isEqualTo("{\"secret\":1}");
    }
}
