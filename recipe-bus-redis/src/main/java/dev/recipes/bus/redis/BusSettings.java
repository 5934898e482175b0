package dev.recipes.bus.redis;

import java.time.Duration;

/**
 * The settings of one {@link RedisEventBus}, checked by its builder, and the names of the keys
 * it uses.
 *
 * @param prefix what every key starts with
 * @param maxLen about how many entries each stream keeps
 * @param claimIdle how long an entry stays unacknowledged before another consumer takes it
 * @param maxDeliveries how often an entry is delivered before it goes to the dead stream
 * @param batchSize how many entries a consumer reads or claims at once
 * @param pollTimeout how long a consumer's read blocks while the stream is empty
 * @param instanceId what the names of this bus's consumers start with
 */
record BusSettings(String prefix, long maxLen, Duration claimIdle, int maxDeliveries,
        int batchSize, Duration pollTimeout, String instanceId) {

    private static final Duration SHORTEST_CLAIM_INTERVAL = Duration.ofMillis(10);
    private static final Duration LONGEST_CLAIM_INTERVAL = Duration.ofSeconds(5);

    // Limitation: the keys of one bus hash to different slots, so the scripts that touch two of
    // them at once do not run on Redis Cluster.
    String stream(String topic) {
        return prefix + topic;
    }

    String deadStream() {
        return prefix + "dead";
    }

    String delayedSet() {
        return prefix + "delayed";
    }

    /** How often a consumer looks for entries left idle too long: half the idle time. */
    Duration claimInterval() {
        Duration half = claimIdle.dividedBy(2);
        if (half.compareTo(SHORTEST_CLAIM_INTERVAL) < 0) {
            return SHORTEST_CLAIM_INTERVAL;
        }
        return half.compareTo(LONGEST_CLAIM_INTERVAL) > 0 ? LONGEST_CLAIM_INTERVAL : half;
    }
}
