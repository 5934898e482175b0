package dev.recipes.core.internal;

import dev.recipes.core.LeaseStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/** Leases in a map, measured by a clock. */
public final class InMemoryLeaseStore implements LeaseStore {

    private record Lease(String holder, Instant until) {
    }

    private final Clock clock;
    private final Map<String, Lease> leases = new HashMap<>();

    /**
     * Creates a store.
     *
     * @param clock the clock
     */
    public InMemoryLeaseStore(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public synchronized boolean acquire(String name, String holder, Duration ttl) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(holder, "holder");
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("lease '" + name + "': ttl " + ttl
                    + " must be positive");
        }
        Instant now = clock.instant();
        Lease current = leases.get(name);
        if (current != null && !current.holder().equals(holder) && current.until().isAfter(now)) {
            return false;
        }
        leases.put(name, new Lease(holder, now.plus(ttl)));
        return true;
    }

    @Override
    public synchronized void release(String name, String holder) {
        Lease current = leases.get(name);
        if (current != null && current.holder().equals(holder)) {
            leases.remove(name);
        }
    }

    @Override
    public synchronized String toString() {
        return "LeaseStore[in memory, " + leases.size() + " leases]";
    }
}
