package dev.recipes.testkit.slack;

import dev.recipes.core.signature.SlackSignature;
import dev.recipes.testkit.webhook.SimulatedRequest;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One request built by {@link SlackSimulator}: its headers and the exact body bytes that were
 * signed (or, when tampered with, the bytes that will be sent). It can be delivered any number
 * of times, which is how Slack's duplicate deliveries look. Immutable and thread-safe.
 */
public final class SlackRequest extends SimulatedRequest {

    private final SlackSimulator simulator;
    private final String eventId;

    SlackRequest(SlackSimulator simulator, Map<String, String> headers, byte[] body,
            String eventId) {
        super(simulator.delivery(), headers, body);
        this.simulator = simulator;
        this.eventId = eventId;
    }

    /**
     * Returns the {@code event_id} of an {@code event_callback}.
     *
     * @return the event id, or empty for other requests
     */
    public Optional<String> eventId() {
        return Optional.ofNullable(eventId);
    }

    /**
     * Returns the same body delivered again as Slack redelivers it: signed anew with the
     * simulator's secret at the clock's current time, with the retry headers set.
     *
     * @param retryNum the attempt, 1 to 3 for Slack
     * @param reason why, such as {@code http_timeout}
     * @return a new request with the same body and event id
     * @throws IllegalArgumentException if the number is not positive, or the reason is blank or
     *     holds a control character
     */
    public SlackRequest redelivered(int retryNum, String reason) {
        if (retryNum < 1) {
            throw new IllegalArgumentException("slack request: retry number " + retryNum
                    + " must be positive");
        }
        if (Objects.requireNonNull(reason, "reason").isBlank()) {
            throw new IllegalArgumentException("slack request: retry reason is blank");
        }
        Map<String, String> again = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        again.putAll(headers());
        byte[] body = body();
        if (again.containsKey(SlackSignature.SIGNATURE_HEADER)) {
            long now = simulator.clock().instant().getEpochSecond();
            again.put(SlackSignature.TIMESTAMP_HEADER, Long.toString(now));
            again.put(SlackSignature.SIGNATURE_HEADER,
                    SlackSignature.of(simulator.secret()).sign(now, body));
        }
        again.put(SlackRequestBuilder.RETRY_NUM_HEADER, Integer.toString(retryNum));
        again.put(SlackRequestBuilder.RETRY_REASON_HEADER,
                SlackRequestBuilder.requireHeaderValue(SlackRequestBuilder.RETRY_REASON_HEADER,
                        reason));
        return new SlackRequest(simulator, again, body, eventId);
    }

    @Override
    public String toString() {
        return "SlackRequest[POST " + path() + (eventId == null ? "" : ", event " + eventId)
                + ", " + body().length + " bytes]";
    }
}
