package dev.recipes.testkit.standardwebhooks;

import dev.recipes.core.signature.StandardWebhooksSignature;
import dev.recipes.testkit.webhook.SimulatedRequest;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One request built by {@link StandardWebhooksSimulator}: its headers and the exact body bytes
 * that were signed (or, when tampered with, the bytes that will be sent). It can be delivered
 * any number of times. Immutable and thread-safe.
 */
public final class StandardWebhooksRequest extends SimulatedRequest {

    private final StandardWebhooksSimulator simulator;
    private final byte[] signedBody;
    private final String messageId;
    private final Signer signer;

    StandardWebhooksRequest(StandardWebhooksSimulator simulator, Map<String, String> headers,
            byte[] signedBody, byte[] body, String messageId, Signer signer) {
        super(simulator.delivery(), headers, body);
        this.simulator = simulator;
        this.signedBody = signedBody.clone();
        this.messageId = messageId;
        this.signer = signer;
    }

    /**
     * Returns the message id the request was built with, which {@code webhook-id} carries
     * unless a test replaced or left out the header.
     *
     * @return such as {@code msg_2b5Yx3kQ9CwTnKb0fDzLrVh1aPe}
     */
    public String messageId() {
        return messageId;
    }

    /**
     * Returns the signing time, from {@code webhook-timestamp}.
     *
     * @return the time, or empty if the header was left out or is not Unix seconds
     */
    public Optional<Instant> timestamp() {
        try {
            return header(StandardWebhooksSignature.TIMESTAMP_HEADER)
                    .map(value -> Instant.ofEpochSecond(Long.parseLong(value)));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * Returns the message as its sender delivers it again after a failure: the same
     * {@code webhook-id} and body, with {@code webhook-timestamp} set to the clock's current
     * time and {@code webhook-signature} made anew with the same keys (a request sent unsigned
     * stays unsigned, one tampered with stays tampered with, and signature and timestamp
     * headers set or left out by hand are kept as they were).
     *
     * @return a new request with the same id and body
     */
    public StandardWebhooksRequest redelivered() {
        Map<String, String> again = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        again.putAll(headers());
        long now = simulator.clock().instant().getEpochSecond();
        if (signer != null) {
            again.put(StandardWebhooksSignature.TIMESTAMP_HEADER, Long.toString(now));
            again.put(StandardWebhooksSignature.SIGNATURE_HEADER,
                    signer.sign(messageId, now, signedBody));
        }
        return new StandardWebhooksRequest(simulator, again, signedBody, body(), messageId,
                signer);
    }

    @Override
    public String toString() {
        return "StandardWebhooksRequest[POST " + path() + ", " + messageId + ", "
                + body().length + " bytes]";
    }
}
