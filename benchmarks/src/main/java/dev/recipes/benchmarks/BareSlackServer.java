package dev.recipes.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.recipes.core.Secret;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The baseline the webhook ingress is measured against: a bare {@code com.sun.net.httpserver}
 * program that does for a Slack delivery only what any receiver must. It reads the body,
 * checks the {@code v0} signature (HMAC-SHA256 over {@code v0:<timestamp>:<body>}, compared in
 * constant time) and that the timestamp is within five minutes of the clock, parses the JSON,
 * checks that it is an {@code event_callback} with an {@code event_id}, and answers 200 with no
 * body. It keeps no events: it only counts them.
 *
 * <p>Requests run on a fixed pool of threads, as many as the benchmark gives, with an unbounded
 * queue. Thread-safe.
 */
final class BareSlackServer implements AutoCloseable {

    private static final long WINDOW_SECONDS = 300;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService workers;
    private final byte[] secret;
    private final LongAdder accepted = new LongAdder();

    private BareSlackServer(HttpServer server, ExecutorService workers, byte[] secret) {
        this.server = server;
        this.workers = workers;
        this.secret = secret;
    }

    /**
     * Starts a server that takes deliveries at {@code POST /hooks/slack}.
     *
     * @param address where to listen; port 0 picks a free port
     * @param secret the signing secret
     * @param threads how many requests run at once
     * @return the running server
     * @throws UncheckedIOException if the address cannot be bound
     */
    static BareSlackServer start(InetSocketAddress address, Secret secret, int threads) {
        HttpServer server;
        try {
            server = HttpServer.create(address, 0);
        } catch (IOException e) {
            throw new UncheckedIOException("bare server: cannot listen on " + address, e);
        }
        ExecutorService workers = Executors.newFixedThreadPool(threads);
        BareSlackServer bare = new BareSlackServer(server, workers, secret.bytes());
        server.createContext(SlackRequests.PATH, bare::handle);
        server.setExecutor(workers);
        server.start();
        return bare;
    }

    /**
     * Returns the port the server listens on.
     *
     * @return the bound port
     */
    int port() {
        return server.getAddress().getPort();
    }

    /**
     * Returns how many deliveries were answered 200.
     *
     * @return the count
     */
    long accepted() {
        return accepted.sum();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            int status = check(exchange.getRequestHeaders().getFirst("X-Slack-Request-Timestamp"),
                    exchange.getRequestHeaders().getFirst("X-Slack-Signature"), body);
            if (status == 200) {
                accepted.increment();
            }
            exchange.sendResponseHeaders(status, -1);
        }
    }

    private int check(String timestamp, String signature, byte[] body) {
        if (timestamp == null || signature == null || !signature.startsWith("v0=")
                || signature.length() != 67 || !fresh(timestamp)) {
            return 401;
        }
        byte[] presented;
        try {
            presented = HexFormat.of().parseHex(signature, 3, signature.length());
        } catch (IllegalArgumentException e) {
            return 401;
        }
        if (!MessageDigest.isEqual(presented, mac(timestamp, body))) {
            return 401;
        }
        return isEvent(body) ? 200 : 400;
    }

    private static boolean fresh(String timestamp) {
        try {
            long age = System.currentTimeMillis() / 1000 - Long.parseLong(timestamp);
            return Math.abs(age) <= WINDOW_SECONDS;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    private byte[] mac(String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(("v0:" + timestamp + ":").getBytes(StandardCharsets.UTF_8));
            return mac.doFinal(body);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("bare server: HmacSHA256 is missing", e);
        }
    }

    private static boolean isEvent(byte[] body) {
        try {
            JsonNode envelope = JSON.readTree(body);
            return envelope != null && "event_callback".equals(envelope.path("type").asText())
                    && envelope.path("event_id").isTextual();
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops the server at once and releases the port. */
    @Override
    public void close() {
        server.stop(0);
        workers.shutdownNow();
        try {
            workers.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
