package dev.recipes.testkit.recording;

import dev.recipes.core.Secret;
import dev.recipes.core.signature.GitHubSignature;
import dev.recipes.core.signature.SlackSignature;
import dev.recipes.core.signature.StandardWebhooksSignature;
import dev.recipes.core.signature.StripeStyleSignature;
import dev.recipes.core.webhook.WebhookRequest;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Replaces a recorded request's signature with one made with a test's secret, and its signed
 * timestamp with the test clock's time, leaving the body untouched. A recording signed with a
 * production secret, long ago, so becomes a request that a service configured with the test
 * secret accepts now.
 *
 * <pre>{@code
 * WebhookReplayer.of(Resigner.gitHub(Secret.of("test-webhook-secret")))
 *         .withTarget(engine.webhooks())
 *         .replay(recording);
 * }</pre>
 *
 * <p>Each scheme is signed with the catalogue code in {@code dev.recipes.core.signature} that
 * services verify with. Implementations are immutable and thread-safe.
 */
@FunctionalInterface
public interface Resigner {

    /**
     * Returns the request signed anew.
     *
     * @param request the recorded request
     * @param now the time to sign at
     * @return the same method, path, query and body, with the signature headers replaced
     * @throws IllegalArgumentException if the request lacks a header the scheme signs over
     */
    WebhookRequest resign(WebhookRequest request, Instant now);

    /**
     * Returns a re-signer that changes nothing: the request is replayed as recorded, so a
     * service with another secret, or a replay window, must refuse it.
     *
     * @return the re-signer
     */
    static Resigner none() {
        return (request, now) -> Objects.requireNonNull(request, "request");
    }

    /**
     * Returns a re-signer for Slack's {@code v0}: sets {@code X-Slack-Request-Timestamp} to
     * the time and {@code X-Slack-Signature} to the signature over it and the body.
     *
     * @param signingSecret the test's signing secret
     * @return the re-signer
     */
    static Resigner slack(Secret signingSecret) {
        SlackSignature scheme = SlackSignature.of(
                Objects.requireNonNull(signingSecret, "signingSecret"));
        return (request, now) -> {
            long seconds = now.getEpochSecond();
            return SignedHeaders.replace(request, Map.of(
                    SlackSignature.TIMESTAMP_HEADER, Long.toString(seconds),
                    SlackSignature.SIGNATURE_HEADER, scheme.sign(seconds, request.body())),
                    List.of());
        };
    }

    /**
     * Returns a re-signer for GitHub: sets {@code X-Hub-Signature-256} to the signature over
     * the body. GitHub signs no timestamp. The legacy SHA-1 {@code X-Hub-Signature} is removed,
     * since it cannot be made anew here.
     *
     * @param webhookSecret the test's webhook secret
     * @return the re-signer
     */
    static Resigner gitHub(Secret webhookSecret) {
        GitHubSignature scheme = GitHubSignature.of(
                Objects.requireNonNull(webhookSecret, "webhookSecret"));
        return (request, now) -> SignedHeaders.replace(request,
                Map.of(GitHubSignature.SIGNATURE_HEADER, scheme.sign(request.body())),
                List.of("X-Hub-Signature"));
    }

    /**
     * Returns a re-signer for Standard Webhooks {@code v1}: keeps {@code webhook-id}, sets
     * {@code webhook-timestamp} to the time and {@code webhook-signature} to one entry per
     * secret.
     *
     * @param first the test's first {@code whsec_} secret
     * @param more further secrets, each adding an entry
     * @return the re-signer
     * @throws IllegalArgumentException if a secret is not base64 after its optional
     *     {@code whsec_} prefix
     */
    static Resigner standardWebhooks(Secret first, Secret... more) {
        Objects.requireNonNull(more, "more");
        List<StandardWebhooksSignature> schemes = new ArrayList<>();
        schemes.add(StandardWebhooksSignature.of(Objects.requireNonNull(first, "first")));
        Arrays.stream(more).forEach(secret -> schemes.add(StandardWebhooksSignature.of(
                Objects.requireNonNull(secret, "secret"))));
        return (request, now) -> SignedHeaders.standardWebhooks(request, now, (id, ts, body) ->
                String.join(" ", schemes.stream().map(s -> s.sign(id, ts, body)).toList()));
    }

    /**
     * Returns a re-signer for Standard Webhooks {@code v1a}: keeps {@code webhook-id}, sets
     * {@code webhook-timestamp} to the time and {@code webhook-signature} to an Ed25519
     * signature with the key.
     *
     * @param key the test's Ed25519 private key; verify with its public key
     * @return the re-signer
     * @throws IllegalArgumentException if the key is not an Ed25519 private key
     */
    static Resigner standardWebhooksEd25519(PrivateKey key) {
        Objects.requireNonNull(key, "key");
        StandardWebhooksSignature.signEd25519(key, "msg_check", 0, new byte[0]);
        return (request, now) -> SignedHeaders.standardWebhooks(request, now, (id, ts, body) ->
                StandardWebhooksSignature.signEd25519(key, id, ts, body));
    }

    /**
     * Returns a re-signer for Stripe-style signatures: sets {@code Stripe-Signature} to
     * {@code t=<time>,v1=<signature>}.
     *
     * @param endpointSecret the test's endpoint secret
     * @return the re-signer
     */
    static Resigner stripeStyle(Secret endpointSecret) {
        StripeStyleSignature scheme = StripeStyleSignature.of(
                Objects.requireNonNull(endpointSecret, "endpointSecret"));
        return (request, now) -> SignedHeaders.replace(request, Map.of(
                StripeStyleSignature.SIGNATURE_HEADER,
                scheme.sign(now.getEpochSecond(), request.body())), List.of());
    }
}
