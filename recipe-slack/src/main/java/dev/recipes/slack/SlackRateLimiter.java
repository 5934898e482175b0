package dev.recipes.slack;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * Spaces Web API calls that share a lane (a method, a connection and, for
 * {@code chat.postMessage}, a channel) at least an interval apart, by the engine's clock.
 *
 * <p>It never waits: a call without a permit gets the time until its slot, which the action
 * throws as a retryable failure with that wait as its retry-after, so that the engine's retry
 * timer runs it then. The slot is reserved for the call's ticket (the invocation's
 * idempotency key, the same on each attempt), so five calls arriving together go out one
 * interval apart, each on its second attempt, instead of racing for every freed permit.
 * Thread-safe.
 */
// Limitation: each hold counts as an attempt of the engine's retry policy, so a burst longer
// than maxAttempts to one lane dead-letters its tail; and the spacing is per engine instance,
// not shared by instances on one bus.
final class SlackRateLimiter {

    /** Reserved slots not claimed this long after they fell due are dropped. */
    private static final Duration STALE = Duration.ofMinutes(10);
    /** The most lanes kept; idle ones are dropped first. */
    private static final int MAX_LANES = 10_000;

    private final Clock clock;
    private final Map<String, Lane> lanes = new HashMap<>();

    /** One lane's state; guarded by the limiter. */
    private static final class Lane {
        private Instant lastSent;
        private Instant nextFree = Instant.MIN;
        private final Map<String, Instant> reserved = new HashMap<>();
    }

    SlackRateLimiter(Clock clock) {
        this.clock = clock;
    }

    /**
     * Takes a permit for a call, or reserves its slot.
     *
     * @param lane the lane, such as {@code chat.postMessage default C0SALES}
     * @param interval the least time between two calls of the lane
     * @param ticket the same for every attempt of one call
     * @return zero if the call may go now; else how long until its slot
     */
    synchronized Duration acquire(String lane, Duration interval, String ticket) {
        Instant now = clock.instant();
        if (lanes.size() >= MAX_LANES) {
            prune(now);
        }
        Lane state = lanes.computeIfAbsent(lane, key -> new Lane());
        Instant slot = state.reserved.remove(ticket);
        Instant earliest = state.lastSent == null ? now : state.lastSent.plus(interval);
        boolean due = slot != null ? !now.isBefore(slot) : !now.isBefore(state.nextFree);
        if (due && !now.isBefore(earliest)) {
            state.lastSent = now;
            state.nextFree = max(state.nextFree, now.plus(interval));
            return Duration.ZERO;
        }

        Instant at = max(slot != null ? slot : state.nextFree, earliest);
        state.reserved.put(ticket, at);
        state.nextFree = max(state.nextFree, at.plus(interval));
        prune(now);
        return Duration.between(now, at);
    }

    private void prune(Instant now) {
        Instant stale = now.minus(STALE);
        for (Iterator<Lane> it = lanes.values().iterator(); it.hasNext(); ) {
            Lane state = it.next();
            state.reserved.values().removeIf(at -> at.isBefore(stale));
            boolean idle = state.reserved.isEmpty() && state.nextFree.isBefore(stale);
            if (idle || lanes.size() > MAX_LANES && state.reserved.isEmpty()) {
                it.remove();
            }
        }
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
