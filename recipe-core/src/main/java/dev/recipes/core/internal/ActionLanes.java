package dev.recipes.core.internal;

import dev.recipes.core.DeliveryDeferredException;
import dev.recipes.core.EventRejectedException;
import dev.recipes.core.spi.Action;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToIntBiFunction;
import java.util.function.ToIntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The action queues of an engine on the in-memory bus: one small queue (a lane) per recipe and
 * service, all served by one pool of threads. A lane runs at most its limit of requests at once
 * (2, or what the recipe's actions ask for; 1 when one of them takes batches, each run then
 * taking what waited), and a lane that has run one request or batch goes to the back of the
 * pool's queue before it runs the next whenever other lanes wait there, so a slow recipe holds
 * no more than its own share of the threads, and an idle recipe holds no thread and next to no
 * memory. The pool ({@link LifoThreadPool}) hands a run to the thread idle last, so that a
 * busy engine keeps its runs on as few warm threads as keep up with them, and the rest end.
 *
 * <p>The requests in the lanes count as pending work of the in-memory bus, so that the bus's
 * {@code awaitIdle} and {@code close} wait for them as they wait for queued events.
 *
 * <p>A lane takes every request handed to it: the bound is kept upstream, where the engine
 * refuses an event whose recipes have a full lane ({@link #fullLane}), as a full bus queue
 * is refused. A lane can therefore pass its capacity by the events already past that check.
 *
 * <p>A lane that ran lately and has nothing running starts its next run about a millisecond
 * after the request that needs it, or as soon as a run's worth of requests waits, so that a
 * recipe whose actions keep up with its events takes them in runs rather than waking a
 * thread for each; a lane idle for longer starts at once.
 */
final class ActionLanes {

    private static final Logger LOG = LoggerFactory.getLogger(ActionLanes.class);
    private static final Duration IDLE_THREAD = Duration.ofMinutes(1);
    // The longest a batch waits for more requests, whatever its action asks for.
    private static final Duration MAX_BATCH_DELAY = Duration.ofSeconds(10);
    // A lane whose last run ended less than this ago starts its next one a little later.
    private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
    // How much later, at most about.
    private static final long START_DELAY_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    // A lane waiting to start starts at once when this many requests wait.
    private static final int START_AT = 64;

    private final InMemoryEventBus bus;
    private final ActionRunner runner;
    private final Map<String, Map<String, Action>> actions;
    private final ToIntBiFunction<String, String> limits;
    private final ToIntBiFunction<String, String> batches;
    private final int capacity;
    private final LifoThreadPool pool;
    private final Map<String, Lane> lanes = new ConcurrentHashMap<>();
    // The recipes with a lane at its capacity or over, so that the engine's check before
    // taking an event costs nothing while none is full, as is usual.
    private final Map<String, Integer> fullRecipes = new ConcurrentHashMap<>();
    // Lanes whose run starts after the delay, and the thread that starts them.
    private final Queue<Lane> delayed = new ConcurrentLinkedQueue<>();
    private volatile Thread starter;
    private volatile boolean closing;

    /**
     * Makes the lanes.
     *
     * @param bus the bus whose pending work the requests count as
     * @param runner runs one request
     * @param actions the actions of each service
     * @param limits the limit of the lane of a recipe (first) and service (second)
     * @param batches the largest batch size among the actions of a recipe and service
     * @param capacity how many requests a lane holds before the engine refuses its events,
     *     unless the lane's actions take batches: then at least two of their largest batches
     * @param threads the most threads the pool runs at once
     */
    ActionLanes(InMemoryEventBus bus, ActionRunner runner, Map<String, Map<String, Action>> actions,
            ToIntBiFunction<String, String> limits, ToIntBiFunction<String, String> batches,
            int capacity, int threads) {
        this.bus = bus;
        this.runner = runner;
        this.actions = actions;
        this.limits = limits;
        this.batches = batches;
        this.capacity = capacity;
        this.pool = new LifoThreadPool(threads, IDLE_THREAD,
                EngineRuntime.daemonThreads("recipes-action"));
    }

    /**
     * Queues a request in its recipe's lane for its service, and starts it if the lane runs
     * fewer than its limit.
     *
     * @param request the request
     * @throws EventRejectedException if the lanes are closed
     */
    void submit(ActionRequest request) {
        if (pool.isShutdown()) {
            throw new EventRejectedException("engine: closed; action request '"
                    + request.idempotencyKey() + "' was not taken", Duration.ofSeconds(1));
        }
        Lane lane = lanes.computeIfAbsent(laneKey(request.recipe(), request.service()),
                key -> new Lane(this, request.recipe(), request.service(),
                        Math.min(limits.applyAsInt(request.recipe(), request.service()),
                                pool.maxThreads()),
                        Math.max(capacity, 2 * Math.min(Action.MAX_BATCH,
                                batches.applyAsInt(request.recipe(), request.service())))));
        bus.countWork(1);
        switch (lane.offer(request)) {
            case NOW -> start(lane);
            case LATER -> delay(lane);
            case NONE -> {
            }
        }
    }

    // Queues the lane for the starter, unless the lanes are closing: then close() starts what
    // it finds queued, and whichever of it and this sees the other's write starts the lane.
    private void delay(Lane lane) {
        delayed.add(lane);
        if (closing) {
            startDelayed();
            return;
        }
        Thread current = starter;
        LockSupport.unpark(current != null ? current : startStarter());
    }

    private synchronized Thread startStarter() {
        if (starter == null) {
            Thread thread = EngineRuntime.daemonThreads("recipes-action-starter")
                    .newThread(this::runStarter);
            starter = thread;
            thread.start();
        }
        return starter;
    }

    private void runStarter() {
        while (!closing || !delayed.isEmpty()) {
            if (delayed.isEmpty()) {
                LockSupport.park(this);
            } else {
                LockSupport.parkNanos(this, START_DELAY_NANOS);
                startDelayed();
            }
        }
    }

    private void startDelayed() {
        for (Lane lane = delayed.poll(); lane != null; lane = delayed.poll()) {
            if (lane.startDelayed()) {
                start(lane);
            }
        }
    }

    private void start(Lane lane) {
        if (!execute(lane)) {
            runFrom(lane);
        }
    }

    private boolean execute(Lane lane) {
        try {
            pool.execute(() -> runFrom(lane));
            return true;
        } catch (RejectedExecutionException e) {
            // Only after close: what the lane still holds is run on this thread, where the
            // runner dead-letters it as the engine is abandoning its work.
            return false;
        }
    }

    // Runs one request of the lane, then, if it holds more, puts the lane at the back of the
    // pool's queue when other lanes wait there, and otherwise runs the next one here: handing
    // it to the pool would only wake an idle thread for it. Once the pool is shut down, runs
    // the rest here.
    private void runFrom(Lane lane) {
        while (true) {
            lane.awaitBatch(this::maxBatch, this::batchDelay);
            List<ActionRequest> batch = lane.next(this::maxBatch);
            if (batch == null) {
                return;
            }
            bus.runAsHandler(() -> run(batch));
            boolean more = lane.finished();
            bus.countWork(-batch.size());
            if (!more || pool.hasQueued() && execute(lane)) {
                return;
            }
        }
    }

    private void run(List<ActionRequest> batch) {
        ActionRequest request = batch.get(0);
        MDC.put("eventId", request.triggerEventId());
        try {
            runner.runBatch(batch, actions.getOrDefault(request.service(), Map.of()));
        } catch (DeliveryDeferredException e) {
            LOG.debug("Action request '{}' deferred and dropped: {}", request.claimKey(),
                    e.getMessage());
        } catch (RuntimeException | Error e) {
            LOG.error("Action request '{}' failed to run", request.claimKey(), e);
        } finally {
            MDC.remove("eventId");
        }
    }

    // How long the first request of a batch of the request's action waits for others.
    private Duration batchDelay(ActionRequest request) {
        Action action = actions.getOrDefault(request.service(), Map.of()).get(request.action());
        try {
            Duration delay = action == null || maxBatch(request) <= 1 ? null
                    : action.batchDelay();
            return delay == null || delay.isNegative() ? Duration.ZERO
                    : delay.compareTo(MAX_BATCH_DELAY) > 0 ? MAX_BATCH_DELAY : delay;
        } catch (RuntimeException e) {
            LOG.warn("Action '{}/{}' failed to tell its batch delay; not waiting",
                    request.service(), request.action(), e);
            return Duration.ZERO;
        }
    }

    // How many requests the request's action takes at once; 1 if it cannot say.
    private int maxBatch(ActionRequest request) {
        Action action = actions.getOrDefault(request.service(), Map.of()).get(request.action());
        try {
            return action == null ? 1
                    : Math.max(1, Math.min(action.maxBatch(), Action.MAX_BATCH));
        } catch (RuntimeException e) {
            LOG.warn("Action '{}/{}' failed to tell its batch size; running one at a time",
                    request.service(), request.action(), e);
            return 1;
        }
    }

    /**
     * Tells whether a recipe has a lane at its capacity or over.
     *
     * @param recipe the recipe's id
     * @return {@code true} if one of its lanes is full
     */
    boolean isFull(String recipe) {
        return fullRecipes.containsKey(recipe);
    }

    /**
     * Returns the recipes that have a full lane now.
     *
     * @return their ids; empty, and cheap, while none is
     */
    java.util.Set<String> fullRecipes() {
        return fullRecipes.keySet();
    }

    // A lane crossed its capacity, one way or the other; several lanes of a recipe may be full.
    private void full(String recipe, boolean full) {
        fullRecipes.compute(recipe, (id, count) -> {
            int now = (count == null ? 0 : count) + (full ? 1 : -1);
            return now <= 0 ? null : now;
        });
    }

    /**
     * Returns a lane of a recipe that holds its capacity or more, to refuse the events that
     * would add to it.
     *
     * @param recipe the recipe's id
     * @param services the services the recipe's steps call
     * @return a description of the full lane, or null if none is full
     */
    String fullLane(String recipe, Iterable<String> services) {
        for (String service : services) {
            Lane lane = lanes.get(laneKey(recipe, service));
            int waiting = lane == null ? 0 : lane.waiting();
            if (lane != null && waiting >= lane.capacity) {
                return "recipe '" + recipe + "' has " + waiting + " action requests for service '"
                        + service + "' waiting, its queue's capacity";
            }
        }
        return null;
    }

    /**
     * Stops taking requests, lets the pool run what the lanes hold, and waits for it.
     *
     * @param wait how long to wait at most
     * @return {@code true} if every lane emptied in time
     */
    boolean close(Duration wait) {
        closing = true;
        startDelayed();
        Thread current = starter;
        if (current != null) {
            LockSupport.unpark(current);
        }
        pool.shutdown();
        try {
            return pool.awaitTermination(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String laneKey(String recipe, String service) {
        return recipe + ' ' + service;
    }

    /** What a request offered to a lane asks of the pool. */
    private enum Start {
        /** A run starts now. */
        NOW,
        /** A run starts after the delay. */
        LATER,
        /** A run already going, or about to start, takes it. */
        NONE
    }

    /** One recipe's requests to one service. Guarded by itself. */
    private static final class Lane {
        private final String recipe;
        private final String service;
        private final int limit;
        private final int capacity;
        private final ActionLanes owner;
        private boolean full;
        private ArrayDeque<ActionRequest> queue;
        private int running;
        // Whether a run is to start after the delay, and since when no run has been going.
        private boolean delayed;
        private long idleSince;

        Lane(ActionLanes owner, String recipe, String service, int limit, int capacity) {
            this.owner = owner;
            this.recipe = recipe;
            this.service = service;
            this.limit = Math.max(1, limit);
            this.capacity = capacity;
            this.idleSince = System.nanoTime() - 2 * QUIET_NANOS;
        }

        /**
         * Adds a request; tells whether a run should start for it, now or after the delay.
         * A lane with nothing running that ran lately waits for more requests, up to a run's
         * worth; one with runs going starts another while it is under its limit.
         */
        synchronized Start offer(ActionRequest request) {
            if (queue == null) {
                queue = new ArrayDeque<>(4);
            }
            queue.add(request);
            noteSize();
            notifyAll();
            if (running >= limit) {
                return Start.NONE;
            }
            if (running == 0 && !delayed && System.nanoTime() - idleSince < QUIET_NANOS) {
                delayed = true;
                return Start.LATER;
            }
            if (delayed && queue.size() < START_AT) {
                return Start.NONE;
            }
            delayed = false;
            running++;
            return Start.NOW;
        }

        /** Tells whether the run this lane waited for is to start now. */
        synchronized boolean startDelayed() {
            if (!delayed) {
                return false;
            }
            delayed = false;
            if (queue == null || queue.isEmpty() || running >= limit) {
                return false;
            }
            running++;
            return true;
        }

        /**
         * Waits, before a batch is taken, until the first request waiting has waited its
         * action's batch delay or the batch is full; a closing pool cuts the wait short.
         */
        synchronized void awaitBatch(ToIntFunction<ActionRequest> maxBatch,
                java.util.function.Function<ActionRequest, Duration> delayOf) {
            ActionRequest first = queue == null ? null : queue.peek();
            if (first == null) {
                return;
            }
            long delay = delayOf.apply(first).toNanos();
            if (delay <= 0) {
                return;
            }
            int max = maxBatch.applyAsInt(first);
            long deadline = System.nanoTime() + delay;
            try {
                for (long left = delay; left > 0 && queue.size() < max
                        && !owner.pool.isShutdown(); left = deadline - System.nanoTime()) {
                    TimeUnit.NANOSECONDS.timedWait(this, Math.min(left,
                            TimeUnit.MILLISECONDS.toNanos(50)));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /**
         * Takes the next request for a run, with those after it for the same action and
         * connection up to the action's batch size; null ends the run, which then holds no
         * slot.
         */
        synchronized List<ActionRequest> next(ToIntFunction<ActionRequest> maxBatch) {
            ActionRequest first = queue == null ? null : queue.poll();
            if (first == null) {
                stopped();
                return null;
            }
            int max = queue.isEmpty() ? 1 : maxBatch.applyAsInt(first);
            if (max <= 1) {
                noteSize();
                return List.of(first);
            }
            List<ActionRequest> batch = new ArrayList<>(Math.min(max, queue.size() + 1));
            batch.add(first);
            while (batch.size() < max && !queue.isEmpty()
                    && queue.peek().action().equals(first.action())
                    && queue.peek().connection().equals(first.connection())) {
                batch.add(queue.poll());
            }
            noteSize();
            return batch;
        }

        /** Ends a run that took a request; tells whether it goes on, at the back of the pool. */
        synchronized boolean finished() {
            if (queue != null && !queue.isEmpty()) {
                return true;
            }
            stopped();
            if (running == 0 && !delayed) {
                queue = null;
            }
            return false;
        }

        private void stopped() {
            running--;
            if (running == 0) {
                idleSince = System.nanoTime();
            }
        }

        synchronized int waiting() {
            return queue == null ? 0 : queue.size();
        }

        // Tells the owner when the queue reaches its capacity or falls below it again.
        private void noteSize() {
            boolean now = queue != null && queue.size() >= capacity;
            if (now != full) {
                full = now;
                owner.full(recipe, now);
            }
        }

        @Override
        public String toString() {
            return "Lane[" + recipe + ", " + service + "]";
        }
    }
}
