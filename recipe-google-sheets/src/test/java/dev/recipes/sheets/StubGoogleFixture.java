package dev.recipes.sheets;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A stub of Google's token endpoint and Sheets API on loopback that answers what the test
 * queued, or a success by default, and records what it received. It checks nothing: the fake
 * server in recipe-testkit does that.
 */
final class StubGoogleFixture implements AutoCloseable {

    static final String TOKEN_OK =
            "{\"access_token\":\"ya29.stub-token\",\"expires_in\":3599,\"token_type\":\"Bearer\"}";
    static final String APPEND_OK = "{\"spreadsheetId\":\"1AbC\",\"updates\":{"
            + "\"spreadsheetId\":\"1AbC\",\"updatedRange\":\"Log!A1:C1\",\"updatedRows\":1,"
            + "\"updatedColumns\":3,\"updatedCells\":3}}";

    /** A canned answer. */
    record Answer(int status, String body, Map<String, String> headers) {
        static Answer of(int status, String body) {
            return new Answer(status, body, Map.of());
        }
    }

    /** What the stub received. */
    record Received(String method, String rawPath, String rawQuery, Map<String, List<String>>
            headers, String body) {
        String header(String name) {
            return headers.entrySet().stream()
                    .filter(entry -> entry.getKey().equalsIgnoreCase(name))
                    .map(entry -> entry.getValue().get(0)).findFirst().orElse(null);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(8);
    private final Queue<Answer> tokenAnswers = new ConcurrentLinkedQueue<>();
    private final Queue<Answer> apiAnswers = new ConcurrentLinkedQueue<>();
    private final List<Received> tokenRequests = new CopyOnWriteArrayList<>();
    private final List<Received> apiRequests = new CopyOnWriteArrayList<>();
    private volatile CountDownLatch tokenGate = new CountDownLatch(0);
    private volatile CountDownLatch apiGate = new CountDownLatch(0);
    private volatile int tokenExpiresIn = 3599;

    StubGoogleFixture() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/token", exchange -> handle(exchange, tokenRequests, tokenAnswers,
                () -> tokenGate, Answer.of(200, "{\"access_token\":\"ya29.stub-"
                        + tokenRequests.size() + "\",\"expires_in\":" + tokenExpiresIn
                        + ",\"token_type\":\"Bearer\"}")));
        server.createContext("/v4/", exchange -> handle(exchange, apiRequests, apiAnswers,
                () -> apiGate, Answer.of(200, APPEND_OK)));
        server.setExecutor(executor);
        server.start();
    }

    String apiUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    String tokenUrl() {
        return apiUrl() + "/token";
    }

    void answerToken(int status, String body) {
        tokenAnswers.add(Answer.of(status, body));
    }

    void answerApi(int status, String body) {
        apiAnswers.add(Answer.of(status, body));
    }

    void answerApi(int status, String body, Map<String, String> headers) {
        apiAnswers.add(new Answer(status, body, headers));
    }

    void tokenExpiresIn(int seconds) {
        tokenExpiresIn = seconds;
    }

    /** Holds token answers until the returned latch is counted down. */
    CountDownLatch holdTokens() {
        CountDownLatch gate = new CountDownLatch(1);
        tokenGate = gate;
        return gate;
    }

    /** Holds API answers until the returned latch is counted down. */
    CountDownLatch holdApi() {
        CountDownLatch gate = new CountDownLatch(1);
        apiGate = gate;
        return gate;
    }

    List<Received> tokenRequests() {
        return List.copyOf(tokenRequests);
    }

    List<Received> apiRequests() {
        return List.copyOf(apiRequests);
    }

    private interface Gate {
        CountDownLatch get();
    }

    private static void handle(HttpExchange exchange, List<Received> log, Queue<Answer> answers,
            Gate gate, Answer fallback) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            log.add(new Received(exchange.getRequestMethod(),
                    exchange.getRequestURI().getRawPath(), exchange.getRequestURI().getRawQuery(),
                    Map.copyOf(exchange.getRequestHeaders()), body));
            if (!gate.get().await(30, TimeUnit.SECONDS)) {
                return;
            }
            Answer answer = answers.poll();
            answer = answer == null ? fallback : answer;
            byte[] bytes = answer.body().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            answer.headers().forEach(exchange.getResponseHeaders()::set);
            exchange.sendResponseHeaders(answer.status(), bytes.length == 0 ? -1 : bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        tokenGate.countDown();
        apiGate.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
