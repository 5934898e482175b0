package dev.recipes.testkit.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A fake of Slack's Web API ({@code chat.postMessage}, {@code chat.update},
 * {@code reactions.add}) and of {@code response_url}s, on {@code 127.0.0.1} with an ephemeral
 * port, over real HTTP.
 *
 * <pre>{@code
 * try (FakeSlackApi slack = FakeSlackApi.start()) {
 *     String token = slack.newBotToken();
 *     RecipeEngine engine = RecipeEngine.builder()
 *             .config("slack.api-url", slack.apiUrl())
 *             .config("slack.response-url-prefixes", slack.responseUrlPrefix())
 *             .recipe(recipe)
 *             .build();
 *     engine.connections().put(Connection.builder("slack", "default")
 *             .secret("bot-token", token).build());
 *     // ... an event, engine.awaitIdle(...)
 *     assertThat(slack.messages("C0ALERTS")).hasSize(1);
 * }
 * }</pre>
 *
 * <p>It answers as Slack does: HTTP 200 with {@code {"ok":true,...}} or
 * {@code {"ok":false,"error":"<code>"}}. Web API calls need {@code Authorization: Bearer} with
 * a token made by {@link #newBotToken()} or {@link #registerToken(String)} (else
 * {@code not_authed} or {@code invalid_auth}) and a JSON body sent as
 * {@code application/json; charset=utf-8} (else {@code missing_post_type} or
 * {@code invalid_charset}). Then:
 * <ul>
 *   <li>{@code chat.postMessage} needs {@code channel} ({@code channel_not_found}) and
 *       {@code text} or {@code blocks} ({@code no_text}); it stores the message and answers
 *       {@code channel}, a new {@code ts} string made from the fake's clock (seconds, a dot
 *       and six digits, such as {@code "1767603600.000001"}) and {@code message};</li>
 *   <li>{@code chat.update} needs the {@code channel} and {@code ts} of a stored message
 *       ({@code message_not_found}) and text or blocks, and replaces them;</li>
 *   <li>{@code reactions.add} needs {@code channel}, {@code timestamp} of a stored message
 *       and {@code name}; the same name twice answers {@code already_reacted};</li>
 *   <li>{@code POST} to a URL from {@link #newResponseUrl()} answers {@code {"ok":true}}, at
 *       most five times per URL, then 404 {@code used_url}; no token is needed.</li>
 * </ul>
 *
 * <p>Faults for the next requests, Web API or {@code response_url} alike, queue in order and
 * come before any check: {@link #failNext(String)} ({@code ok:false} with that code),
 * {@link #rateLimitNext(int)} (429 with {@code Retry-After}), {@link #answerNext(int, String)}
 * (any status and body) and {@link #delayNext(Duration)} (a real-time hold, then the normal
 * answer). Every request is {@linkplain #calls() recorded}. Thread-safe.
 */
public final class FakeSlackApi implements AutoCloseable {

    /** What {@link #calls()} records as the method of a {@code response_url} post. */
    public static final String RESPONSE_URL = "response_url";

    private static final int MAX_BODY_BYTES = 1 << 20;
    private static final int MAX_RESPONSES_PER_URL = 5;
    private static final Duration MAX_DELAY = Duration.ofSeconds(30);
    private static final SecureRandom RANDOM = new SecureRandom();

    // The JDK server writes a response's headers and body separately; without TCP_NODELAY the
    // body waits for the client's delayed ACK. The JDK reads the property once.
    static {
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private final ObjectMapper json = new ObjectMapper();
    private final Clock clock;
    private final HttpServer server;
    private final ExecutorService executor;
    private final String baseUrl;
    private final Object lock = new Object();
    private final Set<String> tokens = new HashSet<>();
    private final List<Call> calls = new ArrayList<>();
    private final Deque<Fault> faults = new ArrayDeque<>();
    private final Map<String, Map<String, Message>> channels = new HashMap<>();
    private final Map<String, Integer> responseUrls = new HashMap<>();
    private final Set<String> reactions = new HashSet<>();
    private long lastTsSecond;
    private int tsSequence;

    /**
     * One request the fake received.
     *
     * @param method the Web API method, such as {@code chat.postMessage}, or
     *     {@value #RESPONSE_URL}
     * @param token the bearer token sent, or {@code null} if none
     * @param body the JSON body, or JSON null if it was not JSON
     * @param at when it arrived, by the fake's clock
     * @param status the HTTP status of the answer
     * @param error the {@code ok:false} error code answered, or {@code null}
     */
    public record Call(String method, String token, JsonNode body, Instant at, int status,
            String error) {

        /**
         * Returns a text field of the body.
         *
         * @param field such as {@code text}
         * @return the text, or {@code null} if absent or not text
         */
        public String text(String field) {
            JsonNode value = body.get(field);
            return value != null && value.isTextual() ? value.asText() : null;
        }

        /**
         * Tells whether the fake answered {@code ok:true}.
         *
         * @return {@code true} on success
         */
        public boolean ok() {
            return status == 200 && error == null;
        }

        @Override
        public String toString() {
            return "Call[" + method + " at " + at + ", " + status
                    + (error == null ? "" : " " + error) + ", " + body + "]";
        }
    }

    /**
     * A message the fake stores.
     *
     * @param channel the channel id
     * @param ts the message's ts
     * @param text its text, or {@code null}
     * @param blocks its blocks, or {@code null}
     * @param threadTs the thread it replies in, or {@code null}
     */
    public record Message(String channel, String ts, String text, JsonNode blocks,
            String threadTs) {
    }

    /** A queued fault: an answer given instead of the normal one, or a hold before it. */
    private record Fault(int status, String body, Map<String, String> headers, Duration hold) {
    }

    private FakeSlackApi(Clock clock) {
        this.clock = clock;
        this.executor = Executors.newFixedThreadPool(4, task -> {
            Thread thread = new Thread(task, "fake-slack-api");
            thread.setDaemon(true);
            return thread;
        });
        try {
            this.server = HttpServer.create(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            executor.shutdownNow();
            throw new UncheckedIOException("fake slack api: cannot listen on loopback", e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
        this.baseUrl = "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * Starts a fake on the system clock.
     *
     * @return the running fake; close it when done
     */
    public static FakeSlackApi start() {
        return start(Clock.systemUTC());
    }

    /**
     * Starts a fake whose {@code ts} values and call times come from a clock, such as a test
     * engine's.
     *
     * @param clock the clock
     * @return the running fake; close it when done
     */
    public static FakeSlackApi start(Clock clock) {
        return new FakeSlackApi(Objects.requireNonNull(clock, "clock"));
    }

    /**
     * Returns the base URL of the fake Web API, for config {@code slack.api-url}.
     *
     * @return such as {@code http://127.0.0.1:54321/api}
     */
    public String apiUrl() {
        return baseUrl + "/api";
    }

    /**
     * Returns the prefix of every URL {@link #newResponseUrl()} makes, for config
     * {@code slack.response-url-prefixes}.
     *
     * @return such as {@code http://127.0.0.1:54321/response/}
     */
    public String responseUrlPrefix() {
        return baseUrl + "/response/";
    }

    /**
     * Makes a {@code response_url} the fake answers, as Slack puts in a slash command.
     *
     * @return a new URL under {@link #responseUrlPrefix()}
     */
    public String newResponseUrl() {
        String id = "T0TEST001/" + Math.abs(RANDOM.nextLong() % 1_000_000_000_000L) + "/"
                + random(12);
        synchronized (lock) {
            responseUrls.put(id, 0);
        }
        return responseUrlPrefix() + id;
    }

    /**
     * Makes a bot token the fake accepts.
     *
     * @return such as {@code xoxb-test-1f0c...}
     */
    public String newBotToken() {
        return registerToken("xoxb-test-" + random(12));
    }

    /**
     * Makes the fake accept a token.
     *
     * @param token the token
     * @return the token
     */
    public String registerToken(String token) {
        Objects.requireNonNull(token, "token");
        if (token.isBlank()) {
            throw new IllegalArgumentException("fake slack api: token is blank");
        }
        synchronized (lock) {
            tokens.add(token);
        }
        return token;
    }

    /**
     * Answers the next request with {@code {"ok":false,"error":"<code>"}} and HTTP 200.
     *
     * @param error the error code, such as {@code channel_not_found} or {@code ratelimited}
     * @return this fake
     */
    public FakeSlackApi failNext(String error) {
        Objects.requireNonNull(error, "error");
        return queue(new Fault(200, "{\"ok\":false,\"error\":\"" + error + "\"}", Map.of(),
                Duration.ZERO));
    }

    /**
     * Answers the next request with 429, {@code Retry-After} and
     * {@code {"ok":false,"error":"ratelimited"}}.
     *
     * @param retryAfterSeconds the header's value, in seconds
     * @return this fake
     */
    public FakeSlackApi rateLimitNext(int retryAfterSeconds) {
        if (retryAfterSeconds < 0) {
            throw new IllegalArgumentException("fake slack api: Retry-After "
                    + retryAfterSeconds + " is negative");
        }
        return queue(new Fault(429, "{\"ok\":false,\"error\":\"ratelimited\"}",
                Map.of("Retry-After", Integer.toString(retryAfterSeconds)), Duration.ZERO));
    }

    /**
     * Answers the next request with any status and JSON body, such as a 503 or an answer
     * whose {@code ts} is a number.
     *
     * @param status an HTTP status, 200 to 599
     * @param body the body, sent as {@code application/json}
     * @return this fake
     */
    public FakeSlackApi answerNext(int status, String body) {
        if (status < 200 || status > 599) {
            throw new IllegalArgumentException("fake slack api: status " + status
                    + " is not 200 to 599");
        }
        return queue(new Fault(status, Objects.requireNonNull(body, "body"), Map.of(),
                Duration.ZERO));
    }

    /**
     * Holds the next request for a while in real time, then answers it normally; for client
     * timeouts.
     *
     * @param hold how long, at most 30 seconds
     * @return this fake
     */
    public FakeSlackApi delayNext(Duration hold) {
        Objects.requireNonNull(hold, "hold");
        if (hold.isNegative() || hold.compareTo(MAX_DELAY) > 0) {
            throw new IllegalArgumentException("fake slack api: delay " + hold
                    + " is not between zero and " + MAX_DELAY);
        }
        return queue(new Fault(0, null, Map.of(), hold));
    }

    private FakeSlackApi queue(Fault fault) {
        synchronized (lock) {
            faults.add(fault);
        }
        return this;
    }

    /**
     * Returns every request received, oldest first.
     *
     * @return a snapshot
     */
    public List<Call> calls() {
        synchronized (lock) {
            return List.copyOf(calls);
        }
    }

    /**
     * Returns the requests of one method, oldest first.
     *
     * @param method such as {@code chat.postMessage}, or {@value #RESPONSE_URL}
     * @return a snapshot
     */
    public List<Call> calls(String method) {
        return calls().stream().filter(call -> call.method().equals(method)).toList();
    }

    /**
     * Returns the messages stored in a channel, oldest first, as last updated.
     *
     * @param channel the channel id
     * @return a snapshot; empty for an unknown channel
     */
    public List<Message> messages(String channel) {
        synchronized (lock) {
            return List.copyOf(channels.getOrDefault(channel, Map.of()).values());
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] raw;
            try (InputStream in = exchange.getRequestBody()) {
                raw = in.readNBytes(MAX_BODY_BYTES);
            }
            String path = exchange.getRequestURI().getRawPath();
            boolean response = path.startsWith("/response/");
            String method = response ? RESPONSE_URL
                    : path.startsWith("/api/") ? path.substring("/api/".length()) : path;
            String token = bearer(exchange);
            JsonNode body = parse(raw);
            Fault fault;
            synchronized (lock) {
                fault = faults.poll();
            }
            if (fault != null && fault.hold().compareTo(Duration.ZERO) > 0) {
                hold(fault.hold());
                fault = null;
            }
            Instant at = clock.instant();
            if (fault != null) {
                record(method, token, body, at, fault.status(), errorOf(fault.body()));
                send(exchange, fault.status(), fault.body(), fault.headers());
                return;
            }
            if (!"POST".equals(exchange.getRequestMethod())) {
                record(method, token, body, at, 405, null);
                send(exchange, 405, "{\"ok\":false,\"error\":\"method_not_allowed\"}",
                        Map.of());
                return;
            }
            ObjectNode answer = response ? respond(path.substring("/response/".length()))
                    : webApi(method, token, exchange, body);
            int status = answer.has("status") ? answer.remove("status").asInt() : 200;
            record(method, token, body, at, status, answer.path("ok").asBoolean()
                    ? null : answer.path("error").asText());
            send(exchange, status, json.writeValueAsString(answer), Map.of());
        }
    }

    private ObjectNode webApi(String method, String token, HttpExchange exchange,
            JsonNode body) {
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        synchronized (lock) {
            if (token == null) {
                return error("not_authed");
            }
            if (!tokens.contains(token)) {
                return error("invalid_auth");
            }
            if (contentType == null) {
                return error("missing_post_type");
            }
            String type = contentType.toLowerCase(Locale.ROOT).replace(" ", "");
            if (!type.startsWith("application/json") || !type.contains("charset=utf-8")) {
                return error("invalid_charset");
            }
            if (!body.isObject()) {
                return error("invalid_json");
            }
            return switch (method) {
                case "chat.postMessage" -> postMessage(body);
                case "chat.update" -> update(body);
                case "reactions.add" -> react(token, body);
                default -> error("unknown_method");
            };
        }
    }

    private ObjectNode postMessage(JsonNode body) {
        String channel = text(body, "channel");
        if (channel == null) {
            return error("channel_not_found");
        }
        if (text(body, "text") == null && !body.path("blocks").isArray()) {
            return error("no_text");
        }
        Message message = new Message(channel, nextTs(), text(body, "text"),
                body.get("blocks"), text(body, "thread_ts"));
        channels.computeIfAbsent(channel, key -> new LinkedHashMap<>())
                .put(message.ts(), message);
        return ok(message);
    }

    private ObjectNode update(JsonNode body) {
        String channel = text(body, "channel");
        String ts = text(body, "ts");
        Message old = channel == null || ts == null ? null
                : channels.getOrDefault(channel, Map.of()).get(ts);
        if (old == null) {
            return error(channel == null ? "channel_not_found" : "message_not_found");
        }
        if (text(body, "text") == null && !body.path("blocks").isArray()) {
            return error("no_text");
        }
        Message updated = new Message(channel, ts, text(body, "text"), body.get("blocks"),
                old.threadTs());
        channels.get(channel).put(ts, updated);
        return ok(updated);
    }

    private ObjectNode react(String token, JsonNode body) {
        String channel = text(body, "channel");
        String ts = text(body, "timestamp");
        String name = text(body, "name");
        if (name == null) {
            return error("invalid_name");
        }
        if (channel == null || ts == null
                || !channels.getOrDefault(channel, Map.of()).containsKey(ts)) {
            return error("message_not_found");
        }
        if (!reactions.add(token + " " + channel + " " + ts + " " + name)) {
            return error("already_reacted");
        }
        return json.createObjectNode().put("ok", true);
    }

    private ObjectNode respond(String id) {
        synchronized (lock) {
            Integer used = responseUrls.get(id);
            if (used == null || used >= MAX_RESPONSES_PER_URL) {
                return error(used == null ? "expired_url" : "used_url").put("status", 404);
            }
            responseUrls.put(id, used + 1);
            return json.createObjectNode().put("ok", true);
        }
    }

    private ObjectNode ok(Message message) {
        ObjectNode answer = json.createObjectNode()
                .put("ok", true)
                .put("channel", message.channel())
                .put("ts", message.ts());
        ObjectNode shown = answer.putObject("message")
                .put("type", "message")
                .put("ts", message.ts());
        if (message.text() != null) {
            shown.put("text", message.text());
        }
        return answer;
    }

    private ObjectNode error(String code) {
        return json.createObjectNode().put("ok", false).put("error", code);
    }

    /** Makes a ts from the clock's second and a sequence within it, as Slack's look. */
    private String nextTs() {
        long second = clock.instant().getEpochSecond();
        if (second != lastTsSecond) {
            lastTsSecond = second;
            tsSequence = 0;
        }
        tsSequence++;
        return String.format(Locale.ROOT, "%d.%06d", second, tsSequence);
    }

    private void record(String method, String token, JsonNode body, Instant at, int status,
            String error) {
        synchronized (lock) {
            calls.add(new Call(method, token, body, at, status, error));
        }
    }

    private String errorOf(String body) {
        JsonNode node = parse(body.getBytes(StandardCharsets.UTF_8));
        return node.path("ok").asBoolean(true) ? null : node.path("error").asText(null);
    }

    private JsonNode parse(byte[] raw) {
        try {
            JsonNode node = json.readTree(raw);
            return node == null ? NullNode.getInstance() : node;
        } catch (IOException e) {
            return NullNode.getInstance();
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode value = body.get(field);
        return value != null && value.isTextual() && !value.asText().isEmpty()
                ? value.asText() : null;
    }

    private static String bearer(HttpExchange exchange) {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        return header != null && header.startsWith("Bearer ")
                ? header.substring("Bearer ".length()).strip() : null;
    }

    private static void hold(Duration hold) {
        try {
            Thread.sleep(hold.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void send(HttpExchange exchange, int status, String body,
            Map<String, String> headers) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        headers.forEach(exchange.getResponseHeaders()::set);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String random(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        return HexFormat.of().formatHex(random);
    }

    /** Stops the server; requests on hold are cut. */
    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    @Override
    public String toString() {
        return "FakeSlackApi[" + baseUrl + ", " + calls().size() + " calls]";
    }
}
