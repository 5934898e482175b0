package dev.recipes.slack;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

/**
 * Where the events of one type keep the fields triggers select on, and how a trigger on them
 * is written in Java. A pointer is null when events of the type do not carry that field.
 */
record SlackShape(String eventType, String factory, String keyedFactory, JsonPointer key,
        JsonPointer channel, JsonPointer user, JsonPointer team, JsonPointer text,
        JsonPointer reaction, boolean threaded) {

    private static final JsonPointer TEAM_ID = JsonPointer.compile("/team_id");
    private static final JsonPointer ACTIONS = JsonPointer.compile("/actions");

    /** Returns the shape of events of a Slack type, such as {@code message}. */
    static SlackShape of(String slackType) {
        String type = Slack.eventType(slackType);
        return switch (slackType) {
            case "message" -> event(type, "message()", true);
            case "app_mention" -> event(type, "appMention()", true);
            case "member_joined_channel" -> new SlackShape(type, "memberJoinedChannel()", null,
                    null, p("/event/channel"), p("/event/user"), TEAM_ID, null, null, false);
            case "reaction_added", "reaction_removed" -> new SlackShape(type,
                    "reaction_added".equals(slackType) ? "reactionAdded()" : null, null, null,
                    p("/event/item/channel"), p("/event/user"), TEAM_ID, null,
                    p("/event/reaction"), false);
            case "slash_command" -> new SlackShape(type, null, "slashCommand", p("/command"),
                    p("/channel_id"), p("/user_id"), TEAM_ID, p("/text"), null, false);
            case "block_actions" -> interaction(type, "blockAction", ACTIONS, p("/channel/id"),
                    null);
            case "view_submission", "view_closed" -> interaction(type,
                    "view_submission".equals(slackType) ? "viewSubmission" : null,
                    p("/view/callback_id"), null, null);
            case "shortcut" -> interaction(type, "shortcut", p("/callback_id"), null, null);
            case "message_action" -> interaction(type, "messageShortcut", p("/callback_id"),
                    p("/channel/id"), p("/message/text"));
            default -> event(type, null, false);
        };
    }

    private static SlackShape event(String type, String factory, boolean threaded) {
        return new SlackShape(type, factory, null, null, p("/event/channel"), p("/event/user"),
                TEAM_ID, p("/event/text"), null, threaded);
    }

    private static SlackShape interaction(String type, String keyedFactory, JsonPointer key,
            JsonPointer channel, JsonPointer text) {
        return new SlackShape(type, null, keyedFactory, key, channel, p("/user/id"),
                p("/team/id"), text, null, false);
    }

    /** Returns the Java that makes a trigger of this shape, such as {@code message()}. */
    String factory(String keyValue) {
        if (keyValue != null) {
            return keyedFactory + "(\"" + keyValue.replace("\\", "\\\\").replace("\"", "\\\"")
                    + "\")";
        }
        String slackType = eventType.substring(Slack.EVENT_TYPE_PREFIX.length());
        return factory != null ? factory : "event(\"" + slackType + "\")";
    }

    /** Tells whether the event carries the key: a command, action id or callback id. */
    boolean hasKey(JsonNode data, String wanted) {
        if (key == ACTIONS) {
            for (JsonNode action : data.at(ACTIONS)) {
                if (wanted.equals(action.path("action_id").asText(null))) {
                    return true;
                }
            }
            return false;
        }
        JsonNode value = data.at(key);
        return value.isTextual() && wanted.equals(value.asText());
    }

    /** Reads a field, or returns a missing node if events of this type do not carry it. */
    static JsonNode at(JsonNode data, JsonPointer pointer) {
        return pointer == null ? MissingNode.getInstance() : data.at(pointer);
    }

    private static JsonPointer p(String pointer) {
        return JsonPointer.compile(pointer);
    }
}
