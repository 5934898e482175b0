package dev.recipes.core.internal;

import dev.recipes.core.EventRejectedException;
import dev.recipes.core.LeaseStore;
import dev.recipes.core.Schedule;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The timer of one schedule in one engine: it wakes on the engine's scheduler to renew the
 * schedule's lease every third of its time to live, and, while it holds the lease, to fire
 * each tick as it falls due. Each wake reads the engine's clock and schedules the next one, so
 * a test that moves the clock and the scheduler together sees every tick at its instant.
 */
final class ScheduleTimer {

    private static final Logger LOG = LoggerFactory.getLogger(Schedule.class);
    private static final Duration REFUSED_RETRY = Duration.ofSeconds(1);

    private final Schedule schedule;
    private final EngineRuntime runtime;
    private final String lease;
    private final Duration renewEvery;

    // All guarded by this: a wake and close() never overlap.
    private boolean held;
    private Instant heldUntil = Instant.MIN;
    private Instant renewAt = Instant.MIN;
    private Instant lastFired;
    private Instant retryAt;
    private boolean storeFailing;
    private boolean closed;
    private ScheduledFuture<?> next;

    ScheduleTimer(Schedule schedule, EngineRuntime runtime) {
        this.schedule = schedule;
        this.runtime = runtime;
        this.lease = "schedule:" + schedule.name();
        this.renewEvery = schedule.lease().dividedBy(3);
    }

    /** Takes the lease, or tries to, on the scheduler at once. */
    synchronized void start() {
        wakeIn(Duration.ZERO);
    }

    /** Stops the timer and gives the lease up, so that another engine can take it at once. */
    synchronized void close() {
        closed = true;
        if (next != null) {
            next.cancel(false);
        }
        if (held) {
            held = false;
            try {
                runtime.leases().release(lease, runtime.instanceId());
            } catch (RuntimeException e) {
                LOG.warn("Schedule '{}': lease '{}' was not given up; another engine takes it "
                        + "when it runs out", schedule.name(), lease, e);
            }
        }
    }

    // Any failure is caught, so that the timer always schedules its next wake.
    private synchronized void wake() {
        if (closed) {
            return;
        }
        Instant now = clock().instant();
        retryAt = null;
        try {
            if (!now.isBefore(renewAt)) {
                renew(now);
            }
            if (held && now.isBefore(heldUntil)) {
                fireDue(now);
            }
        } catch (RuntimeException e) {
            LOG.error("Schedule '{}': timer failed; it wakes again", schedule.name(), e);
        }
        wakeIn(Duration.between(now, nextWake(now)));
    }

    private void renew(Instant now) {
        renewAt = now.plus(renewEvery);
        boolean had = held;
        try {
            held = runtime.leases().acquire(lease, runtime.instanceId(), schedule.lease());
            if (held) {
                heldUntil = now.plus(schedule.lease());
            }
            storeFailing = false;
        } catch (RuntimeException e) {
            // The lease stays ours until it runs out: no one else can take it sooner.
            held = held && now.isBefore(heldUntil);
            logStoreFailure(e);
        }
        if (held && !had) {
            LOG.info("Schedule '{}': this engine took lease '{}' and fires the schedule",
                    schedule.name(), lease);
        } else if (had && !held) {
            LOG.info("Schedule '{}': this engine lost lease '{}' and stops firing the schedule",
                    schedule.name(), lease);
        }
    }

    private void logStoreFailure(RuntimeException e) {
        if (!storeFailing) {
            LOG.warn("Schedule '{}': lease store failed; trying again in {}", schedule.name(),
                    renewEvery, e);
        } else {
            LOG.debug("Schedule '{}': lease store still fails: {}", schedule.name(), e.toString());
        }
        storeFailing = true;
    }

    private void fireDue(Instant now) {
        Instant tick = schedule.tickAtOrBefore(now);
        if (tick.equals(lastFired)) {
            return;
        }
        // Only a tick a dead holder may have missed is made up: it fell due after the holder's
        // last renewal, at most a lease and one renewal period ago. An engine that starts alone
        // does not fire yesterday's tick.
        if (Duration.between(tick, now).compareTo(schedule.lease().plus(renewEvery)) > 0) {
            LOG.debug("Schedule '{}': tick {} fell due too long ago to be made up",
                    schedule.name(), tick);
            lastFired = tick;
            return;
        }
        try {
            runtime.publishTrigger(schedule.event(tick));
            lastFired = tick;
        } catch (EventRejectedException e) {
            if (runtime.isClosed()) {
                return;
            }
            retryAt = now.plus(REFUSED_RETRY);
            LOG.warn("Schedule '{}': tick {} was refused, trying again in {}: {}",
                    schedule.name(), tick, REFUSED_RETRY, e.getMessage());
        }
    }

    private Instant nextWake(Instant now) {
        Instant wake = renewAt;
        if (held) {
            wake = earlier(wake, schedule.tickAtOrBefore(now).plus(schedule.interval()));
        }
        return retryAt == null ? wake : earlier(wake, retryAt);
    }

    private static Instant earlier(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private void wakeIn(Duration delay) {
        if (closed) {
            return;
        }
        try {
            next = scheduler().schedule(this::wake, Math.max(0, delay.toNanos()),
                    TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            LOG.error("Schedule '{}': the engine's scheduler refused its timer; the schedule "
                    + "stops", schedule.name(), e);
        }
    }

    private Clock clock() {
        return runtime.clock();
    }

    private ScheduledExecutorService scheduler() {
        return runtime.scheduler();
    }

    @Override
    public synchronized String toString() {
        return "ScheduleTimer[" + schedule + (held ? ", holding " : ", waiting for ") + lease
                + "]";
    }
}
