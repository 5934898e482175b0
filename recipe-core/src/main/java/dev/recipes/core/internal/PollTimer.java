package dev.recipes.core.internal;

import dev.recipes.core.Connection;
import dev.recipes.core.Event;
import dev.recipes.core.EventRejectedException;
import dev.recipes.core.polling.PollException;
import dev.recipes.core.polling.PollRequest;
import dev.recipes.core.polling.PollResult;
import dev.recipes.core.polling.PollSource;
import dev.recipes.core.polling.PollState;
import dev.recipes.core.polling.PolledItem;
import dev.recipes.core.polling.PollingTrigger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The timer of one polled source in one engine: it wakes on the engine's scheduler to renew
 * the source's lease every third of its time to live and, while it holds the lease, to poll
 * when a poll is due. A poll publishes the items not seen before, then saves the cursor and
 * the seen keys; a failed poll backs off. Each wake reads the engine's clock and schedules the
 * next one, so a test that moves the clock and the scheduler together sees every poll.
 */
final class PollTimer {

    private static final Logger LOG = LoggerFactory.getLogger(PollingTrigger.class);
    private static final Duration REFUSED_RETRY = Duration.ofSeconds(1);
    private static final int MAX_DOUBLINGS = 30;

    private final PollingTrigger trigger;
    private final PollSource source;
    private final EngineRuntime runtime;
    private final String lease;
    private final Duration renewEvery;
    private final SplittableRandom jitter;

    // All guarded by this: a wake and close() never overlap.
    private boolean held;
    private Instant heldUntil = Instant.MIN;
    private Instant renewAt = Instant.MIN;
    private Instant pollAt = Instant.MIN;
    private boolean storeFailing;
    private boolean loaded;
    private boolean baselined;
    private boolean dirty;
    private boolean warnedOfSize;
    private String cursor;
    private SeenKeys seen;
    private int failures;
    private boolean closed;
    private ScheduledFuture<?> next;

    PollTimer(PollingTrigger trigger, PollSource source, EngineRuntime runtime) {
        this.trigger = trigger;
        this.source = source;
        this.runtime = runtime;
        this.lease = "poll:" + trigger.stateKey();
        this.renewEvery = trigger.lease().dividedBy(3);
        this.jitter = new SplittableRandom(trigger.stateKey().hashCode());
    }

    /** Takes the lease, or tries to, on the scheduler at once. */
    synchronized void start() {
        wakeIn(Duration.ZERO);
    }

    /** Stops the timer, saves unsaved state and gives the lease up. */
    synchronized void close() {
        closed = true;
        if (next != null) {
            next.cancel(false);
        }
        if (dirty) {
            save();
        }
        if (held) {
            held = false;
            try {
                runtime.leases().release(lease, runtime.instanceId());
            } catch (RuntimeException e) {
                LOG.warn("{}: lease '{}' was not given up; another engine takes it when it runs "
                        + "out", trigger, lease, e);
            }
        }
    }

    // Any failure is caught, so that the timer always schedules its next wake.
    private synchronized void wake() {
        if (closed) {
            return;
        }
        Instant now = runtime.clock().instant();
        try {
            if (!now.isBefore(renewAt)) {
                renew(now);
            }
            if (held && now.isBefore(heldUntil) && !now.isBefore(pollAt)) {
                poll(now);
            }
        } catch (RuntimeException e) {
            LOG.error("{}: timer failed; it wakes again", trigger, e);
        }
        Instant wake = held && pollAt.isBefore(renewAt) ? pollAt : renewAt;
        wakeIn(Duration.between(runtime.clock().instant(), wake));
    }

    private void renew(Instant now) {
        renewAt = now.plus(renewEvery);
        boolean had = held;
        try {
            held = runtime.leases().acquire(lease, runtime.instanceId(), trigger.lease());
            if (held) {
                heldUntil = now.plus(trigger.lease());
            }
            storeFailing = false;
        } catch (RuntimeException e) {
            held = held && now.isBefore(heldUntil);
            if (!storeFailing) {
                LOG.warn("{}: lease store failed; trying again in {}", trigger, renewEvery, e);
            }
            storeFailing = true;
        }
        if (held && !had) {
            // Another engine may have polled while this one did not hold the lease.
            loaded = false;
            LOG.info("{}: this engine took lease '{}' and polls the source", trigger, lease);
        } else if (had && !held) {
            LOG.info("{}: this engine lost lease '{}' and stops polling", trigger, lease);
        }
    }

    // Limitation: the poll runs on the engine's scheduler thread, so a slow source (up to its
    // request timeout) delays the engine's other timed work: retries, schedules, other polls.
    private void poll(Instant now) {
        PollResult result;
        try {
            load();
            Optional<Connection> connection = runtime.connections().find(trigger.service(),
                    trigger.connection());
            result = Objects.requireNonNull(source.poll(new PollRequest(trigger, connection,
                    Optional.ofNullable(cursor))), "the poll source returned null");
        } catch (RuntimeException e) {
            failed(now, e);
            return;
        }
        if (failures > 0) {
            LOG.info("{}: polling works again after {} failures", trigger, failures);
            failures = 0;
        }
        boolean complete = accept(result, now);
        if (dirty) {
            save();
        }
        pollAt = complete ? now.plus(interval()) : now.plus(REFUSED_RETRY);
    }

    private void load() {
        if (loaded) {
            return;
        }
        Optional<PollState> state = runtime.stateStore().load(trigger.stateKey());
        seen = new SeenKeys(trigger.maxSeenKeys());
        state.ifPresent(saved -> saved.seenKeys().forEach(seen::add));
        cursor = state.map(PollState::cursor).orElse(null);
        baselined = state.isPresent();
        dirty = false;
        loaded = true;
    }

    /** Publishes the unseen items; false if the bus refused one, leaving the cursor as it was. */
    private boolean accept(PollResult result, Instant now) {
        warnOfSize(result);
        if (!baselined && !trigger.backfills()) {
            result.items().forEach(item -> seen.add(item.key()));
            LOG.info("{}: first poll; {} items taken as the baseline, newer ones fire", trigger,
                    result.items().size());
            return advance(result);
        }
        // Items still there are marked recent before new ones are added, so that a full set
        // drops keys of items gone from the source first, not the next items of this poll.
        List<PolledItem> fresh = new ArrayList<>();
        for (PolledItem item : result.items()) {
            if (!seen.touch(item.key())) {
                fresh.add(item);
            }
        }
        for (PolledItem item : fresh) {
            if (seen.touch(item.key())) {
                continue;
            }
            try {
                runtime.publishTrigger(event(item, now));
            } catch (EventRejectedException e) {
                if (!runtime.isClosed()) {
                    LOG.warn("{}: item '{}' was refused, trying again in {}: {}", trigger,
                            item.key(), REFUSED_RETRY, e.getMessage());
                }
                return false;
            }
            seen.add(item.key());
            dirty = true;
        }
        return advance(result);
    }

    private boolean advance(PollResult result) {
        if (result.cursor() != null && !result.cursor().equals(cursor)) {
            cursor = result.cursor();
            dirty = true;
        }
        if (!baselined) {
            baselined = true;
            dirty = true;
        }
        return true;
    }

    private Event event(PolledItem item, Instant now) {
        return new Event(item.key(), trigger.sourceUri(), trigger.eventType(), item.subject(),
                item.time() != null ? item.time() : now, null, item.data());
    }

    // Limitation: the state is saved whole after each poll that changed it; with many seen
    // keys and a durable store, that is one large write per poll that found something new.
    private void save() {
        try {
            runtime.stateStore().save(trigger.stateKey(),
                    new PollState(cursor, seen.oldestFirst()));
            dirty = false;
        } catch (RuntimeException e) {
            // The events are out: a poll before the next save publishes them again, with the
            // same ids, and the idempotency store runs their actions once.
            LOG.warn("{}: state store failed to save the cursor and seen keys; trying again "
                    + "after the next poll", trigger, e);
        }
    }

    private void failed(Instant now, RuntimeException e) {
        failures++;
        Duration backoff = backoff(e);
        pollAt = now.plus(backoff);
        if (failures == 1) {
            LOG.warn("{}: poll failed, polling again in {}: {}", trigger, backoff,
                    e.getMessage(), e);
        } else {
            LOG.debug("{}: poll failed {} times in a row, polling again in {}: {}", trigger,
                    failures, backoff, e.toString());
        }
    }

    private Duration backoff(RuntimeException e) {
        Duration max = trigger.maxBackoff();
        Duration backoff = trigger.interval().multipliedBy(1L << Math.min(failures,
                MAX_DOUBLINGS));
        if (backoff.compareTo(max) > 0) {
            backoff = max;
        }
        if (e instanceof PollException poll && poll.retryAfter().isPresent()
                && poll.retryAfter().get().compareTo(backoff) > 0) {
            backoff = poll.retryAfter().get();
        }
        return backoff;
    }

    private Duration interval() {
        long bound = trigger.jitter().toNanos();
        return bound <= 0 ? trigger.interval()
                : trigger.interval().plusNanos(jitter.nextLong(bound + 1));
    }

    private void warnOfSize(PollResult result) {
        if (!warnedOfSize && result.items().size() > trigger.maxSeenKeys()) {
            warnedOfSize = true;
            LOG.warn("{}: a poll returned {} items, more than the {} keys remembered; items "
                    + "forgotten fire again; raise maxSeenKeys", trigger, result.items().size(),
                    trigger.maxSeenKeys());
        }
    }

    private void wakeIn(Duration delay) {
        if (closed) {
            return;
        }
        try {
            next = runtime.scheduler().schedule(this::wake, Math.max(0, delay.toNanos()),
                    TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            LOG.error("{}: the engine's scheduler refused its timer; polling stops", trigger, e);
        }
    }

    @Override
    public synchronized String toString() {
        return "PollTimer[" + trigger + (held ? ", holding " : ", waiting for ") + lease + "]";
    }

    /** The keys seen, least recently seen first, forgetting the oldest beyond a bound. */
    private static final class SeenKeys {

        private final Map<String, Boolean> keys;

        SeenKeys(int max) {
            this.keys = new LinkedHashMap<>(16, 0.75f, true) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                    return size() > max;
                }
            };
        }

        /** Marks a key as seen just now; true if it was seen before. */
        boolean touch(String key) {
            return keys.get(key) != null;
        }

        void add(String key) {
            keys.put(key, Boolean.TRUE);
        }

        java.util.List<String> oldestFirst() {
            return new ArrayList<>(keys.keySet());
        }
    }
}
