package dev.recipes.slack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.recipes.core.Event;
import dev.recipes.core.Mapping;
import dev.recipes.core.MappingException;
import org.junit.jupiter.api.Test;

final class SlackTextTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void escape_replacesAmpersandAndAngleBrackets() {
        assertThat(SlackText.escape("<!channel> <@U123> <https://evil.test|bank> & co"))
                .isEqualTo("&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.test|bank&gt; "
                        + "&amp; co");
    }

    @Test
    void escape_leavesFormattingAndOtherTextAlone() {
        String text = "*bold* _it_ ~x~ `c` ünï 🎉";

        assertThat(SlackText.escape(text)).isEqualTo(text);
    }

    @Test
    void escape_keepsTheEscapesSlackSentAndNeutralisesItsMentions() {
        // As Slack delivers "Q&A: 1 < 2 @channel ask @boss" typed by a user.
        String delivered = "Q&amp;A: 1 &lt; 2 <!channel> ask <@U0BOSS>";

        assertThat(SlackText.escape(delivered))
                .isEqualTo("Q&amp;A: 1 &lt; 2 &lt;!channel&gt; ask &lt;@U0BOSS&gt;");
    }

    @Test
    void escape_escapesAnAmpersandThatStartsNoEscape() {
        assertThat(SlackText.escape("&amp &quot; &lt &#60;"))
                .isEqualTo("&amp;amp &amp;quot; &amp;lt &amp;#60;");
    }

    @Test
    void escaped_readsTheFieldAndEscapesIt() throws Exception {
        Mapping mapping = Slack.escaped("/event/text");

        assertThat(mapping.apply(event("{\"event\":{\"text\":\"<!everyone>\"}}")).asText())
                .isEqualTo("&lt;!everyone&gt;");
        assertThat(mapping.apply(event("{\"event\":{\"text\":42}}")).asText()).isEqualTo("42");
        assertThat(mapping.apply(event("{\"event\":{\"text\":null}}")).asText()).isEmpty();
    }

    @Test
    void escaped_refusesMissingFieldsAndObjects() throws Exception {
        Mapping mapping = SlackText.escaped("/event/text");

        assertThatThrownBy(() -> mapping.apply(event("{\"event\":{}}")))
                .isInstanceOf(MappingException.class).hasMessageContaining("/event/text");
        assertThatThrownBy(() -> mapping.apply(event("{\"event\":{\"text\":{\"a\":1}}}")))
                .isInstanceOf(MappingException.class).hasMessageContaining("not text");
    }

    @Test
    void escaped_refusesABadPointer() {
        assertThatThrownBy(() -> SlackText.escaped("event/text"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'event/text'");
    }

    static Event event(String data) throws Exception {
        return Event.builder("slack.message").id("Ev1").source("/slack/T1")
                .data(JSON.readTree(data)).build();
    }
}
