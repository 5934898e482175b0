package dev.recipes.core;

import dev.recipes.core.internal.InMemoryIdempotencyStore;
import java.time.Clock;
import java.time.Duration;

/**
 * Remembers keys of work already done, so that a redelivered event or action request has its
 * effect once. Implementations must be thread-safe.
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
