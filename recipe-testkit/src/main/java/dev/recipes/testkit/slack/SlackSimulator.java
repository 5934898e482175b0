package dev.recipes.testkit.slack;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Secret;
import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.testkit.internal.Delivery;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Plays Slack in tests: builds Events API requests shaped and signed as Slack sends them, and
 * delivers them to a webhook handler in-process or to a server over HTTP.
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

    private static final String SUBJECT = "slack simulator";

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
