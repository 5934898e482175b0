package dev.recipes.testkit.recording;

import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.core.webhook.WebhookRequest;
import dev.recipes.core.webhook.WebhookResponse;
import dev.recipes.testkit.internal.HeaderChecks;
import dev.recipes.testkit.webhook.WebhookTarget;
import java.net.URI;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Replays recorded webhook requests to a target, each signed anew by a {@link Resigner} at the
 * clock's time, so that a test can run real traffic against a service configured with the
 * test's secret.
 *
 * <pre>{@code
 * WebhookRecording push = WebhookRecording.fromResource(MyTest.class, "/recordings/push.json");
 * WebhookResponse answer = WebhookReplayer.of(Resigner.gitHub(TEST_SECRET))
 *         .withClock(clock)
 *         .withTarget(engine.webhooks())
 *         .replay(push);
 * }</pre>
 *
 * <p>The method, path, query, other headers and body bytes are replayed as recorded; headers
 * masked when recording are replayed masked unless set with {@link #withHeader(String, String)}.
 * Over HTTP, headers the client makes itself, such as {@code Host} and
 * {@code Content-Length}, come from the client. Immutable and thread-safe: each {@code with...}
 * method returns a copy.
 */
public final class WebhookReplayer {

    private static final String SUBJECT = "webhook replayer";

    private final Resigner resigner;
    private final Clock clock;
    private final WebhookTarget target;
    private final String path;
    private final Map<String, String> headers;

    private WebhookReplayer(Resigner resigner, Clock clock, WebhookTarget target, String path,
            Map<String, String> headers) {
        this.resigner = resigner;
        this.clock = clock;
        this.target = target;
        this.path = path;
        this.headers = headers;
    }

    /**
     * Returns a replayer that signs with a re-signer at the system clock's time and has no
     * target yet.
     *
     * @param resigner the scheme and test secret, such as {@code Resigner.slack(secret)}
     * @return the replayer
     */
    public static WebhookReplayer of(Resigner resigner) {
        return new WebhookReplayer(Objects.requireNonNull(resigner, "resigner"),
                Clock.systemUTC(), null, null, Map.of());
    }

    /**
     * Returns a copy that signs at a clock's time; give the service under test the same clock.
     *
     * @param clock the clock
     * @return a new replayer
     */
    public WebhookReplayer withClock(Clock clock) {
        return new WebhookReplayer(resigner, Objects.requireNonNull(clock, "clock"), target,
                path, headers);
    }

    /**
     * Returns a copy that hands requests to a handler in-process.
     *
     * @param handler the handler, such as {@code engine.webhooks()}
     * @return a new replayer
     */
    public WebhookReplayer withTarget(WebhookHandler handler) {
        return with(WebhookTarget.of(handler));
    }

    /**
     * Returns a copy that sends requests over HTTP to a server.
     *
     * @param baseUrl the server's base URL, such as {@code http://127.0.0.1:8080}
     * @return a new replayer
     * @throws IllegalArgumentException if the URL is not an {@code http(s)} URL with a host
     */
    public WebhookReplayer withTarget(URI baseUrl) {
        return with(WebhookTarget.overHttp(baseUrl));
    }

    /**
     * Returns a copy that replays to another path than the recorded one, such as where the
     * service under test is mounted.
     *
     * @param path an absolute path
     * @return a new replayer
     * @throws IllegalArgumentException if the path does not start with {@code /}
     */
    public WebhookReplayer withPath(String path) {
        if (!Objects.requireNonNull(path, "path").startsWith("/")) {
            throw new IllegalArgumentException(SUBJECT + ": path '" + HeaderChecks.escape(path)
                    + "' does not start with '/'");
        }
        return new WebhookReplayer(resigner, clock, target, path, headers);
    }

    /**
     * Returns a copy that sets a header on every replayed request, replacing the recorded
     * one: for example an {@code Authorization} that was masked when recording.
     *
     * @param name the header name, an HTTP token
     * @param value the value
     * @return a new replayer
     * @throws IllegalArgumentException if the name is not an HTTP token, or the value holds a
     *     control character
     */
    public WebhookReplayer withHeader(String name, String value) {
        HeaderChecks.requireName(SUBJECT, name);
        HeaderChecks.requireValue(SUBJECT, name, value);
        Map<String, String> more = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        more.putAll(headers);
        more.remove(name);
        more.put(name, value);
        return new WebhookReplayer(resigner, clock, target, path, more);
    }

    /**
     * Returns the request a replay sends, signed at the clock's current time, without sending
     * it.
     *
     * @param recording the recording
     * @return the request
     * @throws IllegalArgumentException if the recording lacks a header the scheme signs over
     */
    public WebhookRequest prepare(WebhookRecording recording) {
        WebhookRequest recorded = Objects.requireNonNull(recording, "recording")
                .toWebhookRequest();
        WebhookRequest moved = path == null ? recorded : new WebhookRequest(recorded.method(),
                path, recorded.query(), recorded.headers(), recorded.body());
        WebhookRequest signed = resigner.resign(moved, clock.instant());
        return headers.isEmpty() ? signed : SignedHeaders.replace(signed, headers, List.of());
    }

    /**
     * Signs a recording anew and delivers it to the target.
     *
     * @param recording the recording
     * @return the target's answer
     * @throws IllegalStateException if the replayer has no target
     * @throws IllegalArgumentException if the recording lacks a header the scheme signs over
     * @throws java.io.UncheckedIOException if the target is a server that cannot be reached
     */
    public WebhookResponse replay(WebhookRecording recording) {
        if (target == null) {
            throw new IllegalStateException(SUBJECT + ": no target to replay to; call "
                    + "withTarget(...) first");
        }
        return target.deliver(prepare(recording));
    }

    /**
     * Replays recordings one after the other, in order, each signed at the clock's time when
     * it is sent.
     *
     * @param recordings the recordings, such as {@code WebhookRecording.readAll(directory)}
     * @return the answers, in the same order
     * @throws IllegalStateException if the replayer has no target
     */
    public List<WebhookResponse> replayAll(List<WebhookRecording> recordings) {
        return Objects.requireNonNull(recordings, "recordings").stream()
                .map(this::replay)
                .toList();
    }

    private WebhookReplayer with(WebhookTarget target) {
        return new WebhookReplayer(resigner, clock, target, path, headers);
    }

    @Override
    public String toString() {
        return "WebhookReplayer[" + (target == null ? "no target" : target.toString())
                + (path == null ? "" : ", path " + path) + "]";
    }
}
