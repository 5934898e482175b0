package dev.recipes.core.internal;

import dev.recipes.core.IdempotencyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Remembers keys in insertion order with one expiry for all, so the oldest key is always the
 * first to expire or to be evicted.
 */
public final class InMemoryIdempotencyStore implements IdempotencyStore {

    private final int maxKeys;
    private final Duration expiry;
    private final Clock clock;
    private final LinkedHashMap<String, Instant> keys = new LinkedHashMap<>();

    /**
     * Creates a store.
     *
     * @param maxKeys at least 1
     * @param expiry positive
     * @param clock the clock
     */
    public InMemoryIdempotencyStore(int maxKeys, Duration expiry, Clock clock) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("idempotency store: maxKeys " + maxKeys
                    + " must be at least 1");
        }
        if (expiry.isNegative() || expiry.isZero()) {
            throw new IllegalArgumentException("idempotency store: expiry " + expiry
                    + " must be positive");
        }
        this.maxKeys = maxKeys;
        this.expiry = expiry;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public synchronized boolean claim(String key) {
        Objects.requireNonNull(key, "key");
        Instant now = clock.instant();
        forgetExpired(now);
        if (keys.containsKey(key)) {
            return false;
        }
        keys.put(key, now.plus(expiry));
        if (keys.size() > maxKeys) {
            Iterator<String> eldest = keys.keySet().iterator();
            eldest.next();
            eldest.remove();
        }
        return true;
    }

    @Override
    public synchronized void release(String key) {
        keys.remove(key);
    }

    private void forgetExpired(Instant now) {
        Iterator<Map.Entry<String, Instant>> entries = keys.entrySet().iterator();
        while (entries.hasNext() && !entries.next().getValue().isAfter(now)) {
            entries.remove();
        }
    }

    @Override
    public synchronized String toString() {
        return "IdempotencyStore[in memory, " + keys.size() + " of " + maxKeys + " keys]";
    }
}
