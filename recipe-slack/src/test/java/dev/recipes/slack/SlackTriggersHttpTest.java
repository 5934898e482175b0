package dev.recipes.slack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.ActionStep;
import dev.recipes.core.Event;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.Trigger;
import dev.recipes.http.jdk.JdkWebhookServer;
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
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each kind of Slack trigger, end to end: signed requests over loopback HTTP into a real engine
 * whose recipes record which of them ran.
 */
final class SlackTriggersHttpTest {

    private static final String FORM = "application/x-www-form-urlencoded";
    private static final List<String> TYPES = List.of("slack.message", "slack.app_mention",
            "slack.reaction_added", "slack.member_joined_channel", "slack.pin_added",
            "slack.slash_command", "slack.block_actions", "slack.view_submission",
            "slack.shortcut", "slack.message_action", "slack.view_closed");

    private final ObjectMapper json = new ObjectMapper();
    private final SlackRecipeTest.NotesService notes = new SlackRecipeTest.NotesService();
    private final SlackFixture slack = SlackFixture.start(this::recipes, TYPES);
    private final JdkWebhookServer server = JdkWebhookServer.start(slack.engine(),
            new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    private final HttpClient http = HttpClient.newHttpClient();
    private int sequence;

    private void recipes(RecipeEngine.Builder builder) {
        builder.service(notes);
        recipe(builder, "people", Slack.message().inChannel("C0CHAN001")
                .containingIgnoringCase("INVOICE"));
        recipe(builder, "bots", Slack.message().fromBots());
        recipe(builder, "edits", Slack.message().edits().containing("v2"));
        recipe(builder, "deletions", Slack.message().deletions().fromUser("U0USER001"));
        recipe(builder, "replies", Slack.message().inThread("1700000000.000100"));
        recipe(builder, "mentions", Slack.appMention().matching(Pattern.compile("add \\w+")));
        recipe(builder, "eyes", Slack.reactionAdded().named("eyes").inChannel("C0CHAN001"));
        recipe(builder, "joins", Slack.memberJoinedChannel().inChannel("C0CHAN001"));
        recipe(builder, "pins", Slack.event("pin_added"));
        recipe(builder, "deploy", Slack.slashCommand("/deploy").containing("prod"));
        recipe(builder, "approve", Slack.blockAction("approve").inChannel("C0CHAN001"));
        recipe(builder, "expense", Slack.viewSubmission("expense_form").fromUser("U0USER001"));
        recipe(builder, "ticket", Slack.shortcut("new_ticket").inTeam("T0TEST001"));
        recipe(builder, "save", Slack.messageShortcut("save_message").containing("keep"));
    }

    private static void recipe(RecipeEngine.Builder builder, String name, Trigger trigger) {
        builder.recipe(Recipe.named(name).when(trigger)
                .then(ActionStep.of("notes", "record").constant("recipe", name).build())
                .build());
    }

    @AfterEach
    void stop() {
        server.close();
        slack.close();
    }

    @Test
    void peoplesMessagesRunTheDefaultMessageRecipe() throws Exception {
        postEvent(message("please pay Invoice 7"), null);

        assertThat(ran()).containsExactly("people");
    }

    @Test
    void botMessagesRunOnlyTheBotRecipe() throws Exception {
        postEvent(message("invoice from a bot"), event -> event.put("bot_id", "B0BOT0001")
                .put("subtype", "bot_message"));

        assertThat(ran()).containsExactly("bots");
    }

    @Test
    void editsRunOnlyTheEditRecipe() throws Exception {
        postEvent(message(null), event -> {
            event.put("subtype", "message_changed").put("hidden", true);
            event.putObject("message").put("type", "message").put("user", "U0USER001")
                    .put("text", "invoice v2").put("ts", "1700000000.000200")
                    .putObject("edited").put("user", "U0USER001").put("ts", "1700000000.000300");
            event.putObject("previous_message").put("type", "message")
                    .put("user", "U0USER001").put("text", "invoice v1");
        });

        assertThat(ran()).containsExactly("edits");
    }

    @Test
    void deletionsRunOnlyTheDeletionRecipe() throws Exception {
        postEvent(message(null), event -> {
            event.put("subtype", "message_deleted").put("deleted_ts", "1700000000.000200");
            event.putObject("previous_message").put("type", "message")
                    .put("user", "U0USER001").put("text", "invoice");
        });

        assertThat(ran()).containsExactly("deletions");
    }

    @Test
    void threadRepliesRunTheThreadRecipe() throws Exception {
        postEvent(message("see invoice"), event -> event.put("thread_ts", "1700000000.000100"));

        assertThat(ran()).containsExactlyInAnyOrder("people", "replies");
    }

    @Test
    void mentionsReactionsJoinsAndOtherEventsRunTheirRecipes() throws Exception {
        postEvent(inner("app_mention").put("user", "U0USER001").put("channel", "C0CHAN001")
                .put("text", "<@U0BOT0001> add row"), null);
        postEvent(reaction("white_check_mark"), null);
        postEvent(reaction("eyes"), null);
        postEvent(inner("member_joined_channel").put("user", "U0USER002")
                .put("channel", "C0CHAN001"), null);
        postEvent(inner("pin_added").put("user", "U0USER002").put("channel_id", "C0CHAN001"),
                null);

        assertThat(ran()).containsExactlyInAnyOrder("mentions", "eyes", "joins", "pins");
    }

    @Test
    void slashCommandsAreAnsweredAtOnceAndRunTheirRecipeOnce() throws Exception {
        String body = form(Map.of("token", "legacy-token", "team_id", "T0TEST001",
                "channel_id", "C0CHAN001", "user_id", "U0USER001", "command", "/deploy",
                "text", "prod now", "response_url", "https://hooks.slack.com/commands/T/1/x",
                "trigger_id", "1111.2222.abcd"));

        HttpResponse<String> first = post(FORM, body);
        HttpResponse<String> again = post(FORM, body);

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.body()).isEmpty();
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(ran()).containsExactly("deploy");
        Event event = slack.published().get(0);
        assertThat(event.type()).isEqualTo("slack.slash_command");
        assertThat(event.data().path("text").asText()).isEqualTo("prod now");
        assertThat(event.data().has("token")).isFalse();
    }

    @Test
    void blockActionsViewSubmissionsAndShortcutsRunTheirRecipes() throws Exception {
        ObjectNode click = interaction("block_actions", "T1");
        click.putObject("channel").put("id", "C0CHAN001");
        click.putArray("actions").addObject().put("action_id", "approve").put("value", "42");
        ObjectNode submit = interaction("view_submission", "T2");
        submit.putObject("view").put("id", "V0VIEW001").put("callback_id", "expense_form");
        ObjectNode shortcut = interaction("shortcut", "T3").put("callback_id", "new_ticket");
        ObjectNode messageShortcut = interaction("message_action", "T4")
                .put("callback_id", "save_message");
        messageShortcut.putObject("channel").put("id", "C0CHAN001");
        messageShortcut.putObject("message").put("text", "keep this").put("ts", "1.2");

        for (ObjectNode payload : List.of(click, submit, shortcut, messageShortcut)) {
            HttpResponse<String> answer = post(FORM, "payload=" + URLEncoder.encode(
                    json.writeValueAsString(payload), StandardCharsets.UTF_8));
            assertThat(answer.statusCode()).as(payload.get("type").asText()).isEqualTo(200);
            assertThat(answer.body()).isEmpty();
        }

        assertThat(ran()).containsExactlyInAnyOrder("approve", "expense", "ticket", "save");
        assertThat(slack.published()).allSatisfy(event ->
                assertThat(event.data().has("token")).isFalse());
    }

    @Test
    void anInteractionWithoutTriggerIdIsPublishedOncePerBody() throws Exception {
        ObjectNode closed = interaction("view_closed", null);
        closed.putObject("view").put("id", "V0VIEW001").put("callback_id", "expense_form");
        String body = "payload=" + URLEncoder.encode(json.writeValueAsString(closed),
                StandardCharsets.UTF_8);

        post(FORM, body);
        post(FORM, body);

        assertThat(slack.published()).extracting(Event::type)
                .containsExactly("slack.view_closed");
    }

    private List<String> ran() {
        slack.published();
        return notes.recorded.stream().map(params -> params.get("recipe").asText()).toList();
    }

    private ObjectNode message(String text) {
        ObjectNode event = inner("message").put("channel", "C0CHAN001")
                .put("channel_type", "channel");
        if (text != null) {
            event.put("user", "U0USER001").put("text", text)
                    .put("ts", "1700000100.00" + (1000 + sequence));
        }
        return event;
    }

    private ObjectNode reaction(String emoji) {
        ObjectNode event = inner("reaction_added").put("user", "U0USER002")
                .put("reaction", emoji);
        event.putObject("item").put("type", "message").put("channel", "C0CHAN001")
                .put("ts", "1700000100.000200");
        return event;
    }

    private ObjectNode inner(String type) {
        return json.createObjectNode().put("type", type).put("event_ts", "1700000100.000300");
    }

    private ObjectNode interaction(String type, String triggerId) {
        ObjectNode payload = json.createObjectNode().put("type", type).put("token", "legacy");
        if (triggerId != null) {
            payload.put("trigger_id", triggerId);
        }
        payload.putObject("user").put("id", "U0USER001").put("team_id", "T0TEST001");
        payload.putObject("team").put("id", "T0TEST001");
        return payload;
    }

    private void postEvent(ObjectNode inner, Consumer<ObjectNode> edit) throws Exception {
        if (edit != null) {
            edit.accept(inner);
        }
        ObjectNode envelope = json.createObjectNode().put("token", "legacy")
                .put("team_id", "T0TEST001").put("api_app_id", "A0TEST001")
                .put("type", "event_callback").put("event_id", "Ev0E2E" + (++sequence))
                .put("event_time", SlackFixture.NOW);
        envelope.set("event", inner);
        HttpResponse<String> answer = post("application/json",
                json.writeValueAsString(envelope));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    }

    private static String form(Map<String, String> fields) {
        return fields.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(field -> field.getKey() + "="
                        + URLEncoder.encode(field.getValue(), StandardCharsets.UTF_8))
                .reduce((a, b) -> a + "&" + b).orElse("");
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
}
