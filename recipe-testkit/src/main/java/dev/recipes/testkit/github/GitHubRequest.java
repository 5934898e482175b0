package dev.recipes.testkit.github;

import dev.recipes.testkit.webhook.SimulatedRequest;
import java.util.Map;
import java.util.Optional;

/**
 * One delivery built by {@link GitHubSimulator}: its headers and the exact body bytes that were
 * signed (or, when tampered with, the bytes that will be sent). It can be delivered any number
 * of times. Immutable and thread-safe.
 */
public final class GitHubRequest extends SimulatedRequest {

    private final GitHubSimulator simulator;
    private final String event;
    private final String deliveryId;

    GitHubRequest(GitHubSimulator simulator, Map<String, String> headers, byte[] body,
            String event, String deliveryId) {
        super(simulator.delivery(), headers, body);
        this.simulator = simulator;
        this.event = event;
        this.deliveryId = deliveryId;
    }

    /**
     * Returns the name of the event the request was built for, which {@code X-GitHub-Event}
     * carries unless a test replaced or left out the header.
     *
     * @return such as {@code push}
     */
    public String event() {
        return event;
    }

    /**
     * Returns the delivery's GUID, as sent in {@code X-GitHub-Delivery}.
     *
     * @return the id, or empty if the header was left out
     */
    public Optional<String> deliveryId() {
        return Optional.ofNullable(deliveryId);
    }

    /**
     * Returns the delivery as GitHub sends it again when it is redelivered from the webhook's
     * settings or through the REST API: the same {@code X-GitHub-Delivery}, headers and body.
     * GitHub signs no timestamp, so the signature is the same too.
     *
     * @return a new request equal to this one
     */
    public GitHubRequest redelivered() {
        return new GitHubRequest(simulator, headers(), body(), event, deliveryId);
    }

    @Override
    public String toString() {
        return "GitHubRequest[POST " + path() + ", " + event
                + (deliveryId == null ? "" : ", delivery " + deliveryId) + ", "
                + body().length + " bytes]";
    }
}
