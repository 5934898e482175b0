package dev.recipes.testkit.slack;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Secret;
import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.testkit.internal.Delivery;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Plays Slack in tests: builds Events API requests, slash commands and interactions shaped and
 * signed as Slack sends them, and delivers them to a webhook handler in-process or to a server
 * over HTTP.
 *
 * <pre>{@code
 * SlackSimulator slack = SlackSimulator.of(Secret.of("test-signing-secret"))
 *         .withTarget(engine.webhooks());
 *
 * WebhookResponse answer = slack.message("C0SALES", "U0USER001", "order #42").send();
 * WebhookResponse refused = slack.message("C0SALES", "U0USER001", "hi").stale().send();
 * }</pre>
 *
 * <p>Requests are signed with {@link dev.recipes.core.signature.SlackSignature}, the code that
 * services verify with, over the exact body bytes that are sent. Timestamps come from the clock
 * given here; verify with the same clock. The simulator is immutable and thread-safe: each
 * {@code with...} method returns a copy. Its {@link #toString()} never shows the secret.
 */
public final class SlackSimulator {

    /** The path Slack posts to on the engine: the webhook path of the {@code slack} service. */
    public static final String DEFAULT_PATH = "/hooks/slack";

    /** The workspace id used unless another is set. */
    public static final String DEFAULT_TEAM_ID = "T0TEST001";

    /** The app id used unless another is set. */
    public static final String DEFAULT_API_APP_ID = "A0TEST001";

    /** The app's bot user id used unless another is set. */
    public static final String DEFAULT_BOT_USER_ID = "U0BOT0001";

    /** The channel slash commands and interactions come from unless edited. */
    public static final String DEFAULT_CHANNEL_ID = "C0CHAN001";

    /** The user who runs slash commands and interactions unless edited. */
    public static final String DEFAULT_USER_ID = "U0USER001";

    private static final String SUBJECT = "slack simulator";

    /**
     * Where the {@code response_url}s of simulated slash commands and interactions point:
     * Slack's host under the reserved {@code .invalid} domain, so a recipe that replies to one
     * in a test never reaches the real Slack; the Slack service refuses it as not Slack's. To
     * reply to a fake, set the field with {@code editPayload} to a URL of the fake.
     */
    public static final String RESPONSE_URL_BASE = "https://hooks.slack.com.invalid/";

    private final Secret secret;
    private final Clock clock;
    private final String teamId;
    private final String apiAppId;
    private final String botUserId;
    private final Delivery delivery;
    private final AtomicLong sequence;

    private SlackSimulator(Secret secret, Clock clock, String teamId, String apiAppId,
            String botUserId, Delivery delivery, AtomicLong sequence) {
        this.secret = secret;
        this.clock = clock;
        this.teamId = teamId;
        this.apiAppId = apiAppId;
        this.botUserId = botUserId;
        this.delivery = delivery;
        this.sequence = sequence;
    }

    /**
     * Returns a simulator that signs with a secret and reads the time from the system clock.
     *
     * @param signingSecret the app's signing secret, as the service under test is configured
     * @return the simulator
     */
    public static SlackSimulator of(Secret signingSecret) {
        return of(signingSecret, Clock.systemUTC());
    }

    /**
     * Returns a simulator that signs with a secret and reads the time from a clock.
     *
     * @param signingSecret the app's signing secret, as the service under test is configured
     * @param clock the clock for request timestamps and event times; give the engine the same
     * @return the simulator
     */
    public static SlackSimulator of(Secret signingSecret, Clock clock) {
        return new SlackSimulator(Objects.requireNonNull(signingSecret, "signingSecret"),
                Objects.requireNonNull(clock, "clock"), DEFAULT_TEAM_ID, DEFAULT_API_APP_ID,
                DEFAULT_BOT_USER_ID, Delivery.of(SUBJECT, "slack request", DEFAULT_PATH),
                new AtomicLong());
    }

    /**
     * Returns a copy that sends events from another workspace.
     *
     * @param teamId the workspace id, such as {@code T0TEST002}
     * @return a new simulator
     */
    public SlackSimulator withTeamId(String teamId) {
        return new SlackSimulator(secret, clock, requireText(teamId, "team id"), apiAppId,
                botUserId, delivery, sequence);
    }

    /**
     * Returns a copy that sends events for another app.
     *
     * @param apiAppId the app id, such as {@code A0TEST002}
     * @return a new simulator
     */
    public SlackSimulator withApiAppId(String apiAppId) {
        return new SlackSimulator(secret, clock, teamId, requireText(apiAppId, "api app id"),
                botUserId, delivery, sequence);
    }

    /**
     * Returns a copy whose app has another bot user, as listed in {@code authorizations}.
     *
     * @param botUserId the bot's user id, such as {@code U0BOT0002}
     * @return a new simulator
     */
    public SlackSimulator withBotUserId(String botUserId) {
        return new SlackSimulator(secret, clock, teamId, apiAppId,
                requireText(botUserId, "bot user id"), delivery, sequence);
    }

    /**
     * Returns a copy that posts to another path; {@value #DEFAULT_PATH} by default.
     *
     * @param path an absolute path, such as {@code /hooks/slack-eu}
     * @return a new simulator
     * @throws IllegalArgumentException if the path does not start with {@code /}
     */
    public SlackSimulator withPath(String path) {
        return with(delivery.withPath(path));
    }

    /**
     * Returns a copy that sends HTTP requests with another client; by default a shared HTTP/1.1
     * client.
     *
     * @param httpClient the client
     * @return a new simulator
     */
    public SlackSimulator withHttpClient(HttpClient httpClient) {
        return with(delivery.withHttpClient(httpClient));
    }

    /**
     * Returns a copy whose {@code send()} hands requests to a handler in-process, such as
     * {@code engine.webhooks()}.
     *
     * @param handler the handler
     * @return a new simulator
     */
    public SlackSimulator withTarget(WebhookHandler handler) {
        return with(delivery.withTarget(handler));
    }

    /**
     * Returns a copy whose {@code send()} posts requests over HTTP to a server.
     *
     * @param baseUrl the server's base URL, such as {@code http://127.0.0.1:8080}; the path is
     *     appended to it
     * @return a new simulator
     * @throws IllegalArgumentException if the URL is not an {@code http(s)} URL with a host
     */
    public SlackSimulator withTarget(URI baseUrl) {
        return with(delivery.withTarget(baseUrl));
    }

    /**
     * Starts a {@code message} event posted by a user in a channel, in an
     * {@code event_callback} envelope.
     *
     * @param channel the channel id; its first letter gives the {@code channel_type}
     *     ({@code C} channel, {@code G} group, {@code D} im)
     * @param user the id of the user who posted
     * @param text the message text
     * @return a builder for the request
     */
    public SlackRequestBuilder message(String channel, String user, String text) {
        return SlackRequestBuilder.message(this, requireText(channel, "channel"),
                requireText(user, "user"), Objects.requireNonNull(text, "text"));
    }

    /**
     * Starts a {@code message} event posted by a bot or app: subtype {@code bot_message} with a
     * {@code bot_id} and no {@code user}.
     *
     * @param channel the channel id
     * @param botId the bot's id, such as {@code B0BOT0001}
     * @param text the message text
     * @return a builder for the request
     */
    public SlackRequestBuilder botMessage(String channel, String botId, String text) {
        return SlackRequestBuilder.botMessage(this, requireText(channel, "channel"),
                requireText(botId, "bot id"), Objects.requireNonNull(text, "text"));
    }

    /**
     * Starts a reply in a thread: a {@code message} event whose {@code thread_ts} is the parent
     * message's {@code ts}.
     *
     * @param channel the channel id
     * @param user the id of the user who replied
     * @param threadTs the {@code ts} of the thread's parent message
     * @param text the reply's text
     * @return a builder for the request
     */
    public SlackRequestBuilder threadReply(String channel, String user, String threadTs,
            String text) {
        String parent = requireText(threadTs, "thread ts");
        return message(channel, user, text).editEvent(event -> event.put("thread_ts", parent));
    }

    /**
     * Starts an edit: a {@code message} event with subtype {@code message_changed}, the new
     * version at {@code message} and the old one at {@code previous_message}.
     *
     * @param channel the channel id
     * @param user the id of the user who posted and edited the message
     * @param ts the {@code ts} of the edited message
     * @param previousText the text before the edit
     * @param newText the text after the edit
     * @return a builder for the request
     */
    public SlackRequestBuilder messageEdit(String channel, String user, String ts,
            String previousText, String newText) {
        ObjectNode event = messageEvent(channel, "message_changed");
        event.putObject("message").put("type", "message").put("user", requireText(user, "user"))
                .put("text", Objects.requireNonNull(newText, "newText"))
                .put("ts", requireText(ts, "ts"))
                .putObject("edited").put("user", user).put("ts", ts);
        event.putObject("previous_message").put("type", "message").put("user", user)
                .put("text", Objects.requireNonNull(previousText, "previousText")).put("ts", ts);
        return SlackRequestBuilder.event(this, "message", event);
    }

    /**
     * Starts a deletion: a {@code message} event with subtype {@code message_deleted}, the
     * deleted message at {@code previous_message}.
     *
     * @param channel the channel id
     * @param user the id of the user who had posted the message
     * @param ts the {@code ts} of the deleted message
     * @param previousText the deleted message's text
     * @return a builder for the request
     */
    public SlackRequestBuilder messageDeletion(String channel, String user, String ts,
            String previousText) {
        ObjectNode event = messageEvent(channel, "message_deleted")
                .put("deleted_ts", requireText(ts, "ts"));
        event.putObject("previous_message").put("type", "message")
                .put("user", requireText(user, "user"))
                .put("text", Objects.requireNonNull(previousText, "previousText")).put("ts", ts);
        return SlackRequestBuilder.event(this, "message", event);
    }

    /**
     * Starts a slash command as Slack posts it: form-encoded fields {@code token},
     * {@code team_id}, {@code team_domain}, {@code channel_id}, {@code channel_name},
     * {@code user_id}, {@code user_name}, {@code command}, {@code text}, {@code api_app_id},
     * {@code is_enterprise_install}, {@code response_url} and a fresh {@code trigger_id}. The
     * channel is {@value #DEFAULT_CHANNEL_ID} and the user {@value #DEFAULT_USER_ID};
     * {@link SlackRequestBuilder#editPayload} changes any field.
     *
     * @param command the command with its slash, such as {@code /deploy}
     * @param text what the user typed after the command; may be empty
     * @return a builder for the request
     * @throws IllegalArgumentException if the command does not start with {@code /}
     */
    public SlackRequestBuilder slashCommand(String command, String text) {
        if (!requireText(command, "command").startsWith("/")) {
            throw new IllegalArgumentException(SUBJECT + ": command '" + command
                    + "' does not start with '/'");
        }
        long n = nextSequence();
        ObjectNode fields = JsonNodeFactory.instance.objectNode()
                .put("token", "legacy")
                .put("team_id", teamId)
                .put("team_domain", "test")
                .put("channel_id", DEFAULT_CHANNEL_ID)
                .put("channel_name", "general")
                .put("user_id", DEFAULT_USER_ID)
                .put("user_name", "tester")
                .put("command", command)
                .put("text", Objects.requireNonNull(text, "text"))
                .put("api_app_id", apiAppId)
                .put("is_enterprise_install", "false")
                .put("response_url", RESPONSE_URL_BASE + "commands/" + teamId + "/" + n
                        + "/test")
                .put("trigger_id", triggerId(n));
        return SlackRequestBuilder.slashCommand(this, fields);
    }

    /**
     * Starts a {@code block_actions} interaction: a click on a button with an
     * {@code action_id}, in a message in channel {@value #DEFAULT_CHANNEL_ID}, by user
     * {@value #DEFAULT_USER_ID}; sent form-encoded as one {@code payload} field.
     *
     * @param actionId the element's {@code action_id}
     * @param value the button's {@code value}
     * @return a builder for the request; {@link SlackRequestBuilder#editPayload} changes the
     *     JSON
     */
    public SlackRequestBuilder blockAction(String actionId, String value) {
        long n = nextSequence();
        ObjectNode payload = interaction("block_actions", n);
        payload.putObject("container").put("type", "message")
                .put("channel_id", DEFAULT_CHANNEL_ID);
        payload.putObject("channel").put("id", DEFAULT_CHANNEL_ID).put("name", "general");
        payload.put("response_url", RESPONSE_URL_BASE + "actions/" + teamId + "/" + n
                + "/test");
        payload.putArray("actions").addObject()
                .put("type", "button")
                .put("action_id", requireText(actionId, "action id"))
                .put("block_id", "block-" + n)
                .put("value", Objects.requireNonNull(value, "value"))
                .put("action_ts", clock.instant().getEpochSecond() + ".000" + n % 1000);
        return SlackRequestBuilder.interaction(this, payload);
    }

    /**
     * Starts a {@code view_submission} interaction: a modal with a {@code callback_id}
     * submitted by user {@value #DEFAULT_USER_ID}.
     *
     * @param callbackId the view's {@code callback_id}
     * @param values the input values, as Slack nests them at {@code view.state.values}
     *     ({@code {"block_id": {"action_id": {"type": ..., "value": ...}}}}); copied
     * @return a builder for the request
     */
    public SlackRequestBuilder viewSubmission(String callbackId, ObjectNode values) {
        long n = nextSequence();
        ObjectNode payload = interaction("view_submission", n);
        ObjectNode view = payload.putObject("view").put("id", "V0TEST" + n).put("type", "modal")
                .put("callback_id", requireText(callbackId, "callback id"))
                .put("team_id", teamId).put("app_id", apiAppId);
        view.putObject("state").set("values", Objects.requireNonNull(values, "values")
                .deepCopy());
        return SlackRequestBuilder.interaction(this, payload);
    }

    /**
     * Starts a global {@code shortcut} interaction with a {@code callback_id}, run by user
     * {@value #DEFAULT_USER_ID}.
     *
     * @param callbackId the shortcut's {@code callback_id}
     * @return a builder for the request
     */
    public SlackRequestBuilder shortcut(String callbackId) {
        long n = nextSequence();
        ObjectNode payload = interaction("shortcut", n)
                .put("callback_id", requireText(callbackId, "callback id"))
                .put("action_ts", clock.instant().getEpochSecond() + ".000" + n % 1000);
        return SlackRequestBuilder.interaction(this, payload);
    }

    /**
     * Starts a message shortcut ({@code message_action}) with a {@code callback_id}, run by
     * user {@value #DEFAULT_USER_ID} on a message in channel {@value #DEFAULT_CHANNEL_ID}.
     *
     * @param callbackId the shortcut's {@code callback_id}
     * @param messageTs the {@code ts} of the message
     * @param messageText the message's text
     * @return a builder for the request
     */
    public SlackRequestBuilder messageShortcut(String callbackId, String messageTs,
            String messageText) {
        long n = nextSequence();
        ObjectNode payload = interaction("message_action", n)
                .put("callback_id", requireText(callbackId, "callback id"))
                .put("message_ts", requireText(messageTs, "message ts"))
                .put("response_url", RESPONSE_URL_BASE + "app/" + teamId + "/" + n
                        + "/test");
        payload.putObject("channel").put("id", DEFAULT_CHANNEL_ID).put("name", "general");
        payload.putObject("message").put("type", "message").put("user", DEFAULT_USER_ID)
                .put("ts", messageTs)
                .put("text", Objects.requireNonNull(messageText, "messageText"));
        return SlackRequestBuilder.interaction(this, payload);
    }

    private ObjectNode interaction(String type, long n) {
        ObjectNode payload = JsonNodeFactory.instance.objectNode()
                .put("type", type)
                .put("token", "legacy")
                .put("api_app_id", apiAppId)
                .put("trigger_id", triggerId(n))
                .put("is_enterprise_install", false);
        payload.putObject("team").put("id", teamId).put("domain", "test");
        payload.putObject("user").put("id", DEFAULT_USER_ID).put("username", "tester")
                .put("team_id", teamId);
        return payload;
    }

    private ObjectNode messageEvent(String channel, String subtype) {
        String id = requireText(channel, "channel");
        return JsonNodeFactory.instance.objectNode()
                .put("type", "message")
                .put("subtype", subtype)
                .put("hidden", true)
                .put("channel", id)
                .put("channel_type", id.startsWith("D") ? "im"
                        : id.startsWith("G") ? "group" : "channel");
    }

    private String triggerId(long n) {
        return clock.instant().getEpochSecond() + "." + n + "."
                + UUID.randomUUID().toString().replace("-", "");
    }

    /**
     * Starts an event of any type, in an {@code event_callback} envelope.
     *
     * @param type the event type, such as {@code app_mention} or {@code reaction_added}
     * @param innerEvent the event's fields; copied. {@code type} is set, and {@code event_ts}
     *     added when missing
     * @return a builder for the request
     * @throws IllegalArgumentException if the inner event has a different {@code type}
     */
    public SlackRequestBuilder event(String type, ObjectNode innerEvent) {
        return SlackRequestBuilder.event(this, requireText(type, "event type"),
                Objects.requireNonNull(innerEvent, "innerEvent"));
    }

    /**
     * Starts the {@code url_verification} handshake Slack sends when a Request URL is saved.
     *
     * @param challenge the value the service must answer with
     * @return a builder for the request
     */
    public SlackRequestBuilder urlVerification(String challenge) {
        return SlackRequestBuilder.urlVerification(this, requireText(challenge, "challenge"));
    }

    /**
     * Starts a request with a body given byte for byte, such as a form-encoded slash command.
     *
     * @param contentType the {@code Content-Type} header
     * @param body the body, copied
     * @return a builder for the request
     */
    public SlackRequestBuilder rawBody(String contentType, byte[] body) {
        return SlackRequestBuilder.raw(this, requireText(contentType, "content type"),
                Objects.requireNonNull(body, "body").clone());
    }

    Secret secret() {
        return secret;
    }

    Clock clock() {
        return clock;
    }

    String teamId() {
        return teamId;
    }

    String apiAppId() {
        return apiAppId;
    }

    String botUserId() {
        return botUserId;
    }

    String path() {
        return delivery.path();
    }

    long nextSequence() {
        return sequence.incrementAndGet();
    }

    Delivery delivery() {
        return delivery;
    }

    private SlackSimulator with(Delivery changed) {
        return new SlackSimulator(secret, clock, teamId, apiAppId, botUserId, changed, sequence);
    }

    private static String requireText(String value, String what) {
        Objects.requireNonNull(value, what);
        if (value.isBlank()) {
            throw new IllegalArgumentException(SUBJECT + ": " + what + " is blank");
        }
        return value;
    }

    @Override
    public String toString() {
        return "SlackSimulator[team " + teamId + ", app " + apiAppId + ", path " + path()
                + ", secret " + secret + "]";
    }
}
