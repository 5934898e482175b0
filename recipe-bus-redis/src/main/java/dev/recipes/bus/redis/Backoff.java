package dev.recipes.bus.redis;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Counts the failures of one connection in a row and says how long to wait before the next
 * try: 100 ms doubling up to 5 s, each wait drawn between half and all of that, so that many
 * consumers that lost the server at once do not all come back at once. Not thread-safe: each
 * thread that reconnects has its own.
 */
final class Backoff {

    private static final long FIRST_MILLIS = 100;
    private static final long CAP_MILLIS = 5_000;

    private int failures;

    /** Records a failure; returns {@code true} if it is the first of an outage. */
    boolean failed() {
        failures++;
        return failures == 1;
    }

    /** Returns how long to wait after the failures so far. */
    Duration delay() {
        int doublings = Math.min(Math.max(failures - 1, 0), 16);
        long ceiling = Math.min(CAP_MILLIS, FIRST_MILLIS << doublings);
        long drawn = ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
        return Duration.ofMillis(drawn);
    }

    /** Records a success; returns how many failures in a row it ends, 0 if none. */
    int succeeded() {
        int ended = failures;
        failures = 0;
        return ended;
    }
}
