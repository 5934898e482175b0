package dev.recipes.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Event;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Message kinds, thread, team, regex and interaction selectors of Slack triggers. */
final class SlackTriggerKindsTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void messageSelectsNewMessagesFromPeopleOnly() {
        assertThat(Slack.message().matches(message(event -> { }))).isTrue();
        assertThat(Slack.message().matches(message(e -> e.put("subtype", "thread_broadcast"))))
                .isTrue();
        assertThat(Slack.message().matches(message(e -> e.put("bot_id", "B0BOT0001"))))
                .isFalse();
        assertThat(Slack.message().matches(message(e -> e.put("subtype", "message_changed"))))
                .isFalse();
        assertThat(Slack.message().matches(message(e -> e.put("subtype", "channel_join"))))
                .isFalse();
    }

    @Test
    void fromBotsSelectsBotMessagesByBotIdOrSubtype() {
        assertThat(Slack.message().fromBots().matches(message(e -> e.put("bot_id", "B1"))))
                .isTrue();
        assertThat(Slack.message().fromBots()
                .matches(message(e -> e.put("subtype", "bot_message")))).isTrue();
        assertThat(Slack.message().fromBots().matches(message(e -> { }))).isFalse();
        assertThat(Slack.message().fromBots().matches(message(e -> e.put("bot_id", "B1")
                .put("subtype", "message_changed")))).isFalse();
    }

    @Test
    void editsReadTheNewMessageAndDeletionsTheOldOne() {
        Event edit = message(e -> {
            e.put("subtype", "message_changed").remove("text");
            e.putObject("message").put("user", "U0USER002").put("text", "Total: 42")
                    .putObject("edited").put("user", "U0USER002").put("ts", "2.0");
        });
        Event deletion = message(e -> {
            e.put("subtype", "message_deleted").remove("text");
            e.putObject("previous_message").put("user", "U0USER003").put("text", "oops");
        });

        assertThat(Slack.message().edits().fromUser("U0USER002").containing("42").matches(edit))
                .isTrue();
        assertThat(Slack.message().edits().matches(deletion)).isFalse();
        assertThat(Slack.message().deletions().fromUser("U0USER003").containing("oops")
                .matches(deletion)).isTrue();
        assertThat(Slack.message().allKinds().inChannel("C0CHAN001").matches(edit)).isTrue();
        assertThat(Slack.message().allKinds().matches(deletion)).isTrue();
    }

    @Test
    void editsLeaveOutBotUpdatesAndUnfurls() {
        Event botUpdate = message(e -> {
            e.put("subtype", "message_changed").remove("text");
            e.putObject("message").put("bot_id", "B0APP").put("text", "updated")
                    .putObject("edited").put("user", "U0BOT0001").put("ts", "2.0");
        });
        Event unfurl = message(e -> {
            e.put("subtype", "message_changed").remove("text");
            e.putObject("message").put("user", "U0USER002").put("text", "see https://x.test")
                    .putArray("attachments").addObject().put("title", "x");
        });

        assertThat(Slack.message().edits().matches(botUpdate)).isFalse();
        assertThat(Slack.message().edits().matches(unfurl)).isFalse();
        assertThat(Slack.message().allKinds().matches(unfurl)).isTrue();
    }

    @Test
    void selectorsOnFieldsTheEventsDoNotCarryAreRefusedWhenBuilt() {
        assertThatThrownBy(() -> Slack.reactionAdded().containing("x"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("Slack.reactionAdded(): containing(...) cannot apply: these events "
                        + "carry no text");
        assertThatThrownBy(() -> Slack.memberJoinedChannel().matching(Pattern.compile("x")))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Slack.viewSubmission("cb").inChannel("C1"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("inChannel(...) cannot apply: these events carry no "
                        + "channel");
        assertThatThrownBy(() -> Slack.shortcut("cb").containingIgnoringCase("x"))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Slack.blockAction("approve").containing("x"))
                .isInstanceOf(IllegalStateException.class);
        assertThat(Slack.message().containing("x").inChannel("C1").inTeam("T1")).isNotNull();
        assertThat(Slack.slashCommand("/deploy").containing("prod").inChannel("C1")).isNotNull();
    }

    @Test
    void threadRepliesAreRepliesNotParents() {
        Event reply = message(e -> e.put("ts", "2.0").put("thread_ts", "1.0"));
        Event parent = message(e -> e.put("ts", "1.0").put("thread_ts", "1.0"));

        assertThat(Slack.message().threadReplies().matches(reply)).isTrue();
        assertThat(Slack.message().threadReplies().matches(parent)).isFalse();
        assertThat(Slack.message().threadReplies().matches(message(e -> { }))).isFalse();
        assertThat(Slack.message().inThread("1.0").matches(reply)).isTrue();
        assertThat(Slack.message().inThread("3.0").matches(reply)).isFalse();
    }

    @Test
    void inTeamReadsTheEnvelopesTeam() {
        assertThat(Slack.message().inTeam("T0TEST001").matches(message(e -> { }))).isTrue();
        assertThat(Slack.message().inTeam("T0OTHER01").matches(message(e -> { }))).isFalse();
    }

    @Test
    void containingIgnoringCaseAndMatchingReadTheText() {
        Event event = message(e -> e.put("text", "Invoice #42 is PAID"));

        assertThat(Slack.message().containingIgnoringCase("invoice").matches(event)).isTrue();
        assertThat(Slack.message().containing("invoice").matches(event)).isFalse();
        assertThat(Slack.message().matching(Pattern.compile("#\\d+")).matches(event)).isTrue();
        assertThat(Slack.message().matching(Pattern.compile("^PAID")).matches(event)).isFalse();
        assertThat(Slack.message().matching(Pattern.compile("paid", Pattern.CASE_INSENSITIVE))
                .matches(event)).isTrue();
    }

    @Test
    void reactionTriggersSelectAnEmoji() {
        ObjectNode inner = json.createObjectNode().put("type", "reaction_added")
                .put("user", "U0USER002").put("reaction", "eyes");
        inner.putObject("item").put("channel", "C0CHAN001");
        Event reaction = envelope("slack.reaction_added", inner);

        assertThat(Slack.reactionAdded().named("eyes").matches(reaction)).isTrue();
        assertThat(Slack.reactionAdded().named("tada").matches(reaction)).isFalse();
        assertThat(Slack.event("reaction_removed").named("eyes").matches(reaction)).isFalse();
    }

    @Test
    void interactionTriggersSelectTheirIds() {
        ObjectNode click = json.createObjectNode().put("type", "block_actions");
        ArrayNode actions = click.putArray("actions");
        actions.addObject().put("action_id", "deny");
        actions.addObject().put("action_id", "approve");
        Event clicked = Event.builder("slack.block_actions").source("/slack/T0TEST001")
                .data(click).build();

        assertThat(Slack.blockAction("approve").matches(clicked)).isTrue();
        assertThat(Slack.blockAction("other").matches(clicked)).isFalse();
        assertThat(Slack.viewSubmission("approve").matches(clicked)).isFalse();
    }

    @Test
    void equalTriggersPrintAsTheirJava() {
        assertThat(Slack.event("reaction_added")).isEqualTo(Slack.reactionAdded());
        assertThat(Slack.event("member_joined_channel")).hasToString(
                "Slack.memberJoinedChannel()");
        assertThat(Slack.message().fromBots().inTeam("T1").threadReplies()
                .containingIgnoringCase("x").matching(Pattern.compile("a\"b")))
                .hasToString("Slack.message().fromBots().inTeam(\"T1\").threadReplies()"
                        + ".containingIgnoringCase(\"x\").matching(Pattern.compile(\"a\\\"b\"))");
        assertThat(Slack.slashCommand("/deploy").inChannel("C1"))
                .hasToString("Slack.slashCommand(\"/deploy\").inChannel(\"C1\")")
                .isEqualTo(Slack.slashCommand("/deploy").inChannel("C1"));
        assertThat(Slack.blockAction("a")).hasToString("Slack.blockAction(\"a\")");
        assertThat(Slack.viewSubmission("v")).hasToString("Slack.viewSubmission(\"v\")");
        assertThat(Slack.shortcut("s")).hasToString("Slack.shortcut(\"s\")");
        assertThat(Slack.messageShortcut("m")).hasToString("Slack.messageShortcut(\"m\")");
        assertThat(Slack.message().matching(Pattern.compile("a")))
                .isEqualTo(Slack.message().matching(Pattern.compile("a")))
                .isNotEqualTo(Slack.message().matching(Pattern.compile("a", Pattern.COMMENTS)));
        assertThat(Slack.message().edits()).isNotEqualTo(Slack.message().deletions());
        assertThat(Slack.message().containing("x"))
                .isNotEqualTo(Slack.message().containingIgnoringCase("x"));
    }

    @Test
    void refusesSelectorsThatDoNotFitTheTrigger() {
        assertThatThrownBy(() -> Slack.appMention().edits())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Slack.message()");
        assertThatThrownBy(() -> Slack.message().edits().deletions())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("edits()");
        assertThatThrownBy(() -> Slack.message().named("eyes"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("reactionAdded()");
        assertThatThrownBy(() -> Slack.reactionAdded().threadReplies())
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Slack.message().threadReplies().inThread("1.0"))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Slack.reactionAdded().named("eyes").named("tada"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'eyes'");
        assertThatThrownBy(() -> Slack.message().inTeam("T1").inTeam("T2"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'T1'");
    }

    @Test
    void refusesBadArguments() {
        assertThatThrownBy(() -> Slack.reactionAdded().named(":eyes:"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("':eyes:'");
        assertThatThrownBy(() -> Slack.slashCommand("deploy"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'deploy'");
        assertThatThrownBy(() -> Slack.slashCommand("/de ploy"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Slack.blockAction(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("action id");
        assertThatThrownBy(() -> Slack.viewSubmission(""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Slack.message().inThread(" "))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Slack.message().containingIgnoringCase(""))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Slack.message().matching(null))
                .isInstanceOf(NullPointerException.class);
    }

    private Event message(Consumer<ObjectNode> edit) {
        ObjectNode inner = json.createObjectNode().put("type", "message")
                .put("channel", "C0CHAN001").put("user", "U0USER001").put("text", "hello")
                .put("ts", "1700000100.000200");
        edit.accept(inner);
        return envelope("slack.message", inner);
    }

    private Event envelope(String type, ObjectNode inner) {
        ObjectNode envelope = json.createObjectNode().put("type", "event_callback")
                .put("team_id", "T0TEST001").put("event_id", "Ev0KIND001");
        envelope.set("event", inner);
        return Event.builder(type).id("Ev0KIND001").source("/slack/T0TEST001").data(envelope)
                .build();
    }
}
