package dev.recipes.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Mapping;
import dev.recipes.core.MappingException;
import org.junit.jupiter.api.Test;

final class PostMessageStepTest {

    private static final String MESSAGE = "{\"event\":{\"channel\":\"C0SALES\","
            + "\"text\":\"<!channel> hi\",\"ts\":\"1700000000.000100\"}}";

    @Test
    void render_escapesEventText_andKeepsTsAsText() throws Exception {
        PostMessageStep step = Slack.postMessage("C0ALERTS")
                .textFrom("/event/text")
                .threadTsFrom("/event/ts")
                .replyBroadcast(true);

        ObjectNode params = step.render(SlackTextTest.event(MESSAGE));

        assertThat(params.toString()).isEqualTo("{\"channel\":\"C0ALERTS\","
                + "\"text\":\"&lt;!channel&gt; hi\",\"thread_ts\":\"1700000000.000100\","
                + "\"reply_broadcast\":true}");
        assertThat(step.service()).isEqualTo("slack");
        assertThat(step.action()).isEqualTo("post-message");
        assertThat(step.connection()).isEqualTo("default");
    }

    @Test
    void literalText_isSentAsWritten_withBlocks() throws Exception {
        PostMessageStep step = Slack.postMessage(Mapping.pointer("/event/channel"))
                .text("*Deploy* <!here>")
                .blocks("[{\"type\":\"divider\"}]")
                .as("acme");

        ObjectNode params = step.render(SlackTextTest.event(MESSAGE));

        assertThat(params.path("channel").asText()).isEqualTo("C0SALES");
        assertThat(params.path("text").asText()).isEqualTo("*Deploy* <!here>");
        assertThat(params.path("blocks").get(0).path("type").asText()).isEqualTo("divider");
        assertThat(step.connection()).isEqualTo("acme");
    }

    @Test
    void steps_areImmutable() {
        PostMessageStep bare = Slack.postMessage("C0ALERTS");

        bare.text("hello");

        assertThatThrownBy(bare::validate).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no text and no blocks");
    }

    @Test
    void settingAPartTwice_namesTheFirstValue() {
        PostMessageStep step = Slack.postMessage("C0ALERTS").text("first");

        assertThatThrownBy(() -> step.textFrom("/event/text"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'first'");
        assertThatThrownBy(() -> step.threadTs("1.2").threadTs("3.4"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("'1.2'");
        assertThatThrownBy(() -> step.replyBroadcast(true).replyBroadcast(false))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("true");
    }

    @Test
    void badInput_isRefusedWithTheValue() {
        assertThatThrownBy(() -> Slack.postMessage(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("' '");
        assertThatThrownBy(() -> Slack.postMessage("C0A").blocks("{\"type\":\"divider\"}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("non-empty JSON array");
        assertThatThrownBy(() -> Slack.postMessage("C0A").blocks("[oops"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not JSON");
        assertThatThrownBy(() -> Slack.postMessage("C0A").as("not valid!"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void broadcastWithoutThread_failsValidation() {
        PostMessageStep step = Slack.postMessage("C0A").text("x").replyBroadcast(true);

        assertThatThrownBy(step::validate).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("needs a thread");
    }

    @Test
    void threadFieldThatIsNotText_failsTheMapping() {
        PostMessageStep step = Slack.postMessage("C0A").text("x").threadTsFrom("/event/n");

        assertThatThrownBy(() -> step.render(SlackTextTest.event("{\"event\":{\"n\":1.5}}")))
                .isInstanceOf(MappingException.class)
                .hasMessageContaining("'thread_ts' rendered a JSON NUMBER");
    }
}
