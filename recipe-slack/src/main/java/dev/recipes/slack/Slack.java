package dev.recipes.slack;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The triggers recipes use to react to Slack events delivered by the Events API.
 *
 * <pre>{@code
 * Recipe salesLog = Recipe.named("sales-log")
 *         .when(Slack.message().inChannel("C0SALES").containing("order"))
 *         .then(GoogleSheets.appendRow("1AbCsheet", "Log!A:D")
 *                 .column("/event/user")
 *                 .column("/event/text"))
 *         .build();
 *
 * Recipe reactions = Recipe.named("reactions")
 *         .when(Slack.event("reaction_added"))
 *         .then(ActionStep.of("audit", "record")
 *                 .pointer("reaction", "/event/reaction")
 *                 .build())
 *         .build();
 * }</pre>
 *
 * <p>The {@link SlackService} publishes each Events API callback as an event of type
 * {@code slack.<inner event type>} whose data is the whole envelope as Slack sent it, so
 * recipes read fields with JSON Pointers such as {@code /event/channel}, {@code /event/text}
 * and {@code /event/ts} (Slack timestamps stay strings).
 */
public final class Slack {

    /** The prefix of the type of every event the Slack service publishes. */
    public static final String EVENT_TYPE_PREFIX = "slack.";

    private static final Pattern SLACK_TYPE = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}");

    private Slack() {
    }

    /**
     * Returns a trigger on every Slack message event ({@code slack.message}), which selectors
     * such as {@link SlackTrigger#inChannel(String)} narrow.
     *
     * @return the trigger
     */
    public static SlackTrigger message() {
        return event("message");
    }

    /**
     * Returns a trigger on Slack events of one type, such as {@code app_mention} or
     * {@code reaction_added}; the engine publishes them as {@code slack.<type>}. The service
     * also publishes Slack's {@code app_rate_limited} notices, which
     * {@code Slack.event("app_rate_limited")} selects.
     *
     * @param slackType the Slack event type, without the {@code slack.} prefix
     * @return the trigger
     * @throws IllegalArgumentException if the type is blank, has characters Slack types do not
     *     use, or already starts with {@code slack.}
     */
    public static SlackTrigger event(String slackType) {
        Objects.requireNonNull(slackType, "slackType");
        if (slackType.startsWith(EVENT_TYPE_PREFIX)) {
            throw new IllegalArgumentException("slack trigger: type '" + slackType
                    + "' starts with '" + EVENT_TYPE_PREFIX + "'; pass the Slack event type "
                    + "alone, such as 'reaction_added'");
        }
        if (!isSlackType(slackType)) {
            throw new IllegalArgumentException("slack trigger: type '" + slackType
                    + "' is not a Slack event type (letters, digits, '_', '.' or '-')");
        }
        return new SlackTrigger(eventType(slackType));
    }

    static boolean isSlackType(String slackType) {
        return SLACK_TYPE.matcher(slackType).matches();
    }

    static String eventType(String slackType) {
        return EVENT_TYPE_PREFIX + slackType;
    }
}
