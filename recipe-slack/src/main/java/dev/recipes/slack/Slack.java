package dev.recipes.slack;

import dev.recipes.core.ActionStep;
import dev.recipes.core.Mapping;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The triggers recipes use to react to Slack events, slash commands and interactions, and the
 * steps that post to Slack.
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
 *         .when(Slack.reactionAdded().named("white_check_mark"))
 *         .then(ActionStep.of("audit", "record")
 *                 .pointer("reaction", "/event/reaction")
 *                 .build())
 *         .build();
 * }</pre>
 *
 * <p>The {@link SlackService} publishes each Events API callback as an event of type
 * {@code slack.<inner event type>} whose data is the whole envelope as Slack sent it, so
 * recipes read fields with JSON Pointers such as {@code /event/channel}, {@code /event/text}
 * and {@code /event/ts} (Slack timestamps stay strings). Slash commands are published as
 * {@code slack.slash_command} with their form fields as data ({@code /text},
 * {@code /user_id}), interactions as {@code slack.<payload type>} with the payload as data.
 */
public final class Slack {

    /** The prefix of the type of every event the Slack service publishes. */
    public static final String EVENT_TYPE_PREFIX = "slack.";


    private static final Pattern SLASH_COMMAND = Pattern.compile("/[^\\s/][^\\s]{0,99}");

    private Slack() {
    }

    /**
     * Returns a trigger on new messages posted by people ({@code slack.message} without a
     * {@code bot_id} and without a subtype, or with {@code thread_broadcast},
     * {@code file_share} or {@code me_message}), thread replies included. Selectors such as
     * {@link SlackTrigger#inChannel(String)} narrow it; {@link SlackTrigger#fromBots()},
     * {@link SlackTrigger#edits()}, {@link SlackTrigger#deletions()} and
     * {@link SlackTrigger#allKinds()} select other message events instead.
     *
     * @return the trigger
     */
    public static SlackTrigger message() {
        return event("message");
    }

    /**
     * Returns a trigger on mentions of the app's bot user ({@code slack.app_mention}).
     *
     * @return the trigger
     */
    public static SlackTrigger appMention() {
        return event("app_mention");
    }

    /**
     * Returns a trigger on reactions added to messages ({@code slack.reaction_added});
     * {@link SlackTrigger#named(String)} selects one emoji, and
     * {@link SlackTrigger#inChannel(String)} the channel of the message reacted to.
     *
     * @return the trigger
     */
    public static SlackTrigger reactionAdded() {
        return event("reaction_added");
    }

    /**
     * Returns a trigger on users joining channels ({@code slack.member_joined_channel}).
     *
     * @return the trigger
     */
    public static SlackTrigger memberJoinedChannel() {
        return event("member_joined_channel");
    }

    /**
     * Returns a trigger on one slash command ({@code slack.slash_command}). The event's data
     * holds the command's form fields, such as {@code /text}, {@code /user_id},
     * {@code /channel_id} and {@code /response_url}.
     *
     * @param command the command with its slash, such as {@code /deploy}
     * @return the trigger
     * @throws IllegalArgumentException if the command does not start with {@code /} or holds
     *     white space
     */
    public static SlackTrigger slashCommand(String command) {
        Objects.requireNonNull(command, "command");
        if (!SLASH_COMMAND.matcher(command).matches()) {
            throw new IllegalArgumentException("slack trigger: command '" + command
                    + "' is not a slash command; give it with its slash, such as '/deploy'");
        }
        return new SlackTrigger(SlackShape.of("slash_command"), command);
    }

    /**
     * Returns a trigger on clicks and choices in Block Kit elements with one {@code action_id}
     * ({@code slack.block_actions}). The data is the interaction payload; the event matches
     * when any entry of {@code /actions} has that id.
     *
     * @param actionId the element's {@code action_id}
     * @return the trigger
     * @throws IllegalArgumentException if the id is blank
     */
    public static SlackTrigger blockAction(String actionId) {
        return new SlackTrigger(SlackShape.of("block_actions"), requireId(actionId, "action id"));
    }

    /**
     * Returns a trigger on submissions of modals with one {@code callback_id}
     * ({@code slack.view_submission}, read at {@code /view/callback_id}). The service answers
     * 200 with an empty body, which closes the modal.
     *
     * @param callbackId the view's {@code callback_id}
     * @return the trigger
     * @throws IllegalArgumentException if the id is blank
     */
    public static SlackTrigger viewSubmission(String callbackId) {
        return new SlackTrigger(SlackShape.of("view_submission"),
                requireId(callbackId, "callback id"));
    }

    /**
     * Returns a trigger on a global shortcut with one {@code callback_id}
     * ({@code slack.shortcut}).
     *
     * @param callbackId the shortcut's {@code callback_id}
     * @return the trigger
     * @throws IllegalArgumentException if the id is blank
     */
    public static SlackTrigger shortcut(String callbackId) {
        return new SlackTrigger(SlackShape.of("shortcut"), requireId(callbackId, "callback id"));
    }

    /**
     * Returns a trigger on a message shortcut with one {@code callback_id}
     * ({@code slack.message_action}); the message is at {@code /message}.
     *
     * @param callbackId the shortcut's {@code callback_id}
     * @return the trigger
     * @throws IllegalArgumentException if the id is blank
     */
    public static SlackTrigger messageShortcut(String callbackId) {
        return new SlackTrigger(SlackShape.of("message_action"),
                requireId(callbackId, "callback id"));
    }

    /**
     * Returns a trigger on Slack events of one type, such as {@code app_mention} or
     * {@code reaction_added}; the engine publishes them as {@code slack.<type>}. The service
     * also publishes Slack's {@code app_rate_limited} notices, which
     * {@code Slack.event("app_rate_limited")} selects, and every slash command and interaction
     * as {@code slash_command}, {@code block_actions}, {@code view_submission},
     * {@code view_closed}, {@code shortcut} or {@code message_action}. A trigger made here
     * equals the one of the named factory, if any: {@code Slack.event("message")} is
     * {@link #message()}.
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
        return new SlackTrigger(SlackShape.of(slackType), null);
    }

    private static String requireId(String id, String what) {
        Objects.requireNonNull(id, what);
        if (id.isBlank()) {
            throw new IllegalArgumentException("slack trigger: " + what + " is blank");
        }
        return id;
    }

    /**
     * Starts a step that posts a message to a channel with the {@code post-message} action;
     * add its text with {@link PostMessageStep#text(String)} or
     * {@link PostMessageStep#textFrom(String)}, or blocks.
     *
     * @param channel a channel id, such as {@code C0ALERTS} (a user id posts to the bot's
     *     direct message with that user)
     * @return a step without text, acting as the {@value ActionStep#DEFAULT_CONNECTION}
     *     connection
     * @throws IllegalArgumentException if the channel is blank or holds whitespace
     */
    public static PostMessageStep postMessage(String channel) {
        Objects.requireNonNull(channel, "channel");
        if (channel.isBlank() || channel.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("post-message step: channel '" + channel
                    + "' is not a channel id such as 'C0ALERTS'");
        }
        return PostMessageStep.to(PostMessageStep.described(Mapping.constant(channel),
                "'" + channel + "'"));
    }

    /**
     * Starts a step that posts a message to a channel the event names, such as
     * {@code Slack.postMessage(Mapping.pointer("/event/channel"))} to answer in the channel
     * the message came from.
     *
     * @param channel a mapping that renders a channel id
     * @return a step without text, acting as the {@value ActionStep#DEFAULT_CONNECTION}
     *     connection
     */
    public static PostMessageStep postMessage(Mapping channel) {
        Objects.requireNonNull(channel, "channel");
        return PostMessageStep.to(channel);
    }

    /**
     * Returns a mapping that reads a text field of the event and escapes it for
     * {@code mrkdwn}; the same as {@link SlackText#escaped(String)}.
     *
     * @param jsonPointer such as {@code /event/text}
     * @return the mapping
     */
    public static Mapping escaped(String jsonPointer) {
        return SlackText.escaped(jsonPointer);
    }

    /**
     * Returns a mapping that renders the connection id of the Slack installation an event was
     * delivered to, so that a step acts as the workspace the event came from in an engine that
     * serves many workspaces ({@link SlackWorkspace} says how installations are named).
     *
     * <pre>{@code
     * ActionStep react = ActionStep.of("slack", "add-reaction")
     *         .pointer("channel", "/event/channel")
     *         .pointer("timestamp", "/event/ts")
     *         .constant("name", "eyes")
     *         .as(Slack.eventWorkspace())
     *         .build();
     * }</pre>
     *
     * <p>{@link PostMessageStep#asEventWorkspace()} does the same for posts. An event that names
     * no workspace fails the recipe; one from a workspace whose connection is not in the store
     * fails its action, which is dead-lettered: it never runs as another workspace.
     *
     * @return the mapping, for {@code ActionStep.Builder.as(Mapping)}
     */
    public static Mapping eventWorkspace() {
        return SlackWorkspace.ofEvent();
    }

    // [A-Za-z0-9_][A-Za-z0-9_.-]{0,99}, by hand: it runs on every delivery.
    static boolean isSlackType(String slackType) {
        return !slackType.isEmpty() && slackType.charAt(0) != '.' && slackType.charAt(0) != '-'
                && EventsApiHandler.isToken(slackType, 100, "_.-");
    }

    static String eventType(String slackType) {
        return EVENT_TYPE_PREFIX + slackType;
    }
}
