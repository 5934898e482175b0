package dev.recipes.testkit.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.java_websocket.WebSocket;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.java_websocket.framing.CloseFrame;
import org.java_websocket.handshake.ClientHandshake;
import org.java_websocket.server.WebSocketServer;

/**
 * A fake of Slack's Socket Mode on {@code 127.0.0.1}, over a real WebSocket: an
 * {@code apps.connections.open} endpoint that hands out its URL, and a WebSocket server that
 * greets each connection with {@code hello}, sends envelopes, records the acks, and delivers
 * every unacknowledged envelope again, as Slack does.
 *
 * <pre>{@code
 * try (FakeSocketModeServer slack = FakeSocketModeServer.start()) {
 *     RecipeEngine engine = RecipeEngine.builder()
 *             .config("slack.api-url", slack.apiUrl())
 *             .config("slack.app-token", slack.appToken())
 *             .recipe(recipe)
 *             .build();
 *     engine.start();
 *     slack.awaitConnections(1, Duration.ofSeconds(5));
 *     slack.sendEventsApi(simulator.message("C0CHAN001", "U0USER001", "hi").build().bodyText());
 *     slack.awaitAcked(1, Duration.ofSeconds(5));
 * }
 * }</pre>
 *
 * <p>{@code POST <apiUrl>/apps.connections.open} needs {@code Authorization: Bearer} with
 * {@link #appToken()} (else {@code not_authed} or {@code invalid_auth}) and answers
 * {@code {"ok":true,"url":"ws://127.0.0.1:<port>/link/?ticket=..."}}, or
 * {@code {"ok":false,"error":<code>}} while {@link #refuseOpen(String)} is in force.
 *
 * <p>Envelopes go to the newest open connection. One sent while no connection is open waits
 * for the next; one left unacknowledged on a connection that closes goes again on the newest
 * open connection, or the next to open, with {@code retry_attempt} one higher;
 * {@link #redeliverUnacked()} sends every unacknowledged one again now, as Slack does after
 * its ack deadline. An ack for an envelope no longer waiting is recorded too. Thread-safe.
 */
public final class FakeSocketModeServer implements AutoCloseable {

    /** The {@code api_app_id} the fake reports in {@code hello}. */
    public static final String APP_ID = SlackSimulator.DEFAULT_API_APP_ID;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int STOP_MILLIS = 2_000;

    private final ObjectMapper json = new ObjectMapper();
    private final String appToken;
    private final Object lock = new Object();
    private final Server sockets;
    private final HttpServer http;

    // Guarded by lock.
    private final Map<String, Pending> pending = new LinkedHashMap<>();
    private final List<String> acks = new ArrayList<>();
    private final List<String> ackMessages = new ArrayList<>();
    private final Set<String> acked = new LinkedHashSet<>();
    private final List<String> otherMessages = new ArrayList<>();
    private final List<Instant> openCalls = new ArrayList<>();
    private final List<WebSocket> open = new ArrayList<>();
    private int connections;
    private String refusal;
    private long ticket;

    private static final class Pending {
        final ObjectNode envelope;
        WebSocket sentOn;
        boolean sentBefore;

        Pending(ObjectNode envelope) {
            this.envelope = envelope;
        }
    }

    private FakeSocketModeServer(String appToken) {
        this.appToken = appToken;
        InetAddress loopback = InetAddress.getLoopbackAddress();
        sockets = new Server(new InetSocketAddress(loopback, 0));
        sockets.setReuseAddr(true);
        sockets.setDaemon(true);
        sockets.start();
        try {
            if (!sockets.started.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("fake Socket Mode server did not start");
            }
            http = HttpServer.create(new InetSocketAddress(loopback, 0), 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopSockets();
            throw new IllegalStateException("interrupted while starting", e);
        } catch (IOException e) {
            stopSockets();
            throw new UncheckedIOException(e);
        }
        http.createContext("/api/apps.connections.open", this::openConnection);
        http.start();
    }

    /**
     * Starts a fake with a new random app-level token.
     *
     * @return the running fake; close it when done
     */
    public static FakeSocketModeServer start() {
        byte[] random = new byte[16];
        RANDOM.nextBytes(random);
        return new FakeSocketModeServer("xapp-1-A0TEST001-" + HexFormat.of().formatHex(random));
    }

    /**
     * Starts a fake that takes the given app-level token.
     *
     * @param appToken the token {@code apps.connections.open} accepts
     * @return the running fake; close it when done
     */
    public static FakeSocketModeServer start(String appToken) {
        Objects.requireNonNull(appToken, "appToken");
        if (appToken.isBlank()) {
            throw new IllegalArgumentException("appToken is blank");
        }
        return new FakeSocketModeServer(appToken);
    }

    /**
     * Returns the app-level token the fake accepts, for config {@code slack.app-token}.
     *
     * @return the token
     */
    public String appToken() {
        return appToken;
    }

    /**
     * Returns the Web API base URL, for config {@code slack.api-url}.
     *
     * @return such as {@code http://127.0.0.1:41234/api}
     */
    public String apiUrl() {
        return "http://127.0.0.1:" + http.getAddress().getPort() + "/api";
    }

    /**
     * Makes {@code apps.connections.open} answer {@code ok:false} with the code until
     * {@link #allowOpen()}.
     *
     * @param errorCode such as {@code ratelimited}
     */
    public void refuseOpen(String errorCode) {
        Objects.requireNonNull(errorCode, "errorCode");
        synchronized (lock) {
            refusal = errorCode;
        }
    }

    /** Makes {@code apps.connections.open} hand out URLs again. */
    public void allowOpen() {
        synchronized (lock) {
            refusal = null;
        }
    }

    /**
     * Returns when each {@code apps.connections.open} call arrived, by the system clock.
     *
     * @return the times, oldest first
     */
    public List<Instant> openCalls() {
        synchronized (lock) {
            return List.copyOf(openCalls);
        }
    }

    /**
     * Returns how many WebSocket connections were opened (and greeted) so far.
     *
     * @return the count
     */
    public int connections() {
        synchronized (lock) {
            return connections;
        }
    }

    /**
     * Returns how many WebSocket connections are open now.
     *
     * @return the count
     */
    public int openConnections() {
        synchronized (lock) {
            return open.size();
        }
    }

    /**
     * Sends an {@code events_api} envelope.
     *
     * @param payloadJson the Events API body, such as a {@link SlackRequest}'s
     * @return the envelope id
     */
    public String sendEventsApi(String payloadJson) {
        return sendEnvelope("events_api", payloadJson, false);
    }

    /**
     * Sends an envelope.
     *
     * @param type {@code events_api}, {@code slash_commands} or {@code interactive}
     * @param payloadJson the payload, a JSON object
     * @param acceptsResponsePayload what {@code accepts_response_payload} says
     * @return the envelope id
     */
    public String sendEnvelope(String type, String payloadJson, boolean acceptsResponsePayload) {
        Objects.requireNonNull(type, "type");
        JsonNode payload;
        try {
            payload = json.readTree(payloadJson);
        } catch (IOException e) {
            throw new IllegalArgumentException("payloadJson is not JSON", e);
        }
        String id = UUID.randomUUID().toString();
        ObjectNode envelope = json.createObjectNode()
                .put("envelope_id", id)
                .put("type", type)
                .put("accepts_response_payload", acceptsResponsePayload);
        envelope.set("payload", payload);
        if (type.equals("events_api")) {
            envelope.put("retry_attempt", 0).put("retry_reason", "");
        }
        synchronized (lock) {
            Pending item = new Pending(envelope);
            pending.put(id, item);
            WebSocket target = newest();
            if (target != null) {
                deliver(item, target);
            }
        }
        return id;
    }

    /**
     * Sends any text on the newest open connection, such as a malformed message.
     *
     * @param text the text
     * @throws IllegalStateException if no connection is open
     */
    public void sendRaw(String text) {
        synchronized (lock) {
            requireNewest().send(text);
        }
    }

    /**
     * Sends {@code disconnect} with a reason on the newest open connection; the connection
     * stays open until the client closes it.
     *
     * @param reason such as {@code refresh_requested}, {@code warning} or
     *     {@code link_disabled}
     * @throws IllegalStateException if no connection is open
     */
    public void sendDisconnect(String reason) {
        ObjectNode message = json.createObjectNode().put("type", "disconnect")
                .put("reason", reason);
        message.putObject("debug_info").put("host", "fake-socket-mode");
        synchronized (lock) {
            requireNewest().send(message.toString());
        }
    }

    /** Cuts every open connection without a close handshake, as a network failure would. */
    public void dropConnections() {
        List<WebSocket> all;
        synchronized (lock) {
            all = new ArrayList<>(open);
        }
        all.forEach(conn -> conn.closeConnection(CloseFrame.ABNORMAL_CLOSE, "dropped"));
    }

    /**
     * Sends every unacknowledged envelope again on the newest open connection, with
     * {@code retry_attempt} one higher; those wait for a connection if none is open.
     */
    public void redeliverUnacked() {
        synchronized (lock) {
            WebSocket target = newest();
            for (Pending item : pending.values()) {
                item.sentOn = null;
                if (target != null) {
                    deliver(item, target);
                }
            }
        }
    }

    /**
     * Returns the envelope ids of the acks received, in order, repeats included.
     *
     * @return the ids
     */
    public List<String> acks() {
        synchronized (lock) {
            return List.copyOf(acks);
        }
    }

    /**
     * Returns the acks received, whole, in order.
     *
     * @return the JSON texts, such as {@code {"envelope_id":"...","payload":{"text":"..."}}}
     */
    public List<String> ackMessages() {
        synchronized (lock) {
            return List.copyOf(ackMessages);
        }
    }

    /**
     * Returns the ids of envelopes sent and not acknowledged yet.
     *
     * @return the ids, oldest first
     */
    public List<String> unacked() {
        synchronized (lock) {
            return List.copyOf(pending.keySet());
        }
    }

    /**
     * Returns the messages received that were not acks, such as ones without an
     * {@code envelope_id}.
     *
     * @return the texts, in order
     */
    public List<String> otherMessages() {
        synchronized (lock) {
            return List.copyOf(otherMessages);
        }
    }

    /**
     * Waits until at least that many different envelopes were acknowledged.
     *
     * @param count how many envelope ids
     * @param timeout the longest wait
     * @throws AssertionError if they were not acknowledged in time
     */
    public void awaitAcked(int count, Duration timeout) {
        await(() -> acked.size() >= count, timeout,
                () -> "expected " + count + " envelopes acknowledged, got " + acked.size()
                        + "; " + pending.size() + " still unacknowledged");
    }

    /**
     * Waits until at least that many WebSocket connections were opened and greeted.
     *
     * @param count how many connections in all
     * @param timeout the longest wait
     * @throws AssertionError if not in time
     */
    public void awaitConnections(int count, Duration timeout) {
        await(() -> connections >= count, timeout,
                () -> "expected " + count + " connections, got " + connections);
    }

    /**
     * Waits until at least that many {@code apps.connections.open} calls arrived.
     *
     * @param count how many calls in all
     * @param timeout the longest wait
     * @throws AssertionError if not in time
     */
    public void awaitOpenCalls(int count, Duration timeout) {
        await(() -> openCalls.size() >= count, timeout,
                () -> "expected " + count + " apps.connections.open calls, got "
                        + openCalls.size());
    }

    /**
     * Waits until exactly that many WebSocket connections are open.
     *
     * @param count how many open connections
     * @param timeout the longest wait
     * @throws AssertionError if not in time
     */
    public void awaitOpenConnections(int count, Duration timeout) {
        await(() -> open.size() == count, timeout,
                () -> "expected " + count + " open connections, got " + open.size());
    }

    private void await(BooleanSupplier condition, Duration timeout,
            Supplier<String> failure) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (!condition.getAsBoolean()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("fake Socket Mode: " + failure.get() + " within "
                            + timeout);
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted while waiting", e);
                }
            }
        }
    }

    // Holding lock.
    private WebSocket newest() {
        return open.isEmpty() ? null : open.get(open.size() - 1);
    }

    private WebSocket requireNewest() {
        WebSocket target = newest();
        if (target == null) {
            throw new IllegalStateException("fake Socket Mode: no connection is open");
        }
        return target;
    }

    // Holding lock. A copy that goes again counts as a retry.
    private void deliver(Pending item, WebSocket target) {
        if (item.sentBefore && item.envelope.has("retry_attempt")) {
            item.envelope.put("retry_attempt", item.envelope.path("retry_attempt").asInt() + 1)
                    .put("retry_reason", "timeout");
        }
        try {
            target.send(item.envelope.toString());
            item.sentOn = target;
            item.sentBefore = true;
        } catch (WebsocketNotConnectedException e) {
            item.sentOn = null;   // the connection is closing; the next one gets it
        }
    }

    private void openConnection(HttpExchange exchange) throws IOException {
        try (exchange) {
            String answer;
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            synchronized (lock) {
                openCalls.add(Instant.now());
                lock.notifyAll();
                if (!exchange.getRequestMethod().equals("POST")) {
                    answer = error("invalid_request");
                } else if (auth == null || !auth.startsWith("Bearer ")) {
                    answer = error("not_authed");
                } else if (!auth.substring("Bearer ".length()).equals(appToken)) {
                    answer = error("invalid_auth");
                } else if (refusal != null) {
                    answer = error(refusal);
                } else {
                    answer = json.createObjectNode().put("ok", true)
                            .put("url", "ws://127.0.0.1:" + sockets.getPort()
                                    + "/link/?ticket=" + (++ticket) + "&app_id=" + APP_ID)
                            .toString();
                }
            }
            byte[] body = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    private String error(String code) {
        return json.createObjectNode().put("ok", false).put("error", code).toString();
    }

    private void opened(WebSocket conn) {
        ObjectNode hello = json.createObjectNode().put("type", "hello");
        synchronized (lock) {
            hello.put("num_connections", open.size() + 1);
            hello.putObject("debug_info").put("host", "fake-socket-mode")
                    .put("approximate_connection_time", 18060);
            hello.putObject("connection_info").put("app_id", APP_ID);
            conn.send(hello.toString());
            open.add(conn);
            connections++;
            for (Pending item : pending.values()) {
                if (item.sentOn == null) {
                    deliver(item, conn);
                }
            }
            lock.notifyAll();
        }
    }

    private void closed(WebSocket conn) {
        synchronized (lock) {
            open.remove(conn);
            WebSocket target = newest();
            for (Pending item : pending.values()) {
                if (item.sentOn == conn || item.sentOn == null) {
                    item.sentOn = null;
                    if (target != null) {
                        deliver(item, target);
                    }
                }
            }
            lock.notifyAll();
        }
    }

    private void received(String text) {
        JsonNode message;
        try {
            message = json.readTree(text);
        } catch (IOException e) {
            message = null;
        }
        synchronized (lock) {
            String id = message == null ? "" : message.path("envelope_id").asText("");
            if (id.isEmpty()) {
                otherMessages.add(text);
            } else {
                acks.add(id);
                ackMessages.add(text);
                acked.add(id);
                pending.remove(id);
            }
            lock.notifyAll();
        }
    }

    /** Closes every connection, then stops both servers. */
    @Override
    public void close() {
        http.stop(0);
        stopSockets();
    }

    private void stopSockets() {
        try {
            sockets.stop(STOP_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "FakeSocketModeServer[" + apiUrl() + "]";
    }

    /** The WebSocket side. */
    private final class Server extends WebSocketServer {

        final CountDownLatch started = new CountDownLatch(1);

        Server(InetSocketAddress address) {
            super(address);
        }

        @Override
        public void onOpen(WebSocket conn, ClientHandshake handshake) {
            opened(conn);
        }

        @Override
        public void onClose(WebSocket conn, int code, String reason, boolean remote) {
            closed(conn);
        }

        @Override
        public void onMessage(WebSocket conn, String message) {
            received(message);
        }

        @Override
        public void onError(WebSocket conn, Exception ex) {
            // A failed connection also closes; onClose does the bookkeeping.
        }

        @Override
        public void onStart() {
            started.countDown();
        }
    }
}
