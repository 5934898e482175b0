package dev.recipes.slack;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.RecipeException;
import dev.recipes.core.Secret;
import dev.recipes.core.spi.ServiceContext;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.drafts.Draft_6455;
import org.java_websocket.exceptions.WebsocketNotConnectedException;
import org.java_websocket.handshake.ServerHandshake;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives Slack's events over Socket Mode: asks {@code apps.connections.open} for a WebSocket
 * URL with the app-level token, connects, and hands each envelope to the same handling as an
 * HTTP delivery, acknowledging it only once its event is on the bus, so that Slack delivers an
 * unacknowledged one again. Keeps one connection: a {@code disconnect} message makes it open
 * the replacement first and close the old one once the new one said {@code hello}; a lost
 * connection is reopened after a capped, jittered, exponential backoff on the engine's
 * scheduler. Thread-safe.
 */
final class SocketMode {

    static final Duration DEFAULT_BACKOFF = Duration.ofSeconds(1);
    static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(60);

    private static final Logger LOG = LoggerFactory.getLogger(SlackService.class);
    private static final String OPEN_METHOD = "apps.connections.open";
    private static final int CONNECT_TIMEOUT_MILLIS = 10_000;
    private static final int MAX_SHIFT = 20;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
    private static final Duration HELLO_WAIT = Duration.ofSeconds(30);
    // Envelopes are small; Slack's own events are kilobytes.
    private static final int MAX_FRAME_BYTES = 8 << 20;
    // Tokens Slack answers these for will not start working by themselves.
    private static final Set<String> AUTH_ERRORS = Set.of("invalid_auth", "not_authed",
            "account_inactive", "token_revoked", "token_expired", "not_allowed_token_type",
            "missing_scope", "forbidden_team");

    private final ServiceContext context;
    private final Secret appToken;
    private final URI openUri;
    private final EventsApiHandler handler;
    private final Duration backoff;
    private final Duration maxBackoff;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();

    // Guarded by this.
    private boolean stopped;
    private boolean opening;
    private int failures;
    private long lastOpenNanos;
    private boolean openedBefore;
    private Link primary;
    private Link replacement;
    private ScheduledFuture<?> retry;

    SocketMode(ServiceContext context, Secret appToken, String apiUrl, EventsApiHandler handler,
            Duration backoff, Duration maxBackoff) {
        this.context = context;
        this.appToken = appToken;
        this.openUri = URI.create(apiUrl + "/" + OPEN_METHOD);
        this.handler = handler;
        this.backoff = backoff;
        this.maxBackoff = maxBackoff.compareTo(backoff) < 0 ? backoff : maxBackoff;
    }

    /** Opens the first connection in the background; engine start does not wait for Slack. */
    synchronized void start() {
        LOG.info("Slack Socket Mode starting; connections opened through '{}'", openUri);
        retry = context.scheduler().schedule(this::open, 0, TimeUnit.MILLISECONDS);
    }

    /** Closes every connection and cancels a planned reconnect; returns once they are closed. */
    void close() {
        // Limitation: a connection still in its TCP or TLS handshake takes no close frame, so
        // engine close then waits up to CLOSE_WAIT for it before cutting it.
        for (Link link : stop()) {
            link.close(1000, "closing");
            try {
                if (!link.done.await(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                    link.closeConnection(1006, "close handshake timed out");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                link.closeConnection(1001, "closing");
            }
        }
        LOG.info("Slack Socket Mode stopped");
    }

    // Stops reconnecting; returns the connections still to close.
    private synchronized List<Link> stop() {
        stopped = true;
        if (retry != null) {
            retry.cancel(false);
        }
        return new ArrayList<>(links);
    }

    private void open() {
        synchronized (this) {
            if (stopped || opening) {
                return;
            }
            // However a reconnect is asked for (a disconnect, or a server that says hello and
            // closes), connections are opened at most once per minimum backoff.
            long wait = openedBefore
                    ? backoff.toNanos() - (System.nanoTime() - lastOpenNanos) : 0;
            if (wait > 0) {
                if (retry == null || retry.isDone()) {
                    retry = context.scheduler().schedule(this::open, wait,
                            TimeUnit.NANOSECONDS);
                }
                return;
            }
            openedBefore = true;
            lastOpenNanos = System.nanoTime();
            opening = true;
        }
        HttpRequest request = HttpRequest.newBuilder(openUri)
                .timeout(SlackWebApi.DEFAULT_TIMEOUT)
                .header("Authorization", "Bearer " + appToken.reveal())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build();
        try {
            context.httpClient().sendAsync(request, HttpResponse.BodyHandlers.ofString())
                    .whenComplete(this::opened);
        } catch (RuntimeException e) {
            failed(OPEN_METHOD + " could not be sent: " + e.getClass().getSimpleName(), null);
        }
    }

    private void opened(HttpResponse<String> response, Throwable error) {
        if (error != null) {
            failed(OPEN_METHOD + " failed: " + error.getClass().getSimpleName()
                    + (error.getMessage() == null ? "" : " " + error.getMessage()), null);
            return;
        }
        Duration retryAfter = response.headers().firstValue("Retry-After")
                .flatMap(SocketMode::seconds).orElse(null);
        JsonNode body;
        try {
            body = context.json().readTree(response.body());
        } catch (IOException e) {
            failed(OPEN_METHOD + " answered HTTP " + response.statusCode() + " without JSON",
                    retryAfter);
            return;
        }
        if (body == null || !body.path("ok").asBoolean(false)) {
            String code = body == null ? "?" : body.path("error").asText("?");
            String reason = OPEN_METHOD + " answered HTTP " + response.statusCode() + " '"
                    + EventsApiHandler.abbreviate(code) + "'";
            if (AUTH_ERRORS.contains(code)) {
                reason += "; check config 'slack." + SlackService.APP_TOKEN_KEY + "': it must be "
                        + "an app-level token (xapp-...) with scope connections:write";
            }
            failed(reason, retryAfter);
            return;
        }
        URI url;
        try {
            url = socketUrl(body.path("url").asText(""));
        } catch (IllegalArgumentException e) {
            failed(OPEN_METHOD + " answered an unusable URL: " + e.getMessage(), null);
            return;
        }
        Link link = new Link(url);
        synchronized (this) {
            if (stopped) {
                opening = false;
                return;
            }
            links.add(link);
            replacement = link;
            // A connection that never says hello is given up, so that opening goes on.
            context.scheduler().schedule(() -> {
                if (link == replacementLink()) {
                    LOG.warn("Slack Socket Mode: no hello within {} s; closing the connection",
                            HELLO_WAIT.toSeconds());
                    link.closeConnection(1006, "no hello");
                }
            }, HELLO_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            // Under the lock, so that close() finds it connecting, never about to.
            LOG.debug("Slack Socket Mode connecting to '{}'", url.getHost());
            link.connect();
        }
    }

    // The URL carries a one-time ticket, so it is never logged whole.
    private static URI socketUrl(String text) {
        URI url;
        try {
            url = new URI(text);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URI");
        }
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        if (url.getHost() == null) {
            throw new IllegalArgumentException("no host");
        }
        if (scheme.equals("wss") || scheme.equals("ws") && isLoopback(url.getHost())) {
            return url;
        }
        throw new IllegalArgumentException("scheme '" + EventsApiHandler.abbreviate(scheme)
                + "' is not wss (plain ws is taken only on loopback)");
    }

    private static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private void failed(String reason, Duration retryAfter) {
        synchronized (this) {
            opening = false;
            if (stopped) {
                return;
            }
            Duration delay = nextDelay();
            if (retryAfter != null && retryAfter.compareTo(delay) > 0) {
                delay = retryAfter.compareTo(maxBackoff) > 0 ? maxBackoff : retryAfter;
            }
            LOG.warn("Slack Socket Mode: {}; trying again in {} ms", reason, delay.toMillis());
            retry = context.scheduler().schedule(this::open, delay.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    // Between half and all of backoff * 2^failures, capped at the maximum, never below backoff.
    private Duration nextDelay() {
        long base = backoff.toMillis() << Math.min(failures, MAX_SHIFT);
        failures++;
        long capped = Math.min(Math.max(base, backoff.toMillis()), maxBackoff.toMillis());
        long jittered = capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
        return Duration.ofMillis(Math.max(jittered, backoff.toMillis()));
    }

    private synchronized Link replacementLink() {
        return replacement;
    }

    private void hello(Link link) {
        Link old;
        synchronized (this) {
            if (stopped || link == primary) {
                return;
            }
            if (link == replacement) {
                replacement = null;
                opening = false;
            }
            failures = 0;
            old = primary;
            primary = link;
        }
        LOG.info("Slack Socket Mode connected");
        if (old != null) {
            old.close(1000, "replaced");
        }
    }

    private void disconnect(Link link, JsonNode message) {
        String reason = message.path("reason").asText("");
        if (reason.equals("link_disabled")) {
            LOG.error("Slack Socket Mode was turned off for this app (disconnect "
                    + "'link_disabled'); no events arrive until it is turned on again and the "
                    + "engine restarted");
            // On this connection's own thread: close without waiting for it.
            stop().forEach(each -> each.close(1000, "link disabled"));
            return;
        }
        boolean replace;
        synchronized (this) {
            replace = !stopped && link == primary;
        }
        LOG.info("Slack Socket Mode: server asks to reconnect ('{}')",
                EventsApiHandler.abbreviate(reason));
        if (replace) {
            // The current connection keeps serving until the new one says hello.
            open();
        } else {
            link.close(1000, "superseded");
        }
    }

    private void closed(Link link, int code, boolean remote) {
        boolean reconnect;
        synchronized (this) {
            links.remove(link);
            if (stopped) {
                return;
            }
            if (link == primary) {
                primary = null;
                reconnect = !opening;
            } else if (link == replacement) {
                // It never said hello.
                replacement = null;
                opening = false;
                reconnect = primary == null;
            } else {
                // An old connection, closed on purpose.
                reconnect = false;
            }
        }
        if (reconnect) {
            failed("connection closed (code " + code + (remote ? ", by the server" : "") + ")",
                    null);
        }
    }

    private void envelope(Link link, JsonNode envelope, String type) {
        String envelopeId = envelope.path("envelope_id").asText("");
        if (envelopeId.isBlank()) {
            LOG.warn("Slack Socket Mode envelope of type '{}' without envelope_id ignored", type);
            return;
        }
        WebhookRequest request;
        try {
            request = request(envelope, type);
        } catch (IllegalArgumentException e) {
            LOG.warn("Slack Socket Mode envelope '{}' acknowledged and dropped: {}",
                    EventsApiHandler.abbreviate(envelopeId), e.getMessage());
            ack(link, envelopeId, null);
            return;
        }
        WebhookResponse response;
        try {
            response = handler.handleVerified(request);
        } catch (RuntimeException e) {
            LOG.warn("Slack Socket Mode envelope '{}' not acknowledged, Slack delivers it again: "
                    + "{}", EventsApiHandler.abbreviate(envelopeId), e.getMessage());
            return;
        }
        if (response.status() >= 500) {
            LOG.warn("Slack Socket Mode envelope '{}' not acknowledged, Slack delivers it again: "
                    + "{}", EventsApiHandler.abbreviate(envelopeId), response.bodyText());
            return;
        }
        // 2xx, or 4xx for a payload that no redelivery can fix (the handler logged why).
        // Limitation: only a slash command's ack text travels back as a response payload, so a
        // view_submission cannot answer with errors over Socket Mode.
        String text = response.status() == 200 && envelope.path("accepts_response_payload")
                .asBoolean(false) ? response.bodyText() : "";
        ack(link, envelopeId, text.isEmpty() ? null : text);
    }

    // The envelope's payload as the HTTP request Slack would have sent for it.
    private WebhookRequest request(JsonNode envelope, String type) {
        JsonNode payload = envelope.get("payload");
        if (payload == null || !payload.isObject()) {
            throw new IllegalArgumentException("field 'payload' is missing or not an object");
        }
        Map<String, String> headers = new HashMap<>();
        JsonNode attempt = envelope.path("retry_attempt");
        if (attempt.canConvertToInt() && attempt.asInt() > 0) {
            headers.put(EventsApiHandler.RETRY_NUM_HEADER, attempt.asText());
        }
        byte[] body;
        if (type.equals("events_api")) {
            headers.put("Content-Type", "application/json");
            try {
                body = context.json().writeValueAsBytes(payload);
            } catch (IOException e) {
                throw new IllegalArgumentException("payload cannot be written as JSON");
            }
        } else if (type.equals("slash_commands")) {
            headers.put("Content-Type", FormPayloadHandler.FORM);
            StringBuilder form = new StringBuilder();
            for (Iterator<Map.Entry<String, JsonNode>> it = payload.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                // A JSON null is a field Slack did not fill, as an HTTP form leaves it out.
                if (field.getValue().isValueNode() && !field.getValue().isNull()) {
                    form.append(form.length() == 0 ? "" : "&").append(encode(field.getKey()))
                            .append('=').append(encode(field.getValue().asText()));
                }
            }
            body = form.toString().getBytes(StandardCharsets.UTF_8);
        } else {
            headers.put("Content-Type", FormPayloadHandler.FORM);
            body = ("payload=" + encode(payload.toString())).getBytes(StandardCharsets.UTF_8);
        }
        return WebhookRequest.post("/hooks/" + SlackService.ID, headers, body);
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    private void ack(Link link, String envelopeId, String text) {
        ObjectNode ack = context.json().createObjectNode().put("envelope_id", envelopeId);
        if (text != null) {
            ack.putObject("payload").put("text", text);
        }
        try {
            link.send(ack.toString());
        } catch (WebsocketNotConnectedException e) {
            LOG.debug("Slack Socket Mode envelope '{}' published but its connection closed "
                    + "before the ack; Slack delivers it again and it is not published twice",
                    EventsApiHandler.abbreviate(envelopeId));
        }
    }

    private void message(Link link, String text) {
        JsonNode message;
        try {
            message = context.json().readTree(text);
        } catch (IOException e) {
            LOG.warn("Slack Socket Mode message that is not JSON ignored");
            return;
        }
        String type = message == null ? "" : message.path("type").asText("");
        switch (type) {
            case "hello" -> hello(link);
            case "disconnect" -> disconnect(link, message);
            case "events_api", "slash_commands", "interactive" -> envelope(link, message, type);
            default -> LOG.warn("Slack Socket Mode message of unknown type '{}' ignored",
                    EventsApiHandler.abbreviate(type));
        }
    }

    static Duration duration(String key, String value) {
        Duration parsed;
        try {
            parsed = !value.isBlank() && value.strip().chars().allMatch(Character::isDigit)
                    ? Duration.ofSeconds(Long.parseLong(value.strip()))
                    : Duration.parse(value.strip());
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new RecipeException("config 'slack." + key + "': '" + value + "' is not a "
                    + "duration (ISO 8601, such as PT1S, or seconds)");
        }
        if (parsed.isZero() || parsed.isNegative()) {
            throw new RecipeException("config 'slack." + key + "': '" + value
                    + "' must be positive");
        }
        return parsed;
    }

    private static Optional<Duration> seconds(String value) {
        try {
            return Optional.of(Duration.ofSeconds(Long.parseLong(value.strip())));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return "SocketMode[" + openUri + "]";
    }

    /** One WebSocket connection; its callbacks run on its own reading thread. */
    private final class Link extends WebSocketClient {

        final CountDownLatch done = new CountDownLatch(1);

        Link(URI url) {
            // A frame over the limit closes the connection (1009) instead of filling the heap.
            super(url, new Draft_6455(List.of(), MAX_FRAME_BYTES), null,
                    CONNECT_TIMEOUT_MILLIS);
            setDaemon(true);
        }

        @Override
        public void onOpen(ServerHandshake handshake) {
            LOG.debug("Slack Socket Mode connection open; waiting for hello");
        }

        @Override
        public void onMessage(String text) {
            message(this, text);
        }

        @Override
        public void onClose(int code, String reason, boolean remote) {
            done.countDown();
            closed(this, code, remote);
        }

        @Override
        public void onError(Exception e) {
            LOG.debug("Slack Socket Mode connection error: {}", e.getClass().getSimpleName());
        }

        @Override
        public String toString() {
            return "SocketMode.Link[" + getURI().getHost() + "]";
        }
    }
}
