package dev.recipes.slack;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Secret;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionException;
import dev.recipes.core.spi.ActionInvocation;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Slack service's actions: {@code post-message}, {@code update-message},
 * {@code add-reaction} and {@code respond}. Parameters use Slack's own names; see
 * docs/slack.md for each action's parameters and result.
 *
 * <p>Web API calls run as the step's connection, whose {@value #BOT_TOKEN} secret is the bot
 * token, and are spaced per method and connection (and per channel for
 * {@code chat.postMessage}) by a {@link SlackRateLimiter}: a call that would go too soon fails
 * as retryable with the wait as its retry-after, and the engine's retry timer sends it then.
 */
final class SlackActions {

    /** The connection secret that holds the bot token ({@code xoxb-...}). */
    static final String BOT_TOKEN = "bot-token";

    /** Slack's limit for one message: about one per second per channel. */
    static final Duration POST_INTERVAL = Duration.ofSeconds(1);
    /** Tier 3 methods (chat.update, reactions.add) allow about 50 calls a minute. */
    static final Duration TIER_3_INTERVAL = Duration.ofMillis(1200);

    private static final Logger LOG = LoggerFactory.getLogger(SlackActions.class);
    private static final int MAX_TEXT = 40_000;

    private SlackActions() {
    }

    /**
     * Returns the four actions, reaching the Web API client through {@code api} once the
     * service has started.
     *
     * @param api gives the client, or throws a permanent failure before the start
     * @param tokens gives the bot tokens of connections, refreshed when they rotate
     * @return the actions
     */
    static List<Action> all(Supplier<SlackWebApi> api, Supplier<SlackTokens> tokens) {
        return List.of(new PostMessage(api, tokens), new UpdateMessage(api, tokens),
                new AddReaction(api, tokens), new Respond(api, tokens));
    }

    /** Common parts of the actions: names, messages, parameter checks. */
    private abstract static class SlackAction implements Action {

        private final String name;
        private final Supplier<SlackWebApi> api;
        private final Supplier<SlackTokens> tokens;

        SlackAction(String name, Supplier<SlackWebApi> api, Supplier<SlackTokens> tokens) {
            this.name = name;
            this.api = api;
            this.tokens = tokens;
        }

        @Override
        public final String name() {
            return name;
        }

        @Override
        public boolean needsConnection() {
            return true;
        }

        @Override
        public final JsonNode execute(ActionInvocation invocation) {
            return run(invocation, api.get());
        }

        abstract JsonNode run(ActionInvocation invocation, SlackWebApi slack);

        final String subject() {
            return "action '" + SlackService.ID + "/" + name + "'";
        }

        final ActionException invalid(String reason) {
            return ActionException.permanent(subject() + ": " + reason, null);
        }

        final Secret token(ActionInvocation invocation) {
            return tokens.get().botToken(invocation, subject());
        }

        final void limit(SlackWebApi slack, String lane, Duration interval,
                ActionInvocation invocation) {
            Duration wait = slack.limiter().acquire(lane, interval, invocation.idempotencyKey());
            if (!wait.isZero()) {
                LOG.debug("{}: lane '{}' is busy; trying again in {}", subject(), lane, wait);
                throw ActionException.retryable(subject() + ": held back " + wait.toMillis()
                        + " ms to stay within Slack's rate limit for " + lane, wait, null);
            }
        }

        /** Copies {@code text} and {@code blocks} into the body; one of them is required. */
        final void content(ActionInvocation invocation, ObjectNode body, SlackWebApi slack) {
            JsonNode text = invocation.param("text").orElse(null);
            JsonNode blocks = invocation.param("blocks").orElse(null);
            if (text == null && blocks == null) {
                throw invalid("give parameter 'text' or 'blocks' (or both)");
            }
            if (text != null) {
                if (!text.isTextual()) {
                    throw invalid("parameter 'text' must be text, not " + text.getNodeType());
                }
                if (text.asText().length() > MAX_TEXT) {
                    throw invalid("parameter 'text' has " + text.asText().length()
                            + " characters; Slack takes at most " + MAX_TEXT);
                }
                body.set("text", text);
            }
            if (blocks != null) {
                body.set("blocks", blocks(blocks, slack));
            }
        }

        private JsonNode blocks(JsonNode blocks, SlackWebApi slack) {
            JsonNode parsed = blocks;
            if (blocks.isTextual()) {
                try {
                    parsed = slack.json().readTree(blocks.asText());
                } catch (JsonProcessingException e) {
                    throw invalid("parameter 'blocks' is text that is not JSON");
                }
            }
            if (parsed == null || !parsed.isArray() || parsed.isEmpty()) {
                throw invalid("parameter 'blocks' must be a non-empty JSON array of blocks");
            }
            return parsed;
        }

        final void flag(ActionInvocation invocation, String name, ObjectNode body) {
            invocation.param(name).ifPresent(value -> {
                if (!value.isBoolean()) {
                    throw invalid("parameter '" + name + "' must be true or false, not "
                            + value);
                }
                body.set(name, value);
            });
        }

        final String optionalText(ActionInvocation invocation, String name) {
            JsonNode value = invocation.param(name).orElse(null);
            if (value == null) {
                return null;
            }
            if (!value.isTextual() || value.asText().isEmpty()) {
                throw invalid("parameter '" + name + "' must be non-empty text");
            }
            return value.asText();
        }

        static JsonNode result(SlackWebApi slack, JsonNode answer, String channel) {
            ObjectNode result = slack.json().createObjectNode().put("ok", true);
            result.put("channel", answer.path("channel").asText(channel));
            String ts = SlackWebApi.ts(answer.get("ts"));
            if (ts == null) {
                LOG.warn("action 'slack': Slack's answer has no 'ts'; later steps cannot "
                        + "thread on or edit this message");
            } else {
                result.put("ts", ts);
            }
            return result;
        }

        @Override
        public final String toString() {
            return "Action[" + SlackService.ID + "/" + name + "]";
        }
    }

    /**
     * {@code post-message}: {@code chat.postMessage}.
     *
     * <p>Limitation: Slack offers no idempotency key for posts, so a retry after an unknown
     * outcome (a timeout, a 5xx or {@code fatal_error} after Slack took the message) can post
     * it twice.
     */
    private static final class PostMessage extends SlackAction {

        PostMessage(Supplier<SlackWebApi> api, Supplier<SlackTokens> tokens) {
            super("post-message", api, tokens);
        }

        @Override
        JsonNode run(ActionInvocation invocation, SlackWebApi slack) {
            String channel = invocation.requireText("channel");
            ObjectNode body = slack.json().createObjectNode().put("channel", channel);
            content(invocation, body, slack);
            String thread = optionalText(invocation, "thread_ts");
            if (thread != null) {
                body.put("thread_ts", thread);
            }
            flag(invocation, "reply_broadcast", body);
            if (body.has("reply_broadcast") && thread == null) {
                throw invalid("parameter 'reply_broadcast' needs 'thread_ts'");
            }
            Secret token = token(invocation);

            limit(slack, "chat.postMessage " + invocation.connectionId() + " " + channel,
                    POST_INTERVAL, invocation);
            JsonNode answer = slack.call("chat.postMessage", token, body,
                    subject() + ": channel '" + channel + "'");
            return result(slack, answer, channel);
        }
    }

    /** {@code update-message}: {@code chat.update}. Idempotent, so retries are safe. */
    private static final class UpdateMessage extends SlackAction {

        UpdateMessage(Supplier<SlackWebApi> api, Supplier<SlackTokens> tokens) {
            super("update-message", api, tokens);
        }

        @Override
        JsonNode run(ActionInvocation invocation, SlackWebApi slack) {
            String channel = invocation.requireText("channel");
            String ts = invocation.requireText("ts");
            ObjectNode body = slack.json().createObjectNode()
                    .put("channel", channel)
                    .put("ts", ts);
            content(invocation, body, slack);
            Secret token = token(invocation);

            limit(slack, "chat.update " + invocation.connectionId(), TIER_3_INTERVAL,
                    invocation);
            JsonNode answer = slack.call("chat.update", token, body,
                    subject() + ": channel '" + channel + "' ts '" + ts + "'");
            ObjectNode result = (ObjectNode) result(slack, answer, channel);
            return result.has("ts") ? result : result.put("ts", ts);
        }
    }

    /**
     * {@code add-reaction}: {@code reactions.add}. Slack's {@code already_reacted} counts as
     * success, so a retry after an unknown outcome is harmless.
     */
    private static final class AddReaction extends SlackAction {

        AddReaction(Supplier<SlackWebApi> api, Supplier<SlackTokens> tokens) {
            super("add-reaction", api, tokens);
        }

        @Override
        JsonNode run(ActionInvocation invocation, SlackWebApi slack) {
            String channel = invocation.requireText("channel");
            String timestamp = invocation.requireText("timestamp");
            String name = stripColons(invocation.requireText("name"));
            ObjectNode body = slack.json().createObjectNode()
                    .put("channel", channel)
                    .put("timestamp", timestamp)
                    .put("name", name);
            Secret token = token(invocation);

            limit(slack, "reactions.add " + invocation.connectionId(), TIER_3_INTERVAL,
                    invocation);
            JsonNode answer = slack.call("reactions.add", token, body, subject() + ": channel '"
                    + channel + "' timestamp '" + timestamp + "'", "already_reacted");
            boolean already = !answer.path("ok").asBoolean(false);
            return slack.json().createObjectNode()
                    .put("ok", true)
                    .put("channel", channel)
                    .put("timestamp", timestamp)
                    .put("name", name)
                    .put("alreadyReacted", already);
        }

        private String stripColons(String name) {
            String bare = name.length() > 2 && name.startsWith(":") && name.endsWith(":")
                    ? name.substring(1, name.length() - 1) : name;
            if (bare.contains(":") || bare.isBlank()) {
                throw invalid("parameter 'name' '" + name + "' is not an emoji name such as "
                        + "'eyes'");
            }
            return bare;
        }
    }

    /**
     * {@code respond}: posts to a slash command's or an interaction's {@code response_url}.
     * Needs no connection: the URL itself is the credential, and it is only ever sent to
     * {@code https://hooks.slack.com} or a configured prefix.
     */
    private static final class Respond extends SlackAction {

        Respond(Supplier<SlackWebApi> api, Supplier<SlackTokens> tokens) {
            super("respond", api, tokens);
        }

        @Override
        public boolean needsConnection() {
            return false;
        }

        @Override
        JsonNode run(ActionInvocation invocation, SlackWebApi slack) {
            URI url = slack.checkResponseUrl(invocation.requireText("response_url"),
                    subject());
            ObjectNode body = slack.json().createObjectNode();
            content(invocation, body, slack);
            String type = optionalText(invocation, "response_type");
            if (type != null && !type.equals("in_channel") && !type.equals("ephemeral")) {
                throw invalid("parameter 'response_type' is '" + type + "'; use 'in_channel' "
                        + "or 'ephemeral'");
            }
            if (type != null) {
                body.put("response_type", type);
            }
            flag(invocation, "replace_original", body);
            flag(invocation, "delete_original", body);

            slack.respond(url, body, subject());
            return slack.json().createObjectNode().put("ok", true);
        }
    }
}
