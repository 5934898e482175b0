package dev.recipes.testkit.standardwebhooks;

import com.fasterxml.jackson.databind.JsonNode;
import dev.recipes.core.Secret;
import dev.recipes.core.webhook.WebhookHandler;
import dev.recipes.testkit.internal.Delivery;
import dev.recipes.testkit.internal.HeaderChecks;
import dev.recipes.testkit.internal.SimulatorSupport;
import java.net.URI;
import java.net.http.HttpClient;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Plays a sender of Standard Webhooks in tests: builds requests with {@code webhook-id},
 * {@code webhook-timestamp} and {@code webhook-signature}, a JSON payload of
 * {@code {"type", "timestamp", "data"}} (or any body), and delivers them to a webhook handler
 * in-process or to a server over HTTP.
 *
 * <pre>{@code
 * Secret secret = StandardWebhooksSimulator.newSecret();        // whsec_...
 * StandardWebhooksSimulator sender = StandardWebhooksSimulator.of(secret)
 *         .withClock(clock)
 *         .withSource("billing")                                // posts to /hooks/webhook/billing
 *         .withTarget(engine.webhooks());
 *
 * ObjectNode data = JsonNodeFactory.instance.objectNode().put("invoice", "in_42");
 * sender.event("invoice.paid", data).send();
 * sender.event("invoice.paid", data).stale().send();            // refused: outside the window
 * }</pre>
 *
 * <p>Requests are signed with {@link dev.recipes.core.signature.StandardWebhooksSignature}, the
 * code that services verify with: one {@code v1} entry per {@code whsec_} secret and one
 * {@code v1a} entry per Ed25519 private key, space-separated in one header, as a sender does
 * while it rotates keys. Timestamps come from the clock; verify with the same clock. The
 * simulator is immutable and thread-safe: each {@code with...} method returns a copy. Its
 * {@link #toString()} never shows a secret.
 */
public final class StandardWebhooksSimulator {

    /** What the path of a source starts with: the generic {@code webhook} service's path. */
    public static final String PATH_PREFIX = "/hooks/webhook/";

    /** The source the simulator posts for unless another is set. */
    public static final String DEFAULT_SOURCE = "default";

    /** The path the simulator posts to unless another is set. */
    public static final String DEFAULT_PATH = PATH_PREFIX + DEFAULT_SOURCE;

    private static final String SUBJECT = "standard webhooks simulator";
    private static final Pattern SOURCE = Pattern.compile("[a-z0-9][a-z0-9_-]{0,63}");
    private static final int SECRET_BYTES = 32;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Signer signer;
    private final Clock clock;
    private final Delivery delivery;

    private StandardWebhooksSimulator(Signer signer, Clock clock, Delivery delivery) {
        this.signer = signer;
        this.clock = clock;
        this.delivery = delivery;
    }

    /**
     * Returns a simulator that signs with one or more {@code whsec_} secrets, one {@code v1}
     * entry each, and reads the time from the system clock.
     *
     * @param first the first secret
     * @param more further secrets, such as the one being rotated in
     * @return the simulator
     * @throws IllegalArgumentException if a secret is not base64 after its optional
     *     {@code whsec_} prefix
     */
    public static StandardWebhooksSimulator of(Secret first, Secret... more) {
        return of(list(first, more));
    }

    /**
     * Returns a simulator that signs with a list of {@code whsec_} secrets, one {@code v1}
     * entry each, and reads the time from the system clock.
     *
     * @param secrets the secrets, not empty
     * @return the simulator
     * @throws IllegalArgumentException if the list is empty, or a secret is not base64 after
     *     its optional {@code whsec_} prefix
     */
    public static StandardWebhooksSimulator of(List<Secret> secrets) {
        return new StandardWebhooksSimulator(Signer.ofSecrets(secrets), Clock.systemUTC(),
                Delivery.of(SUBJECT, "standard webhooks request", DEFAULT_PATH));
    }

    /**
     * Returns a simulator that signs with one or more Ed25519 private keys, one {@code v1a}
     * entry each, and reads the time from the system clock. Verify with the public keys.
     *
     * @param first the first key
     * @param more further keys
     * @return the simulator
     * @throws IllegalArgumentException if a key is not an Ed25519 private key
     */
    public static StandardWebhooksSimulator ofEd25519(PrivateKey first, PrivateKey... more) {
        return new StandardWebhooksSimulator(Signer.ofKeys(list(first, more)), Clock.systemUTC(),
                Delivery.of(SUBJECT, "standard webhooks request", DEFAULT_PATH));
    }

    /**
     * Makes a random secret in the form senders hand out: {@code whsec_} and the base64 of 32
     * random bytes.
     *
     * @return a new secret
     */
    public static Secret newSecret() {
        byte[] key = new byte[SECRET_BYTES];
        RANDOM.nextBytes(key);
        return Secret.of("whsec_" + Base64.getEncoder().encodeToString(key));
    }

    /**
     * Returns a copy that reads the time from a clock, for {@code webhook-timestamp} and the
     * payload's {@code timestamp}; give the engine the same.
     *
     * @param clock the clock
     * @return a new simulator
     */
    public StandardWebhooksSimulator withClock(Clock clock) {
        return new StandardWebhooksSimulator(signer, Objects.requireNonNull(clock, "clock"),
                delivery);
    }

    /**
     * Returns a copy that posts for another source, to {@value #PATH_PREFIX}{@code <source>}.
     *
     * @param source the source's name: lowercase letters, digits, '-' and '_', starting with a
     *     letter or digit, at most 64 characters
     * @return a new simulator
     * @throws IllegalArgumentException if the name is not of that form
     */
    public StandardWebhooksSimulator withSource(String source) {
        Objects.requireNonNull(source, "source");
        if (!SOURCE.matcher(source).matches()) {
            throw new IllegalArgumentException(SUBJECT + ": source '"
                    + HeaderChecks.escape(source) + "' is not 1 to 64 lowercase letters, "
                    + "digits, '-' and '_', starting with a letter or digit");
        }
        return with(delivery.withPath(PATH_PREFIX + source));
    }

    /**
     * Returns a copy that posts to another path; {@value #DEFAULT_PATH} by default.
     *
     * @param path an absolute path
     * @return a new simulator
     * @throws IllegalArgumentException if the path does not start with {@code /}
     */
    public StandardWebhooksSimulator withPath(String path) {
        return with(delivery.withPath(path));
    }

    /**
     * Returns a copy that sends HTTP requests with another client; by default a shared HTTP/1.1
     * client.
     *
     * @param httpClient the client
     * @return a new simulator
     */
    public StandardWebhooksSimulator withHttpClient(HttpClient httpClient) {
        return with(delivery.withHttpClient(httpClient));
    }

    /**
     * Returns a copy whose {@code send()} hands requests to a handler in-process.
     *
     * @param handler the handler, such as {@code engine.webhooks()}
     * @return a new simulator
     */
    public StandardWebhooksSimulator withTarget(WebhookHandler handler) {
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
    public StandardWebhooksSimulator withTarget(URI baseUrl) {
        return with(delivery.withTarget(baseUrl));
    }

    /**
     * Starts an event in the payload shape the Standard Webhooks specification recommends:
     * {@code {"type": ..., "timestamp": ..., "data": ...}}.
     *
     * @param type the event type, such as {@code invoice.paid}
     * @param data the event's data; copied
     * @return a builder for the request
     * @throws IllegalArgumentException if the type is blank
     */
    public StandardWebhooksRequestBuilder event(String type, JsonNode data) {
        return StandardWebhooksRequestBuilder.event(this,
                SimulatorSupport.requireText(SUBJECT, type, "event type"),
                Objects.requireNonNull(data, "data").deepCopy());
    }

    /**
     * Starts a request with a body given byte for byte.
     *
     * @param contentType the {@code Content-Type} header
     * @param body the body, copied
     * @return a builder for the request
     * @throws IllegalArgumentException if the content type is blank or holds a control
     *     character
     */
    public StandardWebhooksRequestBuilder rawBody(String contentType, byte[] body) {
        return StandardWebhooksRequestBuilder.raw(this,
                SimulatorSupport.requireText(SUBJECT, contentType, "content type"),
                Objects.requireNonNull(body, "body").clone());
    }

    Signer signer() {
        return signer;
    }

    Clock clock() {
        return clock;
    }

    Delivery delivery() {
        return delivery;
    }

    private StandardWebhooksSimulator with(Delivery changed) {
        return new StandardWebhooksSimulator(signer, clock, changed);
    }

    @SafeVarargs
    private static <T> List<T> list(T first, T... more) {
        Objects.requireNonNull(more, "more");
        List<T> all = new ArrayList<>(1 + more.length);
        all.add(first);
        for (T one : more) {
            all.add(one);
        }
        return all;
    }

    @Override
    public String toString() {
        return "StandardWebhooksSimulator[path " + delivery.path() + ", " + signer + "]";
    }
}
