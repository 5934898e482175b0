package dev.recipes.core;

import dev.recipes.core.internal.InMemoryLeaseStore;
import java.time.Clock;
import java.time.Duration;

/**
 * Named leases with an expiry, so that work which must run in one place at a time (a schedule
 * or a poll) runs on one engine instance while several share a bus, and moves to another when
 * its holder stops renewing, for example because its process died. Implementations must be
 * thread-safe.
 */
public interface LeaseStore {

    /**
     * Takes a lease for a holder, or renews it if that holder has it.
     *
     * @param name the lease, such as {@code schedule:daily-report}
     * @param holder who asks, unique per engine instance
     * @param ttl how long the lease lasts from now unless renewed, positive
     * @return {@code true} if the holder has the lease now, until {@code ttl} from now;
     *     {@code false} if another holder has it
     */
    boolean acquire(String name, String holder, Duration ttl);

    /**
     * Gives a lease up if the holder has it, so another holder can take it at once.
     *
     * @param name the lease
     * @param holder who gives it up
     */
    void release(String name, String holder);

    /**
     * Returns a store in memory, for an engine that runs alone.
     *
     * @param clock the clock that measures the leases
     * @return a new thread-safe store
     */
    static LeaseStore inMemory(Clock clock) {
        return new InMemoryLeaseStore(clock);
    }
}
