package dev.recipes.slack;

import static dev.recipes.slack.SlackFixture.resource;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.ActionStep;
import dev.recipes.core.Event;
import dev.recipes.core.Recipe;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.Service;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Recipes on Slack triggers run their actions for matching webhooks, once per event. */
final class SlackRecipeTest {

    private final ObjectMapper json = new ObjectMapper();
    private final NotesService notes = new NotesService();
    private final SlackFixture slack = SlackFixture.start(builder -> builder
            .service(notes)
            .recipe(Recipe.named("deploys")
                    .when(Slack.message().inChannel("C0CHAN001").containing("deploy"))
                    .then(ActionStep.of("notes", "record")
                            .pointer("user", "/event/user")
                            .pointer("text", "/event/text")
                            .pointer("ts", "/event/ts")
                            .build())
                    .build()),
            SlackFixture.OBSERVED_TYPES);

    @AfterEach
    void closeEngine() {
        slack.close();
    }

    @Test
    void runsTheRecipeForAMatchingMessage() {
        slack.send(resource("message.json"));
        slack.published();

        assertThat(notes.recorded).hasSize(1);
        JsonNode params = notes.recorded.get(0);
        assertThat(params.get("user").asText()).isEqualTo("U0USER001");
        assertThat(params.get("text").asText()).isEqualTo("deploy finished");
        assertThat(params.get("ts").isTextual()).isTrue();
        assertThat(params.get("ts").asText()).isEqualTo("1700000100.000200");
    }

    @Test
    void runsTheRecipeOnceForARedeliveredMessage() {
        byte[] body = resource("message.json");

        slack.send(body);
        slack.send(body, Map.of("X-Slack-Retry-Num", "1"));
        slack.send(body, Map.of("X-Slack-Retry-Num", "2"));
        slack.published();

        assertThat(notes.recorded).hasSize(1);
    }

    @Test
    void runsNothingForAMessageInAnotherChannel() throws Exception {
        ObjectNode envelope = (ObjectNode) json.readTree(resource("message.json"));
        ((ObjectNode) envelope.get("event")).put("channel", "C0OTHER01");

        slack.send(json.writeValueAsBytes(envelope));
        List<Event> published = slack.published();

        assertThat(published).hasSize(1);
        assertThat(notes.recorded).isEmpty();
    }

    @Test
    void publishesAnUnknownEventTypeThatMatchesNoRecipe() {
        slack.send(resource("unknown-event.json"));
        List<Event> published = slack.published();

        assertThat(published).extracting(Event::type).containsExactly("slack.sparkle_added");
        assertThat(notes.recorded).isEmpty();
    }

    /** A service at the edge of the test whose one action records its parameters. */
    static final class NotesService implements Service {

        final List<JsonNode> recorded = new CopyOnWriteArrayList<>();

        @Override
        public String id() {
            return "notes";
        }

        @Override
        public List<Action> actions() {
            return List.of(new Action() {
                @Override
                public String name() {
                    return "record";
                }

                @Override
                public JsonNode execute(ActionInvocation invocation) {
                    recorded.add(invocation.params());
                    return invocation.params();
                }
            });
        }
    }
}
