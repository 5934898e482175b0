package dev.recipes.http.jdk;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The server's HTTP/1.1 over raw loopback sockets: connection handling, framing, strictness
 * against smuggling-shaped requests, timeouts and limits, and a concurrent load.
 */
final class HttpProtocolTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final int READ_TIMEOUT_MILLIS = 5_000;
    private static final Duration SHORT = Duration.ofMillis(400);
    private static final String CRLF = "\r\n";
    private static final String HOST = "Host: 127.0.0.1\r\n";

    private final BlockingQueue<WebhookRequest> received = new LinkedBlockingQueue<>();
    private final List<CountDownLatch> latchesToRelease = new ArrayList<>();
    private final List<Raw> connections = new ArrayList<>();
    private volatile WebhookHandler behaviour = HttpProtocolTest::echo;
    private JdkWebhookServer server;

    @AfterEach
    void stop() {
        latchesToRelease.forEach(CountDownLatch::countDown);
        connections.forEach(Raw::close);
        if (server != null) {
            server.close();
        }
    }

    // ---- connections

    @Test
    void keepAliveServesSeveralRequestsOnOneSocket() throws Exception {
        server = start(UnaryOperator.identity());
        Raw raw = connect();

        for (int i = 0; i < 5; i++) {
            Answer answer = raw.send(post("/hooks/keep?n=" + i, "body " + i)).read();

            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.text()).isEqualTo("body " + i);
            assertThat(answer.header("X-Query")).isEqualTo("n=" + i);
            assertThat(answer.header("Connection")).isNull();
        }
        assertThat(received).hasSize(5);
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderWithExactBodies() throws Exception {
        server = start(UnaryOperator.identity());
        StringBuilder all = new StringBuilder();
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            String body = i % 4 == 3 ? "" : "request " + i + " " + everyByte().substring(0, i * 20);
            bodies.add(body);
            // Every third one goes by chunks, and one is answered 404 by the I/O thread.
            all.append(i == 5 ? post("/nowhere", body)
                    : i % 3 == 0 ? chunked("/hooks/pipe?n=" + i, body)
                    : post("/hooks/pipe?n=" + i, body));
        }

        Raw raw = connect().send(all.toString());

        for (int i = 0; i < bodies.size(); i++) {
            Answer answer = raw.read();
            if (i == 5) {
                assertThat(answer.status()).isEqualTo(404);
                continue;
            }
            assertThat(answer.status()).isEqualTo(200);
            assertThat(answer.header("X-Query")).isEqualTo("n=" + i);
            assertThat(answer.text()).isEqualTo(bodies.get(i));
        }
        assertThat(received).hasSize(11);
    }

    @Test
    void pipelinedRequestsArrivingWhileTheHandlerIsBusyWaitTheirTurn() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = latch();
        behaviour = request -> {
            if (request.query().equals("block")) {
                entered.countDown();
                await(release);
            }
            return echo(request);
        };
        server = start(settings -> settings.threads(4));
        Raw raw = connect().send(post("/hooks/busy?block", "first"));
        await(entered);
        String large = "L".repeat(200 * 1024);

        // More than the server holds for a busy connection: it stops reading until the answer.
        CompletableFuture<Void> writing = CompletableFuture.runAsync(() -> {
            raw.send(post("/hooks/busy?n=2", "second"));
            raw.send(chunked("/hooks/busy?n=3", "third"));
            raw.send(post("/hooks/busy?n=4", large));
            raw.send(post("/hooks/busy?n=5", "fifth").substring(0, 20));
        });
        writing.get(READ_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        release.countDown();
        raw.send(post("/hooks/busy?n=5", "fifth").substring(20));

        assertThat(raw.read().text()).isEqualTo("first");
        assertThat(raw.read().text()).isEqualTo("second");
        assertThat(raw.read().text()).isEqualTo("third");
        assertThat(raw.read().text()).isEqualTo(large);
        assertThat(raw.read().text()).isEqualTo("fifth");
        assertThat(received).extracting(WebhookRequest::query)
                .containsExactly("block", "n=2", "n=3", "n=4", "n=5");
    }

    @RepeatedTest(5)
    void pipelinedRequestsFollowedByHalfCloseAreAllAnswered() throws Exception {
        server = start(UnaryOperator.identity());

        for (int round = 0; round < 20; round++) {
            StringBuilder all = new StringBuilder();
            for (int i = 0; i < 3; i++) {
                all.append(post("/hooks/half?n=" + i, "half " + i));
            }
            try (Raw raw = connect()) {
                raw.send(all.toString()).shutdownOutput();

                for (int i = 0; i < 3; i++) {
                    assertThat(raw.read().text()).as("round %d answer %d", round, i)
                            .isEqualTo("half " + i);
                }
                assertThat(raw.endOfStream()).isTrue();
            }
        }
    }

    @Test
    void expectContinueGetsInterim100ThenTheAnswer() throws Exception {
        server = start(UnaryOperator.identity());
        Raw raw = connect();

        raw.send("POST /hooks/expect HTTP/1.1\r\n" + HOST + "Content-Length: 5\r\n"
                + "Expect: 100-continue\r\n\r\n");
        Answer interim = raw.read();
        raw.send("hello");
        Answer answer = raw.read();

        assertThat(interim.status()).isEqualTo(100);
        assertThat(interim.body()).isEmpty();
        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.text()).isEqualTo("hello");
        assertThat(raw.send(post("/hooks/expect", "again")).read().text()).isEqualTo("again");
    }

    @Test
    void expectContinueWithChunkedBodyGetsInterim100() throws Exception {
        server = start(UnaryOperator.identity());
        Raw raw = connect();

        raw.send("POST /hooks/expect HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n"
                + "Expect: 100-continue\r\n\r\n");
        Answer interim = raw.read();
        raw.send("3\r\nabc\r\n0\r\n\r\n");

        assertThat(interim.status()).isEqualTo(100);
        assertThat(raw.read().text()).isEqualTo("abc");
    }

    @Test
    void expectContinueWithBodyOverTheLimitGets100Then413() throws Exception {
        server = start(settings -> settings.maxBodyBytes(1024));
        Raw raw = connect();

        raw.send("POST /hooks/expect HTTP/1.1\r\n" + HOST + "Content-Length: 4096\r\n"
                + "Expect: 100-continue\r\n\r\n");
        Answer interim = raw.read();
        Answer answer = raw.read();

        assertThat(interim.status()).isEqualTo(100);
        assertThat(answer.status()).isEqualTo(413);
        assertThat(answer.header("Connection")).isEqualTo("close");
        assertThat(raw.endOfStream()).isTrue();
        assertThat(received).isEmpty();
    }

    @Test
    void http10ConnectionClosesAfterTheAnswer() throws Exception {
        server = start(UnaryOperator.identity());
        Raw raw = connect();

        Answer answer = raw.send("POST /hooks/old HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc")
                .read();

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.text()).isEqualTo("abc");
        assertThat(answer.header("Connection")).isEqualTo("close");
        assertThat(raw.endOfStream()).isTrue();
    }

    @Test
    void http10ConnectionAskingKeepAliveIsKeptAndToldSo() throws Exception {
        server = start(UnaryOperator.identity());
        Raw raw = connect();
        String request = "POST /hooks/old HTTP/1.0\r\nConnection: keep-alive\r\n"
                + "Content-Length: 3\r\n\r\nabc";

        Answer first = raw.send(request).read();
        Answer second = raw.send(request).read();

        assertThat(first.status()).isEqualTo(200);
        assertThat(first.header("Connection")).isEqualToIgnoringCase("keep-alive");
        assertThat(second.text()).isEqualTo("abc");
    }

    @Test
    void connectionCloseClosesAfterTheAnswer() throws Exception {
        server = start(UnaryOperator.identity());
        Raw raw = connect();

        Answer answer = raw.send("POST /hooks/bye HTTP/1.1\r\n" + HOST
                + "Connection: close\r\nContent-Length: 3\r\n\r\nbye").read();

        assertThat(answer.text()).isEqualTo("bye");
        assertThat(answer.header("Connection")).isEqualTo("close");
        assertThat(raw.endOfStream()).isTrue();
    }

    @Test
    void handlerAskingToCloseClosesAfterTheAnswer() throws Exception {
        behaviour = request -> WebhookResponse.text(200, "done")
                .withHeader("Connection", "close");
        server = start(UnaryOperator.identity());
        Raw raw = connect();

        Answer answer = raw.send(post("/hooks/bye", "")).read();

        assertThat(answer.header("Connection")).isEqualTo("close");
        assertThat(raw.endOfStream()).isTrue();
    }

    @Test
    void requestPipelinedAfterConnectionCloseIsNeverHandled() throws Exception {
        server = start(UnaryOperator.identity());
        Raw raw = connect();

        raw.send("POST /hooks/bye HTTP/1.1\r\n" + HOST + "Connection: close\r\n"
                + "Content-Length: 3\r\n\r\nbye" + post("/hooks/after", "after"));

        assertThat(raw.read().text()).isEqualTo("bye");
        assertThat(raw.endOfStream()).isTrue();
        assertThat(received).extracting(WebhookRequest::path).containsExactly("/hooks/bye");
    }

    // ---- timeouts and limits

    @Test
    void stalledRequestsGet408WhileOthersAreServed() throws Exception {
        server = start(settings -> settings.threads(1).requestTimeout(SHORT));
        // More stalled clients than threads: waiting for their bytes holds no thread.
        List<Raw> stalled = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            stalled.add(connect().send("POST /hooks/slow HTTP/1.1\r\n" + HOST));
        }
        Raw stalledBody = connect().send("POST /hooks/slow HTTP/1.1\r\n" + HOST
                + "Content-Length: 10\r\n\r\nabc");

        Raw other = connect();
        for (int i = 0; i < 3; i++) {
            assertThat(other.send(post("/hooks/fast", "x" + i)).read().text())
                    .isEqualTo("x" + i);
        }

        stalled.add(stalledBody);
        for (Raw raw : stalled) {
            Answer answer = raw.read();
            assertThat(answer.status()).isEqualTo(408);
            assertThat(answer.header("Connection")).isEqualTo("close");
            assertThat(raw.endOfStream()).isTrue();
        }
        assertThat(received).extracting(WebhookRequest::path).containsOnly("/hooks/fast");
    }

    @Test
    void drippingClientGets408AtTheRequestTimeoutThoughBytesKeepComing() throws Exception {
        server = start(settings -> settings.requestTimeout(SHORT));
        Raw raw = connect();
        String head = "POST /hooks/drip HTTP/1.1\r\n" + HOST + "X-Drip: " + "d".repeat(400);
        long started = System.nanoTime();
        AtomicBoolean answered = new AtomicBoolean();

        CompletableFuture<Void> dripping = CompletableFuture.runAsync(() -> {
            try {
                for (int i = 0; i < head.length() && !answered.get(); i++) {
                    raw.send(head.substring(i, i + 1));
                    Thread.sleep(20);
                }
            } catch (UncheckedIOException | InterruptedException e) {
                // The server closed the connection, as it should.
            }
        });
        Answer answer = raw.read();
        answered.set(true);

        assertThat(answer.status()).isEqualTo(408);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
        dripping.get(10, TimeUnit.SECONDS);
        assertThat(received).isEmpty();
    }

    @Test
    void handlersOwnTimeCountsAgainstNeitherTimeout() throws Exception {
        behaviour = request -> {
            sleep(700);
            return echo(request);
        };
        server = start(settings -> settings.requestTimeout(Duration.ofMillis(200))
                .idleTimeout(Duration.ofMillis(200)));
        Raw raw = connect();

        Answer answer = raw.send(post("/hooks/slow", "slow")).read();

        assertThat(answer.text()).isEqualTo("slow");
        assertThat(answer.header("Connection")).isNull();
    }

    @Test
    void idleConnectionsAreClosedAfterTheIdleTimeout() throws Exception {
        server = start(settings -> settings.idleTimeout(Duration.ofMillis(300)));
        Raw served = connect();
        Raw silent = connect();

        assertThat(served.send(post("/hooks/idle", "once")).read().status()).isEqualTo(200);

        long started = System.nanoTime();
        assertThat(served.endOfStream()).isTrue();
        assertThat(silent.endOfStream()).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(3));
    }

    @Test
    void connectionOverTheLimitIsRefusedUntilOneCloses() throws Exception {
        server = start(settings -> settings.maxConnections(2));
        Raw first = connect();
        Raw second = connect();
        assertThat(first.send(post("/hooks/limit", "1")).read().status()).isEqualTo(200);
        assertThat(second.send(post("/hooks/limit", "2")).read().status()).isEqualTo(200);

        Raw third = connect();
        assertThat(refused(third)).isTrue();
        first.close();

        assertThat(eventuallyServed(post("/hooks/limit", "again"))).isEqualTo("again");
        assertThat(second.send(post("/hooks/limit", "still")).read().text()).isEqualTo("still");
    }

    @Test
    void connectionOverTheLimit_readsItsWhole503_evenAfterSendingItsRequest() throws Exception {
        server = start(settings -> settings.maxConnections(1));
        Raw first = connect();
        assertThat(first.send(post("/hooks/limit", "1")).read().status()).isEqualTo(200);

        for (int attempt = 0; attempt < 3; attempt++) {
            try (Raw over = connect()) {
                over.send(post("/hooks/limit", "x".repeat(20_000)));
                // Long enough for the server to have closed the connection with the request
                // unread, which resets it: the answer that came first must still be read.
                Thread.sleep(200);

                Answer answer = over.read();
                assertThat(answer.status()).isEqualTo(503);
                assertThat(answer.header("Retry-After")).isEqualTo("1");
                assertThat(over.endOfStream()).isTrue();
            }
        }
        assertThat(first.send(post("/hooks/limit", "still")).read().text()).isEqualTo("still");
        assertThat(received).extracting(WebhookRequest::body)
                .noneMatch(body -> body.length == 20_000);
    }

    // ---- strictness

    static Stream<Arguments> smuggling() {
        String smuggled = "GET /hooks/smuggled HTTP/1.1\r\n" + HOST + CRLF;
        return Stream.of(
                arguments("Content-Length with Transfer-Encoding", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "Content-Length: 5\r\n"
                                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled),
                arguments("Transfer-Encoding with Content-Length", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n"
                                + "Content-Length: 40\r\n\r\n0\r\n\r\n" + smuggled),
                arguments("two different Content-Lengths", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "Content-Length: 0\r\n"
                                + "Content-Length: 40\r\n\r\n" + smuggled),
                arguments("a Content-Length list that disagrees", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "Content-Length: 0, 40\r\n\r\n"
                                + smuggled),
                arguments("a signed Content-Length", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "Content-Length: +0\r\n\r\n"
                                + smuggled),
                arguments("a Content-Length that is not a number", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "Content-Length: 0x10\r\n\r\n"
                                + smuggled),
                arguments("gzip before chunked", 501,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST
                                + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n" + smuggled),
                arguments("chunked and identity on two lines", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n"
                                + "Transfer-Encoding: identity\r\n\r\n0\r\n\r\n" + smuggled),
                arguments("a misspelt chunked", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "Transfer-Encoding: xchunked\r\n"
                                + "\r\n0\r\n\r\n" + smuggled),
                arguments("chunked twice", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST
                                + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"
                                + smuggled),
                arguments("an empty Transfer-Encoding", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "Transfer-Encoding:\r\n"
                                + "\r\n0\r\n\r\n" + smuggled),
                arguments("Transfer-Encoding in HTTP/1.0", 400,
                        "POST /hooks/s HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"
                                + "0\r\n\r\n" + smuggled),
                arguments("a chunk size that is not hexadecimal", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n"
                                + "\r\nzz\r\n0\r\n\r\n" + smuggled),
                arguments("a chunk size with 0x", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n"
                                + "\r\n0x5\r\nabcde\r\n0\r\n\r\n" + smuggled),
                arguments("a negative chunk size", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n"
                                + "\r\n-1\r\na\r\n0\r\n\r\n" + smuggled),
                arguments("a chunk size with a space inside", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n"
                                + "\r\n1 0\r\n" + "a".repeat(16) + "\r\n0\r\n\r\n" + smuggled),
                arguments("chunk data longer than its size", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n"
                                + "\r\n3\r\nabcdef\r\n0\r\n\r\n" + smuggled),
                arguments("a chunk ended by a bare LF", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n"
                                + "\r\n3\r\nabc\n0\r\n\r\n" + smuggled),
                arguments("a chunk size line ended by a bare LF", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "Transfer-Encoding: chunked\r\n"
                                + "\r\n3;x=y\nabc\r\n0\r\n\r\n" + smuggled),
                arguments("a header line ended by a bare LF", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "X-A: b\nContent-Length: 0\r\n\r\n"
                                + smuggled),
                arguments("a request line ended by a bare LF", 400,
                        "POST /hooks/s HTTP/1.1\n" + HOST + "Content-Length: 0\r\n\r\n"
                                + smuggled),
                arguments("a head ended by a bare LF", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "Content-Length: 0\r\n\n"
                                + smuggled),
                arguments("a bare LF before the request line", 400,
                        "\nPOST /hooks/s HTTP/1.1\r\n" + HOST + "Content-Length: 0\r\n\r\n"
                                + smuggled),
                arguments("a bare CR before the request line", 400,
                        "\rPOST /hooks/s HTTP/1.1\r\n" + HOST + "Content-Length: 0\r\n\r\n"
                                + smuggled),
                arguments("a bare CR in a header value", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "X-A: b\rContent-Length: 40\r\n"
                                + "Content-Length: 0\r\n\r\n" + smuggled),
                arguments("a bare CR in the request line", 400,
                        "POST /hooks/s\rX HTTP/1.1\r\n" + HOST + "Content-Length: 0\r\n\r\n"
                                + smuggled),
                arguments("a space before a colon", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "Transfer-Encoding : chunked\r\n"
                                + "Content-Length: 0\r\n\r\n" + smuggled),
                arguments("a tab before a colon", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "Content-Length\t: 40\r\n\r\n"
                                + smuggled),
                arguments("a folded header", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "X-A: b\r\n Transfer-Encoding: "
                                + "chunked\r\nContent-Length: 0\r\n\r\n" + smuggled),
                arguments("whitespace before the first header", 400,
                        "POST /hooks/s HTTP/1.1\r\n Content-Length: 40\r\n" + HOST + CRLF
                                + smuggled),
                arguments("a header without a colon", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "Content-Length 40\r\n\r\n"
                                + smuggled),
                arguments("a header with an empty name", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + ": empty\r\n\r\n" + smuggled),
                arguments("a control character in a value", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "X-A: a" + (char) 1 + "b\r\n\r\n"
                                + smuggled),
                arguments("a NUL in a value", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "X-A: a" + (char) 0 + "b\r\n\r\n"
                                + smuggled),
                arguments("a DEL in a value", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "X-A: a" + (char) 0x7f
                                + "b\r\n\r\n" + smuggled),
                arguments("a method that is not a token", 400,
                        "PO(ST /hooks/s HTTP/1.1\r\n" + HOST + "Content-Length: 0\r\n\r\n"
                                + smuggled),
                arguments("two spaces in the request line", 400,
                        "POST  /hooks/s HTTP/1.1\r\n" + HOST + "Content-Length: 0\r\n\r\n"
                                + smuggled),
                arguments("a target with a fragment", 400,
                        "POST /hooks/s#x HTTP/1.1\r\n" + HOST + "Content-Length: 0\r\n\r\n"
                                + smuggled),
                arguments("a lower-case version", 400,
                        "POST /hooks/s http/1.1\r\n" + HOST + "Content-Length: 0\r\n\r\n"
                                + smuggled),
                arguments("an HTTP/1.1 request without Host", 400,
                        "POST /hooks/s HTTP/1.1\r\nContent-Length: 0\r\n\r\n" + smuggled),
                arguments("two Host headers", 400,
                        "POST /hooks/s HTTP/1.1\r\n" + HOST + "Host: elsewhere\r\n"
                                + "Content-Length: 0\r\n\r\n" + smuggled));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("smuggling")
    void smugglingShapedRequestIsRefusedAndNeverHandled(String kind, int status, String request)
            throws Exception {
        server = start(UnaryOperator.identity());
        Raw raw = connect();

        Answer answer = raw.send(request).read();

        assertThat(answer.status()).isEqualTo(status);
        assertThat(answer.header("Connection")).isEqualTo("close");
        assertThat(raw.endOfStream()).isTrue();
        assertThat(received).isEmpty();
        assertThat(eventuallyServed(post("/hooks/after", "next"))).isEqualTo("next");
    }

    @Test
    void headOverTheLimitGets431() throws Exception {
        server = start(UnaryOperator.identity());
        Raw raw = connect();

        Answer answer = raw.send("POST /hooks/big HTTP/1.1\r\n" + HOST + "X-Big: "
                + "b".repeat(70 * 1024) + "\r\nContent-Length: 0\r\n\r\n").read();

        assertThat(answer.status()).isEqualTo(431);
        assertThat(raw.endOfStream()).isTrue();
        assertThat(received).isEmpty();
    }

    @Test
    void tooManyHeadersGet431() throws Exception {
        server = start(UnaryOperator.identity());
        StringBuilder request = new StringBuilder("POST /hooks/many HTTP/1.1\r\n" + HOST);
        for (int i = 0; i < 300; i++) {
            request.append("X-H").append(i).append(": v\r\n");
        }

        Answer answer = connect().send(request + "Content-Length: 0\r\n\r\n").read();

        assertThat(answer.status()).isEqualTo(431);
        assertThat(received).isEmpty();
    }

    @Test
    void headJustUnderTheLimitIsServed() throws Exception {
        server = start(UnaryOperator.identity());
        String start = "POST /hooks/big HTTP/1.1\r\n" + HOST + "Content-Length: 2\r\nX-Big: ";

        Answer answer = connect().send(start + "b".repeat(60 * 1024) + "\r\n\r\nok").read();

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.text()).isEqualTo("ok");
    }

    @Test
    void http2VersionGets505() throws Exception {
        server = start(UnaryOperator.identity());
        Raw raw = connect();

        Answer answer = raw.send("POST /hooks/v2 HTTP/2.0\r\n" + HOST
                + "Content-Length: 0\r\n\r\n").read();

        assertThat(answer.status()).isEqualTo(505);
        assertThat(raw.endOfStream()).isTrue();
        assertThat(received).isEmpty();
    }

    @Test
    void absoluteFormTargetReachesTheHandlerWithPathAndQuery() throws Exception {
        server = start(UnaryOperator.identity());

        Answer answer = connect().send("POST http://127.0.0.1/hooks/abs?x=1&y=%2F HTTP/1.1\r\n"
                + HOST + "Content-Length: 3\r\n\r\nabs").read();

        assertThat(answer.status()).isEqualTo(200);
        WebhookRequest seen = received.poll();
        assertThat(seen).isNotNull();
        assertThat(seen.path()).isEqualTo("/hooks/abs");
        assertThat(seen.query()).isEqualTo("x=1&y=%2F");
        assertThat(seen.body()).isEqualTo("abs".getBytes(ISO_8859_1));
    }

    @Test
    void chunkedBodyWithExtensionsAndTrailersIsDeliveredExactly() throws Exception {
        server = start(UnaryOperator.identity());
        String body = everyByte() + "\r\n0\r\n\r\n";

        Answer answer = connect().send("POST /hooks/chunks HTTP/1.1\r\n" + HOST
                + "Transfer-Encoding: Chunked\r\n\r\n"
                + "a;name=value\r\n" + body.substring(0, 10) + CRLF
                + "F6 ; quoted=\"a;b\" ;flag\r\n" + body.substring(10, 256) + CRLF
                + Integer.toHexString(body.length() - 256) + CRLF + body.substring(256) + CRLF
                + "0;last\r\nX-Trailer: dropped\r\nContent-Length: 99\r\n\r\n").read();

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.text()).isEqualTo(body);
        WebhookRequest seen = received.poll();
        assertThat(seen).isNotNull();
        assertThat(seen.body()).isEqualTo(body.getBytes(ISO_8859_1));
        assertThat(seen.header("X-Trailer")).isEmpty();
        assertThat(seen.header("Content-Length")).isEmpty();
    }

    @Test
    void requestsSplitIntoOneByteWritesAreServed() throws Exception {
        server = start(UnaryOperator.identity());
        Raw raw = connect();
        String requests = "\r\n" + post("/hooks/bytes?n=1", "by length")
                + chunked("/hooks/bytes?n=2", "by chunks") + "POST /hooks/bytes?n=3 HTTP/1.1\r\n"
                + HOST + "Transfer-Encoding: chunked\r\n\r\n2;e=1\r\nab\r\n0\r\nX-T: 1\r\n\r\n";

        for (byte b : requests.getBytes(ISO_8859_1)) {
            raw.send(new byte[] {b});
            Thread.sleep(0, 200_000);
        }

        assertThat(raw.read().text()).isEqualTo("by length");
        assertThat(raw.read().text()).isEqualTo("by chunks");
        assertThat(raw.read().text()).isEqualTo("ab");
    }

    // ---- clients that go away, and large answers

    @Test
    void clientThatDisconnectsMidRequestDoesNotBreakTheServer() throws Exception {
        server = start(settings -> settings.maxConnections(1));

        try (Raw leaving = connect()) {
            leaving.send("POST /hooks/gone HTTP/1.1\r\n" + HOST + "Content-Length: 10\r\n\r\nab");
        }
        try (Raw resetting = connect()) {
            resetting.send("POST /hooks/gone HTTP/1.1\r\n" + HOST + "Content-Len");
            resetting.reset();
        }

        assertThat(eventuallyServed(post("/hooks/next", "served"))).isEqualTo("served");
        assertThat(received).extracting(WebhookRequest::path).containsOnly("/hooks/next");
    }

    @Test
    void clientThatResetsWhileItsRequestIsHandledDoesNotBreakTheServer() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = latch();
        behaviour = request -> {
            if (request.query().equals("block")) {
                entered.countDown();
                await(release);
            }
            return echo(request);
        };
        server = start(settings -> settings.maxConnections(1));

        try (Raw leaving = connect()) {
            leaving.send(post("/hooks/gone?block", "x".repeat(1000)));
            await(entered);
            leaving.reset();
        }
        release.countDown();

        assertThat(eventuallyServed(post("/hooks/next", "served"))).isEqualTo("served");
    }

    @Test
    void clientThatDisconnectsMidAnswerDoesNotBreakTheServer() throws Exception {
        byte[] big = pattern(8 << 20);
        behaviour = request -> request.path().equals("/hooks/big")
                ? new WebhookResponse(200, Map.of(), big) : echo(request);
        server = start(settings -> settings.maxConnections(1));

        try (Raw leaving = connect()) {
            leaving.send(post("/hooks/big", ""));
            assertThat(leaving.readStatusLine()).startsWith("HTTP/1.1 200");
            leaving.reset();
        }

        assertThat(eventuallyServed(post("/hooks/next", "served"))).isEqualTo("served");
    }

    @Test
    void largeAnswerToASlowReaderArrivesWhole() throws Exception {
        byte[] big = pattern(6 << 20);
        behaviour = request -> new WebhookResponse(200, Map.of(), big);
        // The whole answer takes longer than the request timeout: only a stall may end it.
        server = start(settings -> settings.requestTimeout(Duration.ofMillis(300)));
        Raw raw = connect(16 * 1024);

        raw.send(post("/hooks/big", ""));
        Answer answer = raw.readSlowly(16 * 1024, 3);

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.header("Content-Length")).isEqualTo(String.valueOf(big.length));
        assertThat(answer.body()).isEqualTo(big);
        assertThat(raw.send(post("/hooks/big", "")).read().body()).hasSize(big.length);
    }

    @Test
    void clientThatStopsReadingAnAnswerIsClosedAfterTheRequestTimeout() throws Exception {
        byte[] big = pattern(8 << 20);
        behaviour = request -> request.path().equals("/hooks/big")
                ? new WebhookResponse(200, Map.of(), big) : echo(request);
        server = start(settings -> settings.maxConnections(1)
                .requestTimeout(Duration.ofMillis(300)));
        Raw stuck = connect(16 * 1024);

        stuck.send(post("/hooks/big", ""));
        assertThat(stuck.readStatusLine()).startsWith("HTTP/1.1 200");

        // The one connection allowed is freed once its answer has stalled for too long.
        assertThat(eventuallyServed(post("/hooks/next", "served"))).isEqualTo("served");
    }

    // ---- handlers that fail

    static Stream<Arguments> failingHandlers() {
        Map<String, String> nullValue = new HashMap<>();
        nullValue.put("X-Null", null);
        return Stream.of(
                arguments("throws", (WebhookHandler) request -> {
                    throw new IllegalStateException("handler broke");
                }),
                arguments("throws an Error", (WebhookHandler) request -> {
                    throw new AssertionError("handler broke");
                }),
                arguments("answers null", (WebhookHandler) request -> null),
                arguments("sets a header name with a space", (WebhookHandler) request ->
                        WebhookResponse.ok().withHeader("X Bad", "v")),
                arguments("sets a header value with CRLF", (WebhookHandler) request ->
                        WebhookResponse.ok().withHeader("X-Bad", "v\r\nSet-Cookie: a=b")),
                arguments("sets a header value beyond Latin-1", (WebhookHandler) request ->
                        WebhookResponse.ok().withHeader("X-Bad", "snow " + (char) 0x2603)),
                arguments("sets a header value to null", (WebhookHandler) request ->
                        new WebhookResponse(200, nullValue, new byte[0])),
                arguments("answers 100 as its final status", (WebhookHandler) request ->
                        WebhookResponse.status(100)),
                arguments("answers 101 as its final status", (WebhookHandler) request ->
                        WebhookResponse.status(101).withHeader("Upgrade", "h2c")));
    }

    @ParameterizedTest(name = "handler that {0}")
    @MethodSource("failingHandlers")
    void failingHandlerGives500AndTheConnectionStaysUsable(String kind, WebhookHandler failing)
            throws Exception {
        behaviour = request -> request.query().equals("fail")
                ? failing.handle(request) : echo(request);
        server = start(UnaryOperator.identity());
        Raw raw = connect();

        Answer answer = raw.send(post("/hooks/h?fail", "")).read();

        assertThat(answer.status()).isEqualTo(500);
        assertThat(answer.text()).doesNotContain("broke").doesNotContain("Set-Cookie");
        assertThat(answer.header("Set-Cookie")).isNull();
        assertThat(raw.send(post("/hooks/h?ok", "after")).read().text()).isEqualTo("after");
    }

    // ---- answers

    @Test
    void answersCarryDateAndContentLength() throws Exception {
        behaviour = request -> WebhookResponse.text(201, "created");
        server = start(UnaryOperator.identity());
        Instant before = Instant.now().minusSeconds(2);

        Answer answer = connect().send(post("/hooks/date", "")).read();

        Instant date = ZonedDateTime.parse(answer.header("Date"),
                DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        assertThat(date).isBetween(before, Instant.now().plusSeconds(2));
        assertThat(answer.header("Date"))
                .matches("[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT");
        assertThat(answer.header("Content-Length")).isEqualTo("7");
        assertThat(answer.headers().get("Content-Length")).hasSize(1);
        assertThat(answer.header("Transfer-Encoding")).isNull();
        assertThat(answer.statusLine()).isEqualTo("HTTP/1.1 201 Created");
    }

    @Test
    void dates_areImfFixdate_withTheDayInTwoDigits() {
        assertThat(ResponseEncoder.httpDate(Instant.parse("1994-11-06T08:49:37Z")))
                .isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT");
        assertThat(ResponseEncoder.httpDate(Instant.parse("2026-12-05T09:05:00.999Z")))
                .isEqualTo("Sat, 05 Dec 2026 09:05:00 GMT");
    }

    @Test
    void framingHeadersOfTheHandlerAreReplacedAndItsDateKept() throws Exception {
        String date = "Tue, 03 Jun 2008 11:05:30 GMT";
        behaviour = request -> WebhookResponse.text(200, "framed")
                .withHeader("Content-Length", "999")
                .withHeader("Transfer-Encoding", "chunked")
                .withHeader("Connection", "keep-alive, Upgrade")
                .withHeader("date", date);
        server = start(UnaryOperator.identity());
        Raw raw = connect();

        Answer answer = raw.send(post("/hooks/framing", "")).read();

        assertThat(answer.text()).isEqualTo("framed");
        assertThat(answer.headers().get("Content-Length")).containsExactly("6");
        assertThat(answer.headers().get("Date")).containsExactly(date);
        assertThat(answer.header("Transfer-Encoding")).isNull();
        assertThat(answer.header("Connection")).isNull();
        assertThat(raw.send(post("/hooks/framing", "")).read().text()).isEqualTo("framed");
    }

    @Test
    void answerWithoutContentSendsNoBodyBytes() throws Exception {
        behaviour = request -> request.query().equals("empty")
                ? new WebhookResponse(204, Map.of(), "ignored".getBytes(ISO_8859_1))
                : echo(request);
        server = start(UnaryOperator.identity());
        Raw raw = connect();

        Answer empty = raw.send(post("/hooks/none?empty", "")).read();
        Answer next = raw.send(post("/hooks/none", "next")).read();

        assertThat(empty.status()).isEqualTo(204);
        assertThat(empty.header("Content-Length")).isNull();
        assertThat(next.statusLine()).isEqualTo("HTTP/1.1 200 OK");
        assertThat(next.text()).isEqualTo("next");
    }

    @Test
    void headerValuesReachTheHandlerAsLatin1WithoutOuterWhitespace() throws Exception {
        server = start(UnaryOperator.identity());

        connect().send("POST /hooks/latin HTTP/1.1\r\n" + HOST + "X-Name: \t caf"
                + (char) 0xe9 + " au lait \t\r\nX-Empty:\r\nContent-Length: 0\r\n\r\n").read();

        WebhookRequest seen = received.poll();
        assertThat(seen).isNotNull();
        assertThat(seen.header("x-name")).contains("caf" + (char) 0xe9 + " au lait");
        assertThat(seen.header("X-Empty")).contains("");
    }

    @Test
    void headAnswerHasTheLengthButNoBody() throws Exception {
        server = start(UnaryOperator.identity());
        Raw raw = connect();

        raw.send("HEAD /hooks/head HTTP/1.1\r\n" + HOST + "Content-Length: 4\r\n\r\nbody");
        Answer head = raw.readHead();

        assertThat(head.status()).isEqualTo(200);
        assertThat(head.header("Content-Length")).isEqualTo("4");
        assertThat(raw.send(post("/hooks/next", "next")).read().text()).isEqualTo("next");
    }

    @Test
    void bodiesHeldAtOnceAreBoundedAndTheOnePastGets503() throws Exception {
        server = start(settings -> settings.maxBodyBytes(64 * 1024)
                .maxBufferedBytes(128 * 1024));
        String body = "b".repeat(60_000);
        String first = post("/hooks/held?1", body);
        String second = post("/hooks/held?2", body);
        String third = post("/hooks/held?3", body);
        // Each sends all but the last byte of its body: two fit within the bound, not three,
        // and nothing is given back before a body is whole.
        List<Raw> clients = List.of(
                connect().send(first.substring(0, first.length() - 1)),
                connect().send(second.substring(0, second.length() - 1)),
                connect().send(third.substring(0, third.length() - 1)));
        Raw refusedOne = awaitFirstAnswer(clients);

        Answer refused = refusedOne.read();
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.header("Retry-After")).isEqualTo("1");
        for (Raw client : clients) {
            if (client != refusedOne) {
                assertThat(client.send("b").read().text()).isEqualTo(body);
            }
        }
        // Answered, the two gave their bytes back.
        assertThat(connect().send(third).read().text()).isEqualTo(body);
    }

    @Test
    void headsWithoutTheirBodiesHoldNothingOfTheBound() throws Exception {
        server = start(settings -> settings.maxBodyBytes(64 * 1024)
                .maxBufferedBytes(128 * 1024));
        for (int i = 0; i < 32; i++) {
            connect().send("POST /hooks/wait HTTP/1.1\r\n" + HOST
                    + "Content-Length: 9000\r\n\r\n");
        }

        assertThat(eventuallyServed(post("/hooks/small", "small"))).isEqualTo("small");
    }

    @Test
    void expectContinueBeyondTheBoundGets100Then503() throws Exception {
        server = start(settings -> settings.maxBodyBytes(64 * 1024)
                .maxBufferedBytes(128 * 1024));
        String body = "b".repeat(60_000);
        String held = post("/hooks/held", body);
        List<Raw> holding = List.of(connect().send(held.substring(0, held.length() - 1)),
                connect().send(held.substring(0, held.length() - 1)));
        Answer interim = null;
        Answer answer = null;
        // The two hold what they sent once the server has read it: retried until it has.
        for (int attempt = 0; attempt < 50 && (answer == null || answer.status() != 503);
                attempt++) {
            Raw asking = connect().send("POST /hooks/expect HTTP/1.1\r\n" + HOST
                    + "Content-Length: 60000\r\nExpect: 100-continue\r\n\r\n");
            interim = asking.read();
            answer = asking.send(body).read();
        }

        assertThat(interim.status()).isEqualTo(100);
        assertThat(answer.status()).isEqualTo(503);
        assertThat(answer.header("Retry-After")).isEqualTo("1");
        for (Raw client : holding) {
            assertThat(client.send("b").read().text()).isEqualTo(body);
        }
    }

    @Test
    void closePastTheDrainDeadlineAnswersTheQueued503AndSendsTheInterruptedAnswer()
            throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch never = latch();
        behaviour = request -> {
            entered.countDown();
            await(never);
            return echo(request);
        };
        server = start(settings -> settings.threads(1).queueCapacity(4)
                .drainDeadline(Duration.ofMillis(200)));
        Raw running = connect().send(post("/hooks/drain?running", "r"));
        await(entered);
        Raw queued = connect().send(post("/hooks/drain?queued", "q"));
        sleep(100);

        server.close();

        Answer interrupted = running.read();
        assertThat(interrupted.status()).isEqualTo(500);
        assertThat(interrupted.header("Connection")).isEqualTo("close");
        Answer refused = queued.read();
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.header("Connection")).isEqualTo("close");
    }

    @Test
    void answersWhileTheServerClosesCloseTheirConnections() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = latch();
        behaviour = request -> {
            entered.countDown();
            await(release);
            return echo(request);
        };
        server = start(settings -> settings.drainDeadline(Duration.ofSeconds(10)));
        Raw raw = connect().send(post("/hooks/drain", "kept?"));
        await(entered);

        CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
        sleep(100);
        release.countDown();

        Answer answer = raw.read();
        assertThat(answer.text()).isEqualTo("kept?");
        assertThat(answer.header("Connection")).isEqualTo("close");
        closing.get(READ_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Test
    void announcedBodiesCostNothingUntilTheyArrive() throws Exception {
        server = start(settings -> settings.maxBodyBytes(JdkWebhookServer.MAX_BODY_LIMIT));

        // Far more than the heap, were it taken when announced.
        for (int i = 0; i < 4; i++) {
            connect().send("POST /hooks/huge HTTP/1.1\r\n" + HOST
                    + "Content-Length: 2000000000\r\n\r\nstart");
            connect().send("POST /hooks/huge HTTP/1.1\r\n" + HOST
                    + "Transfer-Encoding: chunked\r\n\r\n7000000a\r\nstart");
        }

        assertThat(eventuallyServed(post("/hooks/small", "small"))).isEqualTo("small");
        assertThat(received).extracting(WebhookRequest::path).containsExactly("/hooks/small");
    }

    // ---- load

    @Test
    void manyConnectionsWithManyRequestsAreAllAnsweredExactly() throws Exception {
        server = start(UnaryOperator.identity());
        int clients = 32;
        int requests = 200;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<CompletableFuture<Integer>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int client = c;
                results.add(CompletableFuture.supplyAsync(
                        () -> exchange(client, requests), pool));
            }

            for (CompletableFuture<Integer> result : results) {
                assertThat(result.get(20, TimeUnit.SECONDS)).isEqualTo(requests);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(received).hasSize(clients * requests);
    }

    @Test
    void manyPipeliningConnectionsGetEveryAnswerInOrder() throws Exception {
        server = start(UnaryOperator.identity());
        int clients = 8;
        int requests = 150;
        ExecutorService pool = Executors.newFixedThreadPool(2 * clients);
        try {
            List<CompletableFuture<Integer>> results = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                results.add(pipeline(c, requests, pool));
            }

            for (CompletableFuture<Integer> result : results) {
                assertThat(result.get(20, TimeUnit.SECONDS)).isEqualTo(requests);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private int exchange(int client, int requests) {
        Random random = new Random(client);
        try (Raw raw = new Raw(server.port())) {
            for (int r = 0; r < requests; r++) {
                String body = "client " + client + " request " + r + " "
                        + "z".repeat(random.nextInt(2000));
                String request = r % 5 == 0 ? chunked("/hooks/load?c=" + client, body)
                        : post("/hooks/load?c=" + client, body);
                Answer answer = raw.send(request).read();
                if (answer.status() != 200 || !answer.text().equals(body)) {
                    throw new AssertionError("client " + client + " request " + r
                            + " answered " + answer.status());
                }
            }
            return requests;
        } catch (IOException e) {
            throw new AssertionError("client " + client + ": " + e, e);
        }
    }

    private CompletableFuture<Integer> pipeline(int client, int requests, ExecutorService pool) {
        Raw raw = connect();
        List<String> bodies = new ArrayList<>();
        StringBuilder all = new StringBuilder();
        Random random = new Random(client);
        for (int r = 0; r < requests; r++) {
            String body = "pipe " + client + "/" + r + " " + "p".repeat(random.nextInt(300));
            bodies.add(body);
            all.append(r % 4 == 0 ? chunked("/hooks/pipe", body) : post("/hooks/pipe", body));
        }
        byte[] bytes = all.toString().getBytes(ISO_8859_1);
        CompletableFuture.runAsync(() -> {
            // Pieces of every size, so that requests break at every place.
            int at = 0;
            while (at < bytes.length) {
                int size = Math.min(bytes.length - at, 1 + random.nextInt(700));
                raw.send(Arrays.copyOfRange(bytes, at, at + size));
                at += size;
                if (random.nextInt(8) == 0) {
                    Thread.yield();
                }
            }
        }, pool);
        return CompletableFuture.supplyAsync(() -> {
            for (int r = 0; r < requests; r++) {
                Answer answer;
                try {
                    answer = raw.read();
                } catch (IOException e) {
                    throw new AssertionError("client " + client + " answer " + r + ": " + e, e);
                }
                if (!answer.text().equals(bodies.get(r))) {
                    throw new AssertionError("client " + client + " answer " + r
                            + " is not its request's body");
                }
            }
            return requests;
        }, pool);
    }

    // ---- helpers

    private static WebhookResponse echo(WebhookRequest request) {
        return new WebhookResponse(200, Map.of("Content-Type", "application/octet-stream",
                "X-Path", request.path(), "X-Query", request.query()), request.body());
    }

    private WebhookResponse record(WebhookRequest request) {
        received.add(request);
        return behaviour.handle(request);
    }

    private JdkWebhookServer start(UnaryOperator<JdkWebhookServer.Builder> settings) {
        return settings.apply(JdkWebhookServer.builder(this::record)
                .address(new InetSocketAddress(LOOPBACK, 0))).start();
    }

    private Raw connect() {
        return connect(0);
    }

    private Raw connect(int receiveBuffer) {
        try {
            Raw raw = new Raw(server.port(), receiveBuffer);
            connections.add(raw);
            return raw;
        } catch (IOException e) {
            throw new AssertionError("cannot connect: " + e, e);
        }
    }

    /** Whether a connection past the limit was answered 503 or closed without an answer. */
    private static boolean refused(Raw raw) {
        try {
            raw.send(post("/hooks/limit", "3"));
            String line = raw.readStatusLine();
            return line == null || line.startsWith("HTTP/1.1 503");
        } catch (IOException | UncheckedIOException e) {
            return !(e instanceof java.net.SocketTimeoutException);
        }
    }

    /** Sends a request on new connections until one is answered 200, and returns its body. */
    private String eventuallyServed(String request) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        String last = "nothing";
        while (System.nanoTime() < deadline) {
            try (Raw raw = new Raw(server.port())) {
                Answer answer = raw.send(request).read();
                if (answer.status() == 200) {
                    return answer.text();
                }
                last = answer.statusLine();
            } catch (IOException | UncheckedIOException e) {
                last = e.toString();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("never served; last: " + last);
    }

    private static String post(String path, String body) {
        return "POST " + path + " HTTP/1.1\r\n" + HOST + "Content-Length: " + body.length()
                + "\r\n\r\n" + body;
    }

    private static String chunked(String path, String body) {
        StringBuilder request = new StringBuilder("POST " + path + " HTTP/1.1\r\n" + HOST
                + "Transfer-Encoding: chunked\r\n\r\n");
        for (int at = 0; at < body.length(); at += 100) {
            String piece = body.substring(at, Math.min(body.length(), at + 100));
            request.append(Integer.toHexString(piece.length())).append(CRLF).append(piece)
                    .append(CRLF);
        }
        return request.append("0\r\n\r\n").toString();
    }

    /** Every byte value once, as ISO-8859-1 characters. */
    private static String everyByte() {
        StringBuilder all = new StringBuilder(256);
        for (int i = 0; i < 256; i++) {
            all.append((char) i);
        }
        return all.toString();
    }

    private static byte[] pattern(int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (i * 31 + (i >>> 16));
        }
        return bytes;
    }

    private static Raw awaitFirstAnswer(List<Raw> clients) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READ_TIMEOUT_MILLIS);
        while (System.nanoTime() < deadline) {
            for (Raw client : clients) {
                if (client.hasAnswer()) {
                    return client;
                }
            }
            sleep(10);
        }
        throw new AssertionError("no client got an answer");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private CountDownLatch latch() {
        CountDownLatch latch = new CountDownLatch(1);
        latchesToRelease.add(latch);
        return latch;
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(READ_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("test latch: not released in time");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("test latch: interrupted", e);
        }
    }

    /** An answer as read off the wire; header names are matched without regard to case. */
    private record Answer(String statusLine, Map<String, List<String>> headers, byte[] body) {

        int status() {
            return Integer.parseInt(statusLine.substring(9, 12));
        }

        String header(String name) {
            List<String> values = headers.get(name);
            return values == null ? null : values.get(0);
        }

        String text() {
            return new String(body, ISO_8859_1);
        }
    }

    /** A client connection on a plain socket, reading answers strictly. */
    private static final class Raw implements AutoCloseable {

        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        Raw(int port) throws IOException {
            this(port, 0);
        }

        Raw(int port, int receiveBuffer) throws IOException {
            socket = new Socket();
            if (receiveBuffer > 0) {
                socket.setReceiveBufferSize(receiveBuffer);
            }
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(LOOPBACK, port), READ_TIMEOUT_MILLIS);
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        Raw send(String request) {
            return send(request.getBytes(ISO_8859_1));
        }

        Raw send(byte[] bytes) {
            try {
                out.write(bytes);
                out.flush();
                return this;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Whether bytes of an answer have arrived, without waiting. */
        boolean hasAnswer() throws IOException {
            return in.available() > 0;
        }

        void shutdownOutput() throws IOException {
            socket.shutdownOutput();
        }

        /** Closes with a reset rather than a FIN. */
        void reset() throws IOException {
            socket.setSoLinger(true, 0);
            socket.close();
        }

        Answer read() throws IOException {
            return read(false, Integer.MAX_VALUE, 0);
        }

        Answer readHead() throws IOException {
            return read(true, Integer.MAX_VALUE, 0);
        }

        Answer readSlowly(int piece, long pauseMillis) throws IOException {
            return read(false, piece, pauseMillis);
        }

        /** Reads the status line; null if the connection ended first. */
        String readStatusLine() throws IOException {
            return line();
        }

        /** Whether the server ended the connection: end of stream or reset, before any byte. */
        boolean endOfStream() throws IOException {
            try {
                return in.read() == -1;
            } catch (SocketException e) {
                return true;
            }
        }

        private Answer read(boolean head, int piece, long pauseMillis) throws IOException {
            String statusLine = line();
            if (statusLine == null) {
                throw new EOFException("the connection ended before an answer");
            }
            assertThat(statusLine).matches("HTTP/1\\.1 [1-5][0-9][0-9] .*");
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            for (String line = line(); !line.isEmpty(); line = line()) {
                int colon = line.indexOf(':');
                assertThat(colon).as("header line %s", line).isPositive();
                headers.computeIfAbsent(line.substring(0, colon), name -> new ArrayList<>())
                        .add(line.substring(colon + 1).trim());
            }
            int status = Integer.parseInt(statusLine.substring(9, 12));
            if (head || status < 200 || status == 204 || status == 304) {
                return new Answer(statusLine, headers, new byte[0]);
            }
            assertThat(headers).as("answer headers").containsKey("Content-Length");
            int length = Integer.parseInt(headers.get("Content-Length").get(0));
            ByteArrayOutputStream body = new ByteArrayOutputStream(length);
            byte[] buffer = new byte[Math.min(length, piece)];
            while (body.size() < length) {
                int count = in.read(buffer, 0, Math.min(buffer.length, length - body.size()));
                if (count < 0) {
                    throw new EOFException("the connection ended within a body");
                }
                body.write(buffer, 0, count);
                if (pauseMillis > 0) {
                    sleep(pauseMillis);
                }
            }
            return new Answer(statusLine, headers, body.toByteArray());
        }

        private String line() throws IOException {
            StringBuilder line = new StringBuilder();
            while (true) {
                int b = in.read();
                if (b < 0) {
                    if (line.length() == 0) {
                        return null;
                    }
                    throw new EOFException("the connection ended within a line");
                }
                if (b == '\n') {
                    assertThat(line).as("a line ends with CRLF").endsWith("\r");
                    return line.substring(0, line.length() - 1);
                }
                line.append((char) b);
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // Closed either way.
            }
        }
    }
}
