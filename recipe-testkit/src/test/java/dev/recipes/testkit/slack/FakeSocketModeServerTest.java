package dev.recipes.testkit.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.java_websocket.client.WebSocketClient;
import org.java_websocket.handshake.ServerHandshake;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fake Socket Mode server, driven by a bare WebSocket client over loopback. */
final class FakeSocketModeServerTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PAYLOAD = "{\"type\":\"event_callback\",\"event_id\":\"Ev01\"}";

    private final FakeSocketModeServer slack = FakeSocketModeServer.start();
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<Client> clients = new ArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        for (Client client : clients) {
            client.closeBlocking();
        }
        slack.close();
    }

    private JsonNode open(String method, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create(slack.apiUrl() + "/apps.connections.open"))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        HttpResponse<String> response = http.send(request.build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private Client connect() throws Exception {
        JsonNode opened = open("POST", "Bearer " + slack.appToken());
        Client client = new Client(URI.create(opened.path("url").asText()));
        clients.add(client);
        assertThat(client.connectBlocking(10, TimeUnit.SECONDS)).isTrue();
        return client;
    }

    @Test
    void openNeedsTheAppTokenAndHandsOutALoopbackUrl() throws Exception {
        assertThat(open("POST", null).path("error").asText()).isEqualTo("not_authed");
        assertThat(open("POST", "Bearer xapp-wrong").path("error").asText())
                .isEqualTo("invalid_auth");
        assertThat(open("GET", "Bearer " + slack.appToken()).path("error").asText())
                .isEqualTo("invalid_request");

        JsonNode ok = open("POST", "Bearer " + slack.appToken());
        assertThat(ok.path("ok").asBoolean()).isTrue();
        assertThat(ok.path("url").asText()).startsWith("ws://127.0.0.1:").contains("ticket=");

        slack.refuseOpen("ratelimited");
        assertThat(open("POST", "Bearer " + slack.appToken()).path("error").asText())
                .isEqualTo("ratelimited");
        slack.allowOpen();
        assertThat(open("POST", "Bearer " + slack.appToken()).path("ok").asBoolean()).isTrue();
        assertThat(slack.openCalls()).hasSize(6);
    }

    @Test
    void greetsSendsEnvelopesAndRecordsAcks() throws Exception {
        Client client = connect();
        JsonNode hello = client.next();
        assertThat(hello.path("type").asText()).isEqualTo("hello");
        assertThat(hello.path("connection_info").path("app_id").asText())
                .isEqualTo(FakeSocketModeServer.APP_ID);
        slack.awaitConnections(1, WAIT);

        String id = slack.sendEventsApi(PAYLOAD);
        JsonNode envelope = client.next();
        assertThat(envelope.path("type").asText()).isEqualTo("events_api");
        assertThat(envelope.path("envelope_id").asText()).isEqualTo(id);
        assertThat(envelope.path("retry_attempt").asInt()).isZero();
        assertThat(envelope.path("payload").path("event_id").asText()).isEqualTo("Ev01");
        assertThat(slack.unacked()).containsExactly(id);

        client.send("{\"envelope_id\":\"" + id + "\"}");
        client.send("{\"type\":\"not an ack\"}");
        slack.awaitAcked(1, WAIT);

        assertThat(slack.acks()).containsExactly(id);
        assertThat(slack.unacked()).isEmpty();
    }

    @Test
    void anUnackedEnvelopeGoesAgainOnTheNextConnectionAfterADrop() throws Exception {
        Client first = connect();
        first.next();
        slack.awaitConnections(1, WAIT);
        String id = slack.sendEventsApi(PAYLOAD);
        assertThat(first.next().path("envelope_id").asText()).isEqualTo(id);

        slack.dropConnections();
        slack.awaitOpenConnections(0, WAIT);
        String queued = slack.sendEventsApi(PAYLOAD);
        Client second = connect();

        assertThat(second.next().path("type").asText()).isEqualTo("hello");
        List<JsonNode> again = List.of(second.next(), second.next());
        assertThat(again).extracting(node -> node.path("envelope_id").asText())
                .containsExactly(id, queued);
        assertThat(again.get(0).path("retry_attempt").asInt()).isEqualTo(1);
        assertThat(again.get(1).path("retry_attempt").asInt()).isZero();
    }

    @Test
    void redeliverUnackedSendsAgainWithAHigherRetryAttempt() throws Exception {
        Client client = connect();
        client.next();
        slack.awaitConnections(1, WAIT);
        String id = slack.sendEnvelope("slash_commands", "{\"command\":\"/x\"}", true);
        JsonNode first = client.next();
        assertThat(first.path("accepts_response_payload").asBoolean()).isTrue();
        assertThat(first.has("retry_attempt")).isFalse();

        slack.redeliverUnacked();
        assertThat(client.next().path("envelope_id").asText()).isEqualTo(id);
    }

    @Test
    void sendsDisconnectAndRawText() throws Exception {
        Client client = connect();
        client.next();
        slack.awaitConnections(1, WAIT);

        slack.sendDisconnect("refresh_requested");
        slack.sendRaw("raw text");

        JsonNode disconnect = client.next();
        assertThat(disconnect.path("type").asText()).isEqualTo("disconnect");
        assertThat(disconnect.path("reason").asText()).isEqualTo("refresh_requested");
        assertThat(client.nextText()).isEqualTo("raw text");
    }

    @Test
    void badUseFailsClearly() {
        assertThatThrownBy(() -> slack.sendRaw("x"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no connection is open");
        assertThatThrownBy(() -> slack.sendDisconnect("warning"))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> slack.sendEventsApi("{not json"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not JSON");
        assertThatThrownBy(() -> FakeSocketModeServer.start(" "))
                .isInstanceOf(IllegalArgumentException.class);
        slack.sendEventsApi(PAYLOAD);
        assertThatThrownBy(() -> slack.awaitAcked(1, Duration.ofMillis(1)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("expected 1 envelopes acknowledged, got 0; "
                        + "1 still unacknowledged");
    }

    /** A bare client that queues what it receives. */
    private static final class Client extends WebSocketClient {

        private final BlockingQueue<String> received = new LinkedBlockingQueue<>();

        Client(URI url) {
            super(url);
        }

        String nextText() throws InterruptedException {
            String text = received.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertThat(text).as("a message within %s", WAIT).isNotNull();
            return text;
        }

        JsonNode next() throws Exception {
            return JSON.readTree(nextText());
        }

        @Override
        public void onOpen(ServerHandshake handshake) {
        }

        @Override
        public void onMessage(String message) {
            received.add(message);
        }

        @Override
        public void onClose(int code, String reason, boolean remote) {
        }

        @Override
        public void onError(Exception ex) {
        }
    }
}
