package dev.recipes.core;

import dev.recipes.core.internal.InMemoryIdempotencyStore;
import java.time.Clock;
import java.time.Duration;

/**
 * Remembers keys of work already done, so that a redelivered event or action request has its
 * effect once. Implementations must be thread-safe.
 *
 * <p>The engine runs each action attempt under {@link #begin(String, Duration)} and
 * {@link #complete(String)}: the key is held with a lease while the work runs, so that when
 * the process doing it dies, another one can take the work over once the lease has run out,
 * knowing that the effect may have happened. A store shared by several processes (such as the
 * Redis one) implements both; the defaults fall back on {@link #claim(String)}, which suits a
 * store in one process, where a holder that dies takes the whole store with it.
 */
public interface IdempotencyStore {

    /**
     * Claims a key.
     *
     * @param key such as a Slack {@code event_id}, or trigger event id, recipe id and step
     * @return {@code true} if the key was not claimed before within the store's expiry, and is
     *     claimed now; {@code false} if it was
     */
    boolean claim(String key);

    /**
     * Forgets a key, so that the work it stands for can be claimed again, for example after
     * the work failed.
     *
     * @param key a key
     */
    void release(String key);

    /**
     * Starts work under a key: takes the key for the caller with a lease if nobody holds it, or
     * if its holder's lease ran out before it finished.
     *
     * <p>The default claims the key with {@link #claim(String)}, so it never answers
     * {@link Claim#HELD} or {@link Claim#TAKEN_OVER}.
     *
     * @param key the key
     * @param lease how long the caller holds the key before another caller may take it over;
     *     longer than the work takes
     * @return what the store found
     */
    default Claim begin(String key, Duration lease) {
        return claim(key) ? Claim.NEW : Claim.DONE;
    }

    /**
     * Marks the work under a key taken with {@link #begin(String, Duration)} as finished, so
     * that the key is remembered for the store's expiry and never taken over. The default does
     * nothing: {@link #claim(String)} remembers keys as finished already.
     *
     * @param key the key
     */
    default void complete(String key) {
    }

    /** What {@link #begin(String, Duration)} found under a key. */
    enum Claim {
        /** Nobody held the key: the caller holds it now and does the work. */
        NEW,
        /**
         * A holder's lease ran out before it finished, perhaps because its process died: the
         * caller holds the key now, and the work may have had its effect, in part or whole.
         */
        TAKEN_OVER,
        /** Another holder is at work under the key, within its lease: try again later. */
        HELD,
        /** The work under the key was finished, or claimed with {@link #claim(String)}. */
        DONE
    }

    /**
     * Returns a store in memory that keeps at most {@code maxKeys} keys, each for at most
     * {@code expiry}; the oldest key is forgotten first when the store is full.
     *
     * @param maxKeys at least 1
     * @param expiry how long a key is remembered, positive
     * @param clock the clock that measures the expiry
     * @return a new thread-safe store
     */
    static IdempotencyStore inMemory(int maxKeys, Duration expiry, Clock clock) {
        return new InMemoryIdempotencyStore(maxKeys, expiry, clock);
    }
}
