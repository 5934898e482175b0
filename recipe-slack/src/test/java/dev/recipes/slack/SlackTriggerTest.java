package dev.recipes.slack;

import static dev.recipes.slack.SlackFixture.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Event;
import dev.recipes.core.Trigger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The selectors of Slack triggers, on events shaped like the service publishes them. */
final class SlackTriggerTest {

    private final ObjectMapper json = new ObjectMapper();
    private final Event message = event("slack.message", "message.json");

    @Test
    void messageTriggerListensOnTheSlackMessageTopic() {
        SlackTrigger trigger = Slack.message();

        assertThat(trigger.eventType()).isEqualTo("slack.message");
        assertThat(trigger.topic()).isEqualTo("trigger.slack.message");
        assertThat(trigger.matches(message)).isTrue();
    }

    @Test
    void inChannelMatchesOnlyThatChannel() {
        assertThat(Slack.message().inChannel("C0CHAN001").matches(message)).isTrue();
        assertThat(Slack.message().inChannel("C0OTHER01").matches(message)).isFalse();
    }

    @Test
    void theIndexKeyIsTheChannelThenTheWorkspaceThenTheReaction() {
        SlackTrigger inChannel = Slack.message().inChannel("C0CHAN001").inTeam("T0TEAM001");

        assertThat(inChannel.indexKey()).contains(
                Trigger.IndexKey.dataAt("/event/channel", "C0CHAN001"));
        assertThat(inChannel.indexKey().orElseThrow().valueIn(message)).contains("C0CHAN001");
        assertThat(Slack.message().inTeam("T0TEAM001").indexKey())
                .contains(Trigger.IndexKey.dataAt("/team_id", "T0TEAM001"));
        assertThat(Slack.reactionAdded().named("eyes").indexKey().orElseThrow().field())
                .isEqualTo("/event/reaction");
        assertThat(Slack.blockAction("approve").inChannel("C0CHAN001").indexKey())
                .contains(Trigger.IndexKey.dataAt("/channel/id", "C0CHAN001"));
        assertThat(Slack.message().fromUser("U0USER001").containing("deploy").indexKey())
                .isEmpty();
    }

    @Test
    void fromUserMatchesOnlyThatUser() {
        assertThat(Slack.message().fromUser("U0USER001").matches(message)).isTrue();
        assertThat(Slack.message().fromUser("U0USER002").matches(message)).isFalse();
    }

    @Test
    void containingMatchesATextFragmentCaseSensitively() {
        assertThat(Slack.message().containing("deploy").matches(message)).isTrue();
        assertThat(Slack.message().containing("Deploy").matches(message)).isFalse();
        assertThat(Slack.message().containing("rollback").matches(message)).isFalse();
    }

    @Test
    void selectorsCombineWithAnd() {
        SlackTrigger all = Slack.message().inChannel("C0CHAN001").fromUser("U0USER001")
                .containing("deploy").containing("finished");

        assertThat(all.matches(message)).isTrue();
        assertThat(all.containing("rollback").matches(message)).isFalse();
        assertThat(Slack.message().inChannel("C0CHAN001").fromUser("U0USER002")
                .matches(message)).isFalse();
    }

    @Test
    void eachSelectorReturnsANewTriggerAndLeavesTheOriginalAlone() {
        SlackTrigger any = Slack.message();

        SlackTrigger narrowed = any.inChannel("C0OTHER01");

        assertThat(narrowed).isNotSameAs(any);
        assertThat(any.matches(message)).isTrue();
        assertThat(narrowed.matches(message)).isFalse();
    }

    @Test
    void anEventWithoutTheSelectedFieldDoesNotMatch() {
        Event reaction = event("slack.reaction_added", "reaction-added.json");

        assertThat(Slack.event("reaction_added").matches(reaction)).isTrue();
        assertThat(Slack.message().containing("x").matches(reaction))
                .as("another type").isFalse();
        // Reactions carry no text, so a text selector on them is refused when built.
        assertThatThrownBy(() -> Slack.event("reaction_added").containing("x"))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Slack.event("reaction_added").matching(Pattern.compile(".*")))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aReactionIsInTheChannelOfTheMessageReactedTo() {
        Event reaction = event("slack.reaction_added", "reaction-added.json");

        assertThat(Slack.event("reaction_added").inChannel("C0CHAN001").matches(reaction))
                .isTrue();
        assertThat(Slack.reactionAdded().inChannel("C0OTHER01").matches(reaction)).isFalse();
    }

    @Test
    void doesNotMatchAnEventOfAnotherType() {
        Event mention = event("slack.app_mention", "app-mention.json");

        assertThat(Slack.message().matches(mention)).isFalse();
        assertThat(Slack.event("app_mention").inChannel("C0CHAN001").matches(mention)).isTrue();
    }

    @Test
    void refusesASecondChannelOrUser() {
        assertThatThrownBy(() -> Slack.message().inChannel("C0CHAN001").inChannel("C0OTHER01"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'C0CHAN001'");
        assertThatThrownBy(() -> Slack.message().fromUser("U0USER001").fromUser("U0USER002"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'U0USER001'");
    }

    @Test
    void refusesBlankSelectors() {
        assertThatThrownBy(() -> Slack.message().inChannel(" "))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Slack.message().fromUser(""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Slack.message().containing(""))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesTypesThatAreNotSlackEventTypes() {
        assertThatThrownBy(() -> Slack.event("slack.message"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'slack.message'");
        assertThatThrownBy(() -> Slack.event("reaction added"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'reaction added'");
        assertThatThrownBy(() -> Slack.event(""))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void equalTriggersSelectTheSameEventsAndPrintAsTheirJava() {
        SlackTrigger trigger = Slack.message().inChannel("C0SALES").containing("order");

        assertThat(trigger).isEqualTo(Slack.event("message").inChannel("C0SALES")
                .containing("order"));
        assertThat(trigger).hasSameHashCodeAs(Slack.message().inChannel("C0SALES")
                .containing("order"));
        assertThat(trigger).isNotEqualTo(Slack.message().inChannel("C0SALES"));
        assertThat(trigger).hasToString(
                "Slack.message().inChannel(\"C0SALES\").containing(\"order\")");
        assertThat(Slack.event("app_mention")).hasToString("Slack.appMention()");
        assertThat(Slack.event("pin_added")).hasToString("Slack.event(\"pin_added\")");
    }

    private Event event(String type, String resource) {
        try {
            ObjectNode envelope = (ObjectNode) json.readTree(resource(resource));
            return Event.builder(type).id(envelope.get("event_id").asText())
                    .source("/slack/T0TEST001").data(envelope).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
