package dev.recipes.testkit.github;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.core.Secret;
import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.testkit.internal.Delivery;
import dev.recipes.testkit.internal.HeaderChecks;
import dev.recipes.testkit.internal.SimulatorSupport;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Plays GitHub in tests: builds webhook deliveries with the headers and payload shapes GitHub
 * sends, signed with {@code X-Hub-Signature-256}, and delivers them to a webhook handler
 * in-process or to a server over HTTP.
 *
 * <pre>{@code
 * GitHubSimulator github = GitHubSimulator.of(Secret.of("test-webhook-secret"))
 *         .withTarget(engine.webhooks());
 *
 * github.ping().send();
 * github.issues("opened", 7, "Crash on start").send();
 * github.push("refs/heads/main", "Fix the build").send();
 * github.pullRequest("opened", 12, "Add retries").tamperAfterSigning().send();   // 401
 * }</pre>
 *
 * <p>Requests are signed with {@link dev.recipes.core.signature.GitHubSignature}, the code that
 * services verify with, over the exact body bytes that are sent. GitHub signs no timestamp, so
 * the clock only dates the payloads. The simulator is immutable and thread-safe: each
 * {@code with...} method returns a copy. Its {@link #toString()} never shows the secret.
 */
public final class GitHubSimulator {

    /** The path GitHub posts to on the engine: the webhook path of the {@code github} service. */
    public static final String DEFAULT_PATH = "/hooks/github";

    /** The repository the events happen in unless another is set. */
    public static final String DEFAULT_REPOSITORY = "octo-org/hello-world";

    /** The user who causes the events unless another is set. */
    public static final String DEFAULT_SENDER = "octocat";

    /** The webhook's id, sent in {@code X-GitHub-Hook-ID}, unless another is set. */
    public static final long DEFAULT_HOOK_ID = 480_516_237L;

    private static final String SUBJECT = "github simulator";
    private static final Pattern FULL_NAME = Pattern.compile("[A-Za-z0-9._-]+/[A-Za-z0-9._-]+");
    private static final Pattern LOGIN = Pattern.compile("[A-Za-z0-9-]{1,39}");
    private static final Pattern EVENT_NAME = Pattern.compile("[a-z0-9_]{1,64}");
    private static final Pattern TARGET_TYPE = Pattern.compile("[a-z_]{1,32}");

    private final Secret secret;
    private final Clock clock;
    private final String repository;
    private final String sender;
    private final long hookId;
    private final String targetType;
    private final Long targetId;
    private final Delivery delivery;

    private GitHubSimulator(Secret secret, Clock clock, String repository, String sender,
            long hookId, String targetType, Long targetId, Delivery delivery) {
        this.secret = secret;
        this.clock = clock;
        this.repository = repository;
        this.sender = sender;
        this.hookId = hookId;
        this.targetType = targetType;
        this.targetId = targetId;
        this.delivery = delivery;
    }

    /**
     * Returns a simulator that signs with a webhook secret and dates payloads by the system
     * clock.
     *
     * @param webhookSecret the webhook's secret, as the service under test is configured
     * @return the simulator
     */
    public static GitHubSimulator of(Secret webhookSecret) {
        return of(webhookSecret, Clock.systemUTC());
    }

    /**
     * Returns a simulator that signs with a webhook secret and dates payloads by a clock.
     *
     * @param webhookSecret the webhook's secret, as the service under test is configured
     * @param clock the clock for the times in payloads; give the engine the same
     * @return the simulator
     */
    public static GitHubSimulator of(Secret webhookSecret, Clock clock) {
        return new GitHubSimulator(Objects.requireNonNull(webhookSecret, "webhookSecret"),
                Objects.requireNonNull(clock, "clock"), DEFAULT_REPOSITORY, DEFAULT_SENDER,
                DEFAULT_HOOK_ID, "repository", null,
                Delivery.of(SUBJECT, "github request", DEFAULT_PATH));
    }

    /**
     * Returns a copy whose events happen in another repository.
     *
     * @param fullName the repository as {@code owner/name}, such as {@code octo/hello}
     * @return a new simulator
     * @throws IllegalArgumentException if the name is not of the form {@code owner/name}
     */
    public GitHubSimulator withRepository(String fullName) {
        Objects.requireNonNull(fullName, "fullName");
        if (!FULL_NAME.matcher(fullName).matches()) {
            throw new IllegalArgumentException(SUBJECT + ": repository '"
                    + HeaderChecks.escape(fullName) + "' is not of the form owner/name");
        }
        return new GitHubSimulator(secret, clock, fullName, sender, hookId, targetType,
                targetId, delivery);
    }

    /**
     * Returns a copy whose events are caused by another user, the {@code sender} of payloads.
     *
     * @param login the user's login, such as {@code hubot}
     * @return a new simulator
     * @throws IllegalArgumentException if the login is not 1 to 39 letters, digits and dashes
     */
    public GitHubSimulator withSender(String login) {
        Objects.requireNonNull(login, "login");
        if (!LOGIN.matcher(login).matches()) {
            throw new IllegalArgumentException(SUBJECT + ": sender '" + HeaderChecks.escape(login)
                    + "' is not a GitHub login (1 to 39 letters, digits and dashes)");
        }
        return new GitHubSimulator(secret, clock, repository, login, hookId, targetType,
                targetId, delivery);
    }

    /**
     * Returns a copy that sends as another webhook, in {@code X-GitHub-Hook-ID} and the
     * {@code ping} payload; {@value #DEFAULT_HOOK_ID} by default.
     *
     * @param hookId the webhook's id, positive
     * @return a new simulator
     * @throws IllegalArgumentException if the id is not positive
     */
    public GitHubSimulator withHookId(long hookId) {
        if (hookId < 1) {
            throw new IllegalArgumentException(SUBJECT + ": hook id " + hookId
                    + " must be positive");
        }
        return new GitHubSimulator(secret, clock, repository, sender, hookId, targetType,
                targetId, delivery);
    }

    /**
     * Returns a copy whose webhook was created on another kind of resource, sent in
     * {@code X-GitHub-Hook-Installation-Target-Type} and {@code -ID}. By default the webhook
     * belongs to the repository, and the id is the repository's.
     *
     * @param type such as {@code repository}, {@code organization} or {@code integration}
     * @param id the resource's id, positive
     * @return a new simulator
     * @throws IllegalArgumentException if the type is not lowercase letters and '_', or the id
     *     is not positive
     */
    public GitHubSimulator withInstallationTarget(String type, long id) {
        Objects.requireNonNull(type, "type");
        if (!TARGET_TYPE.matcher(type).matches()) {
            throw new IllegalArgumentException(SUBJECT + ": installation target type '"
                    + HeaderChecks.escape(type)
                    + "' is not lowercase letters and '_'");
        }
        if (id < 1) {
            throw new IllegalArgumentException(SUBJECT + ": installation target id " + id
                    + " must be positive");
        }
        return new GitHubSimulator(secret, clock, repository, sender, hookId, type, id,
                delivery);
    }

    /**
     * Returns a copy that posts to another path; {@value #DEFAULT_PATH} by default.
     *
     * @param path an absolute path, such as {@code /hooks/github-enterprise}
     * @return a new simulator
     * @throws IllegalArgumentException if the path does not start with {@code /}
     */
    public GitHubSimulator withPath(String path) {
        return with(delivery.withPath(path));
    }

    /**
     * Returns a copy that sends HTTP requests with another client; by default a shared HTTP/1.1
     * client.
     *
     * @param httpClient the client
     * @return a new simulator
     */
    public GitHubSimulator withHttpClient(HttpClient httpClient) {
        return with(delivery.withHttpClient(httpClient));
    }

    /**
     * Returns a copy whose {@code send()} hands requests to a handler in-process, such as
     * {@code engine.webhooks()}.
     *
     * @param handler the handler
     * @return a new simulator
     */
    public GitHubSimulator withTarget(WebhookHandler handler) {
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
    public GitHubSimulator withTarget(URI baseUrl) {
        return with(delivery.withTarget(baseUrl));
    }

    /**
     * Starts the {@code ping} GitHub sends when a webhook is created: {@code zen},
     * {@code hook_id} and the {@code hook} with its configuration, the repository and sender.
     *
     * @return a builder for the request
     */
    public GitHubRequestBuilder ping() {
        return GitHubRequestBuilder.payload(this, "ping",
                payloads().ping(hookId, delivery.path(), clock.instant()));
    }

    /**
     * Starts a {@code push} of commits to a ref, with {@code before} and {@code after} commit
     * ids, the commits, {@code head_commit}, the repository, {@code pusher} and sender.
     *
     * @param ref the full ref, such as {@code refs/heads/main}
     * @param commitMessages one message per commit pushed, oldest first; none for a push that
     *     moves the ref without new commits
     * @return a builder for the request
     * @throws IllegalArgumentException if the ref does not start with {@code refs/}
     */
    public GitHubRequestBuilder push(String ref, String... commitMessages) {
        Objects.requireNonNull(ref, "ref");
        if (!ref.startsWith("refs/") || ref.length() == "refs/".length()) {
            throw new IllegalArgumentException(SUBJECT + ": ref '" + HeaderChecks.escape(ref)
                    + "' is not a full ref such as refs/heads/main");
        }
        List<String> messages = List.of(Objects.requireNonNull(commitMessages, "commitMessages"));
        return GitHubRequestBuilder.payload(this, "push",
                payloads().push(ref, messages, clock.instant()));
    }

    /**
     * Starts an {@code issues} event: {@code action}, the {@code issue}, the repository and
     * sender.
     *
     * @param action such as {@code opened}, {@code edited} or {@code closed}
     * @param number the issue number, positive
     * @param title the issue title
     * @return a builder for the request
     * @throws IllegalArgumentException if the action is blank or the number not positive
     */
    public GitHubRequestBuilder issues(String action, long number, String title) {
        return GitHubRequestBuilder.payload(this, "issues", payloads().issues(
                requireText(action, "action"), requireNumber(number, "issue number"),
                Objects.requireNonNull(title, "title"), clock.instant()));
    }

    /**
     * Starts a {@code pull_request} event: {@code action}, {@code number}, the
     * {@code pull_request} with its head and base, the repository and sender.
     *
     * @param action such as {@code opened}, {@code synchronize} or {@code closed}
     * @param number the pull request number, positive
     * @param title the pull request title
     * @return a builder for the request
     * @throws IllegalArgumentException if the action is blank or the number not positive
     */
    public GitHubRequestBuilder pullRequest(String action, long number, String title) {
        return GitHubRequestBuilder.payload(this, "pull_request", payloads().pullRequest(
                requireText(action, "action"), requireNumber(number, "pull request number"),
                Objects.requireNonNull(title, "title"), clock.instant()));
    }

    /**
     * Starts any event with a payload given as a JSON object; {@code repository} and
     * {@code sender} are added when the payload has none.
     *
     * @param name the event name, as GitHub sends it in {@code X-GitHub-Event}, such as
     *     {@code release}
     * @param payload the payload; copied
     * @return a builder for the request
     * @throws IllegalArgumentException if the name is not lowercase letters, digits and '_'
     */
    public GitHubRequestBuilder event(String name, ObjectNode payload) {
        ObjectNode copy = Objects.requireNonNull(payload, "payload").deepCopy();
        payloads().addContext(copy, clock.instant());
        return GitHubRequestBuilder.payload(this, requireEventName(name), copy);
    }

    /**
     * Starts any event with a body given as text, sent as its UTF-8 bytes and not checked:
     * it may be malformed JSON, for negative tests.
     *
     * @param name the event name, as GitHub sends it in {@code X-GitHub-Event}
     * @param json the body
     * @return a builder for the request
     * @throws IllegalArgumentException if the name is not lowercase letters, digits and '_'
     */
    public GitHubRequestBuilder event(String name, String json) {
        return GitHubRequestBuilder.raw(this, requireEventName(name),
                Objects.requireNonNull(json, "json").getBytes(StandardCharsets.UTF_8));
    }

    Secret secret() {
        return secret;
    }

    Clock clock() {
        return clock;
    }

    long hookId() {
        return hookId;
    }

    String targetType() {
        return targetType;
    }

    long targetId() {
        return targetId != null ? targetId : GitHubPayloads.repositoryId(repository);
    }

    Delivery delivery() {
        return delivery;
    }

    private GitHubPayloads payloads() {
        return new GitHubPayloads(repository, sender);
    }

    private GitHubSimulator with(Delivery changed) {
        return new GitHubSimulator(secret, clock, repository, sender, hookId, targetType,
                targetId, changed);
    }

    private static String requireEventName(String name) {
        Objects.requireNonNull(name, "name");
        if (!EVENT_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(SUBJECT + ": event name '"
                    + HeaderChecks.escape(name)
                    + "' is not lowercase letters, digits and '_'");
        }
        return name;
    }

    private static String requireText(String value, String what) {
        return SimulatorSupport.requireText(SUBJECT, value, what);
    }

    private static long requireNumber(long number, String what) {
        if (number < 1) {
            throw new IllegalArgumentException(SUBJECT + ": " + what + " " + number
                    + " must be positive");
        }
        return number;
    }

    @Override
    public String toString() {
        return "GitHubSimulator[repository " + repository + ", hook " + hookId + ", path "
                + delivery.path() + ", secret " + secret + "]";
    }
}
