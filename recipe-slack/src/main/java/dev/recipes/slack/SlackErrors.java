package dev.recipes.slack;

import java.util.Set;

/**
 * Which of Slack's Web API error codes ({@code {"ok":false,"error":"..."}}) may succeed when
 * tried again. A code not listed here is permanent.
 */
final class SlackErrors {

    /** Codes Slack uses for a transient failure on its side or a rate limit. */
    private static final Set<String> RETRYABLE = Set.of(
            "ratelimited",
            "rate_limited",
            "internal_error",
            "fatal_error",
            "service_unavailable",
            "request_timeout",
            "team_added_to_org");

    /** Codes that name a wrong token or a missing grant: the connection must be fixed. */
    private static final Set<String> AUTH = Set.of(
            "invalid_auth",
            "not_authed",
            "token_revoked",
            "token_expired",
            "account_inactive",
            "missing_scope",
            "no_permission",
            "ekm_access_denied",
            "not_allowed_token_type");

    private SlackErrors() {
    }

    /**
     * Tells whether a call that failed with this code may succeed later.
     *
     * @param code Slack's error code
     * @return {@code true} for the transient codes; {@code false} for every other code
     */
    static boolean retryable(String code) {
        return RETRYABLE.contains(code);
    }

    /**
     * Returns advice for a permanent code, to end the error message with.
     *
     * @param code Slack's error code
     * @return a hint, or an empty string
     */
    static String hint(String code) {
        if (AUTH.contains(code)) {
            return "; check the connection's bot token and the app's scopes";
        }
        return switch (code) {
            case "channel_not_found" -> "; check the channel id, and that the bot can see it";
            case "not_in_channel" -> "; invite the bot to the channel";
            case "is_archived" -> "; the channel is archived";
            case "msg_too_long" -> "; shorten the text (Slack cuts text above 40,000 "
                    + "characters and refuses longer messages)";
            case "no_text" -> "; give text or blocks";
            case "invalid_blocks", "invalid_blocks_format" -> "; check the blocks JSON against "
                    + "Slack's Block Kit";
            case "message_not_found" -> "; check the channel and the message ts";
            case "already_reacted" -> "; the bot already added this reaction";
            case "invalid_name" -> "; use an emoji name without colons, such as 'eyes'";
            default -> "";
        };
    }
}
