package dev.recipes.benchmarks;

import dev.recipes.core.Secret;
import dev.recipes.core.signature.SlackSignature;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * Signed Slack Events API deliveries, as whole HTTP/1.1 requests ready to write to a socket:
 * each one a {@code message} event with an {@code event_id} of its own, signed with {@code v0}
 * at one timestamp, so that the load driver spends no time signing while it measures.
 */
final class SlackRequests {

    /** The path of the Slack service's webhook. */
    static final String PATH = "/hooks/slack";

    private final byte[][] requests;
    private final String[] eventIds;

    private SlackRequests(byte[][] requests, String[] eventIds) {
        this.requests = requests;
        this.eventIds = eventIds;
    }

    /**
     * Signs a batch of deliveries with event ids {@code <prefix>-<first>} onwards.
     *
     * @param secret the signing secret the servers check against
     * @param prefix what every event id starts with: letters and digits, unique to the batch
     * @param count how many deliveries
     * @param now the signing time, which must stay within five minutes of the servers' clocks
     *     until the batch is sent
     * @return the batch
     */
    static SlackRequests sign(Secret secret, String prefix, int count, Instant now) {
        SlackSignature signature = SlackSignature.of(secret);
        long timestamp = now.getEpochSecond();
        byte[][] requests = new byte[count][];
        String[] ids = new String[count];
        for (int i = 0; i < count; i++) {
            ids[i] = prefix + "-" + i;
            byte[] body = body(ids[i], timestamp).getBytes(StandardCharsets.UTF_8);
            requests[i] = request(body, timestamp, signature.sign(timestamp, body));
        }
        return new SlackRequests(requests, ids);
    }

    /**
     * Returns the number of deliveries.
     *
     * @return the count
     */
    int size() {
        return requests.length;
    }

    /**
     * Returns one whole request, headers and body; the array is shared, not copied.
     *
     * @param index from 0 to {@link #size()} - 1
     * @return the bytes to write
     */
    byte[] request(int index) {
        return requests[index];
    }

    /**
     * Returns the event id of one delivery.
     *
     * @param index from 0 to {@link #size()} - 1
     * @return the event id
     */
    String eventId(int index) {
        return eventIds[index];
    }

    // About the size and shape of a real delivery of a message posted in a channel.
    private static String body(String eventId, long timestamp) {
        return "{\"token\":\"bench0token\",\"team_id\":\"T0BENCH\",\"api_app_id\":\"A0BENCH\","
                + "\"event\":{\"type\":\"message\",\"channel\":\"C0BENCH\","
                + "\"user\":\"U0BENCH\",\"text\":\"order #42 shipped to the customer\","
                + "\"ts\":\"" + timestamp + ".000100\",\"channel_type\":\"channel\","
                + "\"event_ts\":\"" + timestamp + ".000100\"},"
                + "\"type\":\"event_callback\",\"event_id\":\"" + eventId + "\","
                + "\"event_time\":" + timestamp + ",\"authorizations\":[{\"enterprise_id\":null,"
                + "\"team_id\":\"T0BENCH\",\"user_id\":\"U0BOT\",\"is_bot\":true,"
                + "\"is_enterprise_install\":false}],\"is_ext_shared_channel\":false,"
                + "\"event_context\":\"4-bench\"}";
    }

    private static byte[] request(byte[] body, long timestamp, String signature) {
        String head = "POST " + PATH + " HTTP/1.1\r\n"
                + "Host: 127.0.0.1\r\n"
                + "User-Agent: Slackbot 1.0 (+https://api.slack.com/robots)\r\n"
                + "Content-Type: application/json\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + SlackSignature.TIMESTAMP_HEADER + ": " + timestamp + "\r\n"
                + SlackSignature.SIGNATURE_HEADER + ": " + signature + "\r\n"
                + "\r\n";
        byte[] headBytes = head.getBytes(StandardCharsets.US_ASCII);
        byte[] whole = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, whole, 0, headBytes.length);
        System.arraycopy(body, 0, whole, headBytes.length, body.length);
        return whole;
    }
}
