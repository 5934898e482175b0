package dev.recipes.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.recipes.core.ActionStep;
import dev.recipes.core.Connection;
import dev.recipes.core.DeadLetter;
import dev.recipes.core.Event;
import dev.recipes.core.Mapping;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.http.jdk.JdkWebhookServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One engine serving several Slack installations, end to end: signed requests over loopback
 * HTTP into a real engine, whose Slack actions call a fake Web API on loopback that records
 * the bot token of every call.
 */
final class SlackWorkspaceRoutingTest {

    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String POST = "chat.postMessage";

    private final ObjectMapper json = new ObjectMapper();
    private final FakeWebApi api = FakeWebApi.start();
    private final String tokenOne = api.newBotToken("one");
    private final String tokenTwo = api.newBotToken("two");
    private final String tokenGrid = api.newBotToken("grid");
    private final String tokenOrg = api.newBotToken("org");
    private final List<Event> failures = new CopyOnWriteArrayList<>();
    private final SlackFixture slack = SlackFixture.start(this::setUp,
            List.of("slack.message", "slack.slash_command", "slack.block_actions"));
    private final JdkWebhookServer server = JdkWebhookServer.start(slack.engine(),
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    private final HttpClient http = HttpClient.newHttpClient();
    private int sequence;

    private void setUp(RecipeEngine.Builder builder) {
        builder.config("slack.api-url", api.apiUrl())
                .recipe(Recipe.named("one-only")
                        .when(Slack.message().fromWorkspace("t0team001").containing("ping"))
                        .then(Slack.postMessage("C0ONEONLY").text("one heard").as("t0team001"))
                        .build())
                .recipe(Recipe.named("two-only")
                        .when(Slack.message().fromWorkspace("t0team002").containing("ping"))
                        .then(Slack.postMessage("C0TWOONLY").text("two heard").as("t0team002"))
                        .build())
                .recipe(Recipe.named("echo")
                        .when(Slack.message().containing("echo"))
                        .then(Slack.postMessage(Mapping.pointer("/event/channel"))
                                .textFrom("/event/text")
                                .asEventWorkspace())
                        .build())
                .recipe(Recipe.named("react")
                        .when(Slack.message().containing("react"))
                        .then(ActionStep.of("slack", "add-reaction")
                                .pointer("channel", "/event/channel")
                                .pointer("timestamp", "/event/ts")
                                .constant("name", "eyes")
                                .as(Slack.eventWorkspace())
                                .build())
                        .build())
                .recipe(Recipe.named("deploy")
                        .when(Slack.slashCommand("/deploy"))
                        .then(Slack.postMessage(Mapping.pointer("/channel_id")).text("deploying")
                                .asEventWorkspace())
                        .build())
                .recipe(Recipe.named("approve")
                        .when(Slack.blockAction("approve"))
                        .then(Slack.postMessage(Mapping.pointer("/channel/id")).text("approved")
                                .asEventWorkspace())
                        .build());
    }

    SlackWorkspaceRoutingTest() {
        Map.of("t0team001", tokenOne, "t0team002", tokenTwo, "e0grid001.t0grid001", tokenGrid,
                "e0org0001", tokenOrg).forEach((id, token) -> slack.engine().connections().put(
                        Connection.builder("slack", id).secret("bot-token", token).build()));
        slack.engine().bus().subscribe(RecipeEngine.RECIPE_FAILED_TOPIC, "test", failures::add);
    }

    @AfterEach
    void stop() {
        server.close();
        slack.close();
        api.close();
    }

    @Test
    void aRecipePerWorkspace_seesOnlyItsEvents_andPostsWithItsOwnToken() throws Exception {
        postEvent(plain("T0TEAM001"), message("C0CHAN101", "ping"));
        postEvent(plain("T0TEAM002"), message("C0CHAN201", "ping"));

        assertThat(calls()).extracting(Call::method, Call::channel, Call::token)
                .containsExactlyInAnyOrder(tuple(POST, "C0ONEONLY", tokenOne),
                        tuple(POST, "C0TWOONLY", tokenTwo));
    }

    @Test
    void aSharedRecipe_answersEachEventWithTheTokenOfItsWorkspace() throws Exception {
        postEvent(plain("T0TEAM001"), message("C0CHAN101", "echo one"));
        postEvent(plain("T0TEAM002"), message("C0CHAN201", "echo two"));

        assertThat(calls()).extracting(Call::channel, Call::text, Call::token)
                .containsExactlyInAnyOrder(tuple("C0CHAN101", "echo one", tokenOne),
                        tuple("C0CHAN201", "echo two", tokenTwo));
    }

    @Test
    void anEventFromAWorkspaceWithoutConnection_isDeadLettered_andPostsNothing()
            throws Exception {
        postEvent(plain("T0TEAM003"), message("C0CHAN301", "echo three"));

        assertThat(calls()).isEmpty();
        List<DeadLetter> dead = slack.engine().deadLetters().list();
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).connection()).isEqualTo("t0team003");
        assertThat(dead.get(0).reason()).isEqualTo(DeadLetter.Reason.PERMANENT_FAILURE);
        assertThat(dead.get(0).lastError())
                .contains("connection 't0team003' is not in the connection store");
    }

    @Test
    void gridWorkspaceAndOrgWideInstalls_postAsTheirOwnConnections() throws Exception {
        postEvent(authorization("E0GRID001", "T0GRID001", false),
                message("C0GRID001", "echo grid"));
        postEvent(authorization("E0ORG0001", null, true), message("C0ORG0001", "echo org"));

        assertThat(calls()).extracting(Call::channel, Call::token)
                .containsExactlyInAnyOrder(tuple("C0GRID001", tokenGrid),
                        tuple("C0ORG0001", tokenOrg));
        assertThat(slack.published()).extracting(SlackWorkspace::connectionIdOf)
                .containsExactlyInAnyOrder(Optional.of("e0grid001.t0grid001"),
                        Optional.of("e0org0001"));
    }

    @Test
    void aSharedChannelMessage_isAnsweredAsTheInstallationItWasDeliveredTo() throws Exception {
        ObjectNode envelope = plain("T0TEAM001").put("team_id", "T0TEAM002");

        postEvent(envelope, message("C0SHARED1", "echo ping shared"));

        assertThat(calls()).extracting(Call::channel, Call::token)
                .containsExactlyInAnyOrder(tuple("C0SHARED1", tokenOne),
                        tuple("C0ONEONLY", tokenOne));
    }

    @Test
    void otherSlackActions_actAsTheEventWorkspace_throughTheMapping() throws Exception {
        postEvent(plain("T0TEAM002"), message("C0CHAN202", "react please"));

        assertThat(calls()).extracting(Call::method, Call::channel, Call::token)
                .containsExactly(tuple("reactions.add", "C0CHAN202", tokenTwo));
    }

    @Test
    void slashCommands_answerAsTheWorkspaceTheirFormNames() throws Exception {
        postForm(command("C0CMD0001", Map.of("team_id", "T0TEAM002",
                "is_enterprise_install", "false")));
        postForm(command("C0CMD0002", Map.of("team_id", "T0GRID001",
                "enterprise_id", "E0GRID001", "is_enterprise_install", "false")));
        postForm(command("C0CMD0003", Map.of("team_id", "T0ORGWS01",
                "enterprise_id", "E0ORG0001", "is_enterprise_install", "true")));

        assertThat(calls()).extracting(Call::channel, Call::token)
                .containsExactlyInAnyOrder(tuple("C0CMD0001", tokenTwo),
                        tuple("C0CMD0002", tokenGrid), tuple("C0CMD0003", tokenOrg));
    }

    @Test
    void interactions_answerAsTheWorkspaceTheirPayloadNames() throws Exception {
        ObjectNode plain = click("C0CLICK01").put("is_enterprise_install", false);
        plain.putObject("team").put("id", "T0TEAM001");
        plain.putNull("enterprise");
        ObjectNode orgWide = click("C0CLICK02").put("is_enterprise_install", true);
        orgWide.putNull("team");
        orgWide.putObject("enterprise").put("id", "E0ORG0001").put("name", "Org");
        ((ObjectNode) orgWide.get("user")).put("team_id", "T0ORGWS01");

        postForm(payload(plain));
        postForm(payload(orgWide));

        assertThat(calls()).extracting(Call::channel, Call::token)
                .containsExactlyInAnyOrder(tuple("C0CLICK01", tokenOne),
                        tuple("C0CLICK02", tokenOrg));
    }

    @Test
    void anInteractionNamingNoWorkspace_failsTheRecipe_andPostsNothing() throws Exception {
        postForm(payload(click("C0CLICK03")));

        assertThat(calls()).isEmpty();
        assertThat(failures).hasSize(1);
        assertThat(failures.get(0).data().path("recipe").asText()).isEqualTo("approve");
        assertThat(failures.get(0).data().path("error").asText())
                .contains("of type 'slack.block_actions' carries no Slack team");
    }

    private List<Call> calls() {
        slack.published();
        return api.calls();
    }

    private ObjectNode plain(String teamId) {
        return authorization(null, teamId, false);
    }

    // An envelope delivered to one installation, as its authorizations entry says.
    private ObjectNode authorization(String enterpriseId, String teamId, boolean orgWide) {
        ObjectNode envelope = json.createObjectNode()
                .put("team_id", teamId == null ? "T0ORGWS01" : teamId);
        envelope.putArray("authorizations").addObject()
                .put("enterprise_id", enterpriseId).put("team_id", teamId)
                .put("user_id", "U0BOT0001").put("is_bot", true)
                .put("is_enterprise_install", orgWide);
        if (enterpriseId != null) {
            envelope.put("enterprise_id", enterpriseId);
        }
        return envelope;
    }

    private ObjectNode message(String channel, String text) {
        return json.createObjectNode().put("type", "message").put("channel", channel)
                .put("channel_type", "channel").put("user", "U0USER001").put("text", text)
                .put("ts", "1700000100.00" + (1000 + sequence))
                .put("event_ts", "1700000100.00" + (1000 + sequence));
    }

    private void postEvent(ObjectNode envelope, ObjectNode inner) throws Exception {
        envelope.put("token", "legacy").put("api_app_id", "A0TEST001")
                .put("type", "event_callback").put("event_id", "Ev0WS" + (++sequence))
                .put("event_time", SlackFixture.NOW)
                .set("event", inner);
        HttpResponse<String> answer = post("application/json", json.writeValueAsString(envelope));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    }

    private String command(String channel, Map<String, String> workspace) {
        Map<String, String> fields = new TreeMap<>(workspace);
        fields.putAll(Map.of("token", "legacy", "channel_id", channel, "user_id", "U0USER001",
                "command", "/deploy", "text", "web", "api_app_id", "A0TEST001",
                "trigger_id", "1700000100." + (++sequence) + ".abcd"));
        return fields.entrySet().stream()
                .map(field -> field.getKey() + "=" + encode(field.getValue()))
                .collect(Collectors.joining("&"));
    }

    private ObjectNode click(String channel) {
        ObjectNode payload = json.createObjectNode().put("type", "block_actions")
                .put("token", "legacy").put("api_app_id", "A0TEST001")
                .put("trigger_id", "1700000100." + (++sequence) + ".efgh");
        payload.putObject("user").put("id", "U0USER001");
        payload.putObject("channel").put("id", channel);
        payload.putArray("actions").addObject().put("action_id", "approve").put("value", "1");
        return payload;
    }

    private String payload(ObjectNode interaction) throws Exception {
        return "payload=" + encode(json.writeValueAsString(interaction));
    }

    private void postForm(String body) throws Exception {
        HttpResponse<String> answer = post(FORM, body);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private HttpResponse<String> post(String contentType, String body) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://"
                + server.address().getAddress().getHostAddress() + ":" + server.port()
                + "/hooks/slack"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(bytes));
        SlackFixture.signedHeaders(SlackFixture.SECRET, SlackFixture.NOW, bytes)
                .forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * One Web API call the fake received.
     *
     * @param method such as {@code chat.postMessage}
     * @param token the bearer token sent, or {@code null}
     * @param body the JSON arguments
     */
    record Call(String method, String token, JsonNode body) {

        String channel() {
            return body.path("channel").asText(null);
        }

        String text() {
            return body.path("text").asText(null);
        }
    }

    /**
     * A fake of Slack's Web API on 127.0.0.1 that records every call with its bearer token and
     * answers {@code ok:true} to tokens it made, {@code invalid_auth} to others.
     */
    static final class FakeWebApi implements AutoCloseable {

        private static final ObjectMapper JSON = new ObjectMapper();

        private final HttpServer server;
        private final Set<String> tokens = ConcurrentHashMap.newKeySet();
        private final List<Call> calls = new CopyOnWriteArrayList<>();
        private final AtomicLong messages = new AtomicLong();

        private FakeWebApi(HttpServer server) {
            this.server = server;
        }

        static FakeWebApi start() {
            try {
                HttpServer server = HttpServer.create(
                        new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 0);
                FakeWebApi fake = new FakeWebApi(server);
                server.createContext("/api/", fake::handle);
                server.start();
                return fake;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String apiUrl() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/api";
        }

        String newBotToken(String name) {
            String token = "xoxb-test-" + name + "-" + Long.toHexString(System.nanoTime());
            tokens.add(token);
            return token;
        }

        List<Call> calls() {
            return List.copyOf(calls);
        }

        private void handle(HttpExchange exchange) throws IOException {
            String method = exchange.getRequestURI().getPath().substring("/api/".length());
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            String token = authorization != null && authorization.startsWith("Bearer ")
                    ? authorization.substring("Bearer ".length()) : null;
            JsonNode body;
            try (InputStream in = exchange.getRequestBody()) {
                body = JSON.readTree(in);
            }
            calls.add(new Call(method, token, body));

            ObjectNode answer = JSON.createObjectNode();
            if (!tokens.contains(token)) {
                answer.put("ok", false).put("error", "invalid_auth");
            } else {
                answer.put("ok", true).put("channel", body.path("channel").asText());
                if (method.equals(POST)) {
                    answer.put("ts", "1700000200." + String.format("%06d",
                            messages.incrementAndGet()));
                }
            }
            byte[] bytes = JSON.writeValueAsBytes(answer);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            try (var out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
