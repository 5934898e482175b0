package dev.recipes.slack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Chars;
import net.jqwik.api.constraints.StringLength;

/**
 * The hand-written checks of event ids, team ids and event types on the delivery path accept
 * exactly what their regular expressions, as the envelope's fields are documented, accept.
 */
final class SlackTokenProperties {

    private static final Pattern EVENT_ID = Pattern.compile("[A-Za-z0-9._-]{1,128}");
    private static final Pattern TEAM_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final Pattern SLACK_TYPE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}");

    @Property(tries = 2000)
    void eventIdsAsTheirPatternSays(@ForAll @StringLength(max = 140)
            @Chars({'a', 'Z', '0', '9', '.', '_', '-', ' ', '/', ':', (char) 0xE9, '#'})
            String text) {
        assertThat(EventsApiHandler.isToken(text, 128, "._-"))
                .isEqualTo(EVENT_ID.matcher(text).matches());
    }

    @Property(tries = 2000)
    void teamIdsAsTheirPatternSays(@ForAll @StringLength(max = 80)
            @Chars({'T', 'z', '0', '_', '-', '.', ' ', '\n'}) String text) {
        assertThat(EventsApiHandler.isToken(text, 64, "_-"))
                .isEqualTo(TEAM_ID.matcher(text).matches());
    }

    @Property(tries = 2000)
    void eventTypesAsTheirPatternSays(@ForAll @StringLength(max = 110)
            @Chars({'m', 'E', '7', '_', '.', '-', ' ', '/'}) String text) {
        assertThat(Slack.isSlackType(text)).isEqualTo(SLACK_TYPE.matcher(text).matches());
    }
}
