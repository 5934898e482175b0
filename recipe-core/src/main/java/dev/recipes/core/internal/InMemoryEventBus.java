package dev.recipes.core.internal;

import dev.recipes.core.DeliveryDeferredException;
import dev.recipes.core.Event;
import dev.recipes.core.EventBus;
import dev.recipes.core.EventHandler;
import dev.recipes.core.EventRejectedException;
import dev.recipes.core.Subscription;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The embedded bus: one bounded queue per topic and group, one thread per subscriber.
 *
 * <p>Publishing to a topic queues the event for every group that has room. If a group's queue is
 * full, the publish is rejected even though the other groups took the event: the publisher
 * tries again later, and the groups that took it already (each remembers the source and id of
 * the last 4,096 events it took) do not take it again. So one slow group pushes back on its
 * publishers without holding back the other groups, or making them work twice.
 *
 * <p>Publishing takes no lock across groups: each group's queue has its own, and the count of
 * events queued or being handled, for {@link #awaitIdle}, is one atomic number that a
 * subscriber updates once per run of events it took. A subscriber with nothing queued sleeps;
 * if it went to sleep lately, the first event wakes it about a millisecond later, or at once
 * when a run of events is queued, so that a subscriber that keeps up with its publishers takes
 * events in runs instead of costing a wake-up each.
 */
public final class InMemoryEventBus implements EventBus {

    private static final Logger LOG = LoggerFactory.getLogger(InMemoryEventBus.class);
    private static final Duration RETRY_AFTER = Duration.ofSeconds(1);
    private static final int RECENT_EVENTS = 4096;
    // A subscriber asleep for longer than this wakes at once for an event; see Group.enqueue.
    private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final int queueCapacity;
    // How many events wait in a group's queue when a sleeping subscriber is woken for them
    // without delay; see Group.enqueue.
    private final int wakeAt;
    private final Waker waker = new Waker();
    private final Map<String, Topic> topics = new ConcurrentHashMap<>();
    // Events queued or being handled, counted once per group. Publishers add what they queue;
    // a subscriber thread takes back a run of events once it handled them all, so that a busy
    // bus does not touch it on every delivery.
    private final AtomicLong pending = new AtomicLong();
    // Threads in awaitIdle, which the thread that brings the count to zero wakes through idle.
    private final AtomicInteger idleWaiters = new AtomicInteger();
    private final Object idle = new Object();
    // Publishers hold the read lock while they check the state and queue; close() takes the
    // write lock to start closing, so no publish that saw the bus open is still on its way.
    private final ReadWriteLock gate = new ReentrantReadWriteLock();
    private volatile boolean closing;
    private volatile boolean closed;
    // The bus whose handler the current thread is running: while the bus closes, only handlers
    // may still publish, so that the work of events already taken is finished.
    private static final ThreadLocal<InMemoryEventBus> DELIVERING = new ThreadLocal<>();

    /**
     * Creates a bus.
     *
     * @param queueCapacity the capacity of each group's queue, at least 1
     */
    public InMemoryEventBus(int queueCapacity) {
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("in-memory bus: queue capacity " + queueCapacity
                    + " must be at least 1");
        }
        this.queueCapacity = queueCapacity;
        this.wakeAt = Math.max(1, Math.min(256, queueCapacity / 4));
    }

    /**
     * Returns how many events each group's queue holds.
     *
     * @return the capacity
     */
    public int queueCapacity() {
        return queueCapacity;
    }

    @Override
    public void publish(String topic, Event event) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(event, "event");
        gate.readLock().lock();
        try {
            if (closed || (closing && DELIVERING.get() != this)) {
                throw new EventRejectedException("bus: " + (closed ? "closed" : "closing")
                        + "; event '" + event.id() + "' on topic '" + topic + "' was not taken",
                        RETRY_AFTER);
            }
            Topic target = topics.get(topic);
            if (target == null) {
                LOG.debug("No subscriber on topic '{}'; event '{}' dropped", topic, event.id());
                return;
            }
            target.offer(event);
        } finally {
            gate.readLock().unlock();
        }
    }

    @Override
    public Subscription subscribe(String topic, String group, EventHandler handler) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(handler, "handler");
        if (closed) {
            throw new IllegalStateException("bus: closed; cannot subscribe to '" + topic + "'");
        }
        Consumer consumer = new Consumer(topic, handler);
        consumer.start(topics.computeIfAbsent(topic, Topic::new).join(consumer, group));
        return consumer;
    }

    @Override
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        if (pending.get() == 0) {
            return true;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (idle) {
            idleWaiters.incrementAndGet();
            try {
                while (pending.get() > 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    TimeUnit.NANOSECONDS.timedWait(idle, left);
                }
                return true;
            } finally {
                idleWaiters.decrementAndGet();
            }
        }
    }

    @Override
    public boolean close(Duration deadline) {
        gate.writeLock().lock();
        try {
            closing = true;
        } finally {
            gate.writeLock().unlock();
        }
        boolean drained;
        try {
            drained = awaitIdle(deadline);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            drained = false;
        }
        closed = true;
        for (Topic topic : topics.values()) {
            for (Group group : topic.groups) {
                group.consumers.forEach(Consumer::stop);
            }
        }
        waker.stop();
        if (!drained) {
            LOG.error("Bus closed with {} events not handled", pending.get());
        }
        return drained;
    }

    /**
     * Tells whether any group subscribes to a topic now, so that a publisher can skip making
     * an event nobody would get.
     *
     * @param topic the topic
     * @return {@code true} if an event published on it now would reach a group
     */
    boolean hasSubscribers(String topic) {
        Topic target = topics.get(topic);
        return target != null && target.groups.length > 0;
    }

    /**
     * Runs work that subscribers handed on outside the bus's queues (the engine's action lanes)
     * as a handler of this bus: what it publishes while the bus is closing is still taken, as
     * what handlers publish is, so that the drain does not drop its results.
     *
     * @param work the work
     */
    void runAsHandler(Runnable work) {
        InMemoryEventBus previous = DELIVERING.get();
        DELIVERING.set(this);
        try {
            work.run();
        } finally {
            if (previous == null) {
                DELIVERING.remove();
            } else {
                DELIVERING.set(previous);
            }
        }
    }

    /**
     * Counts work that subscribers handed on outside the bus's queues (the engine's action
     * lanes) as pending, so that {@link #awaitIdle} and {@link #close} wait for it too.
     *
     * @param delta +1 when a piece of work is handed on, -1 when it is done
     */
    void countWork(int delta) {
        addPending(delta);
    }

    // A waiter counts itself before it reads the count under the lock of idle, so that the
    // thread whose change brings the count to zero after that read sees the waiter, and its
    // notifyAll, which needs the same lock, comes once the waiter waits.
    private void addPending(long delta) {
        if (pending.addAndGet(delta) == 0 && idleWaiters.get() > 0) {
            synchronized (idle) {
                idle.notifyAll();
            }
        }
    }

    /**
     * A 64-bit FNV-1a hash of the event's source and id, which identify it; the source's length
     * goes first, so that no source and id can be shifted into another pair.
     */
    private static long fingerprint(Event event) {
        String source = event.source().toString();
        long hash = fnv(0xcbf29ce484222325L, Integer.toString(source.length()) + ':');
        return fnv(fnv(hash, source), event.id());
    }

    private static long fnv(long hash, String text) {
        long result = hash;
        for (int i = 0; i < text.length(); i++) {
            result ^= text.charAt(i);
            result *= 0x100000001b3L;
        }
        return result;
    }

    @Override
    public String toString() {
        return "EventBus[in memory, " + topics.size() + " topics, capacity " + queueCapacity
                + "]";
    }

    private final class Topic {

        private static final Group[] NO_GROUPS = new Group[0];

        private final String name;
        // Copy on write, under this topic's lock, so that publishers read it without a lock.
        private volatile Group[] groups = NO_GROUPS;

        Topic(String name) {
            this.name = name;
        }

        synchronized Group join(Consumer consumer, String groupName) {
            Group target = null;
            for (Group group : groups) {
                if (group.name.equals(groupName)) {
                    target = group;
                }
            }
            if (target == null) {
                target = new Group(this, groupName);
                Group[] grown = Arrays.copyOf(groups, groups.length + 1);
                grown[groups.length] = target;
                groups = grown;
            }
            consumer.group = target;
            target.consumers.add(consumer);
            return target;
        }

        synchronized void leave(Group group, Consumer consumer) {
            group.consumers.remove(consumer);
            if (!group.consumers.isEmpty() || !Arrays.asList(groups).contains(group)) {
                return;
            }
            groups = Arrays.stream(groups).filter(g -> g != group).toArray(Group[]::new);
            int dropped = group.close();
            if (dropped > 0) {
                LOG.warn("Last subscriber of group '{}' left topic '{}'; {} queued events "
                        + "dropped", group.name, name, dropped);
            }
        }

        // Counts the event as pending once per group first, so that the bus never looks idle
        // while a group handles it, then gives every group its chance without holding a lock
        // across groups, and takes back the counts of the groups that did not take it.
        void offer(Event event) {
            Group[] targets = groups;
            if (targets.length == 0) {
                LOG.debug("No subscriber on topic '{}'; event '{}' dropped", name, event.id());
                return;
            }
            long fingerprint = fingerprint(event);
            addPending(targets.length);
            int notTaken = 0;
            Group full = null;
            for (Group group : targets) {
                Offer result = group.offer(event, fingerprint);
                if (result != Offer.TAKEN) {
                    notTaken++;
                    full = result == Offer.FULL ? group : full;
                }
            }
            if (notTaken > 0) {
                addPending(-notTaken);
            }
            if (full != null) {
                throw new EventRejectedException("bus: queue of group '" + full.name
                        + "' on topic '" + name + "' is full (" + queueCapacity
                        + " events); event '" + event.id() + "' was not taken by it",
                        RETRY_AFTER);
            }
        }
    }

    /** What a group did with an offered event. */
    private enum Offer { TAKEN, ALREADY_TAKEN, FULL }

    private final class Group implements Waker.Sleeper {

        private final Topic topic;
        private final String name;
        // The queue: a ring of queueCapacity events. Guarded by this group's lock, which is
        // held while an event is checked and queued or taken.
        private final Event[] ring = new Event[queueCapacity];
        private int head;
        private int count;
        // Fingerprints of the events this group took lately, so that a publisher's redelivery
        // after a refusal by another group does not queue the event here a second time.
        // Guarded by this group's lock.
        private final RecentEvents recent = new RecentEvents(RECENT_EVENTS);
        // Set once the last subscriber left; then the group takes nothing. Guarded by this.
        private boolean gone;
        // How many of the subscribers sleep, since when the last one does, and whether the
        // waker is to wake one, see enqueue. Guarded by this.
        private int sleeping;
        private long sleptAt;
        private boolean deferred;
        private final List<Consumer> consumers = new CopyOnWriteArrayList<>();

        Group(Topic topic, String name) {
            this.topic = topic;
            this.name = name;
        }

        synchronized Offer offer(Event event, long fingerprint) {
            if (gone || recent.contains(fingerprint)) {
                // A group that left is as if it had never been there when the event came.
                return Offer.ALREADY_TAKEN;
            }
            if (count == ring.length) {
                return Offer.FULL;
            }
            enqueue(event);
            recent.add(fingerprint);
            return Offer.TAKEN;
        }

        /**
         * Puts back, first in the queue, the events its subscriber took as it was closed;
         * returns false, keeping none, if they do not fit or the group takes nothing more.
         */
        synchronized boolean giveBack(Event[] events, int from, int to) {
            if (gone || closed || count + to - from > ring.length) {
                return false;
            }
            for (int i = to - 1; i >= from; i--) {
                head = head == 0 ? ring.length - 1 : head - 1;
                ring[head] = events[i];
                count++;
            }
            wakeOne();
            return true;
        }

        // A subscriber that went to sleep lately, and so may be keeping up with its publishers
        // one event at a time, is woken by the waker a little later for the first event, or at
        // once when a run of events waits, so that it takes events in runs and does not cost a
        // wake-up each. One that slept longer wakes at once for the first event.
        private void enqueue(Event event) {
            int tail = head + count;
            ring[tail < ring.length ? tail : tail - ring.length] = event;
            count++;
            if (sleeping == 0 || deferred && count % wakeAt != 0) {
                return;
            }
            if (deferred || count % wakeAt == 0
                    || System.nanoTime() - sleptAt > QUIET_NANOS) {
                wakeOne();
            } else {
                deferred = true;
                waker.defer(this);
            }
        }

        @Override
        public synchronized void wakeOne() {
            deferred = false;
            if (sleeping == 0 || count == 0) {
                return;
            }
            for (Consumer consumer : consumers) {
                if (consumer.asleep) {
                    sleep(consumer, false);
                    LockSupport.unpark(consumer.thread);
                    return;
                }
            }
        }

        /**
         * Takes the next events into the given array, at most its length and no more than the
         * subscriber's share, so that the others of its group get some; with none queued, sets
         * the subscriber to sleep. Returns how many it took.
         */
        synchronized int take(Consumer consumer, Event[] into) {
            if (count == 0) {
                sleep(consumer, true);
                return 0;
            }
            // A subscriber that is leaving may still take once; it is no longer in the list.
            int share = count / Math.max(1, consumers.size());
            int taken = Math.min(into.length, Math.max(1, share));
            for (int i = 0; i < taken; i++) {
                into[i] = ring[head];
                ring[head] = null;
                head = head + 1 == ring.length ? 0 : head + 1;
            }
            count -= taken;
            return taken;
        }

        synchronized void sleep(Consumer consumer, boolean asleep) {
            if (consumer.asleep != asleep) {
                consumer.asleep = asleep;
                sleeping += asleep ? 1 : -1;
                sleptAt = asleep ? System.nanoTime() : sleptAt;
            }
        }

        /** Takes nothing more and drops what is queued; returns how many events it dropped. */
        int close() {
            int dropped;
            synchronized (this) {
                gone = true;
                dropped = count;
                Arrays.fill(ring, null);
                count = 0;
            }
            addPending(-dropped);
            return dropped;
        }
    }

    private final class Consumer implements Subscription, Runnable {

        // How many events a subscriber takes from its group's queue at once, at most: it
        // handles them in order, then takes them back from the bus-wide count together.
        private static final int TAKEN_AT_ONCE = 64;
        // A sleeping subscriber looks at its running flag this often, though close wakes it.
        private static final long SLEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

        private final String topic;
        private final EventHandler handler;
        private volatile Group group; // set by Topic.join under the topic's lock, then fixed
        private Thread thread;
        private volatile boolean running = true;
        private boolean asleep; // guarded by the group's lock
        // Held while an event is checked and handled, so that once close() returns no handler
        // call starts.
        private final Object handing = new Object();

        Consumer(String topic, EventHandler handler) {
            this.topic = topic;
            this.handler = handler;
        }

        void start(Group joined) {
            thread = new Thread(this, "recipes-bus-" + topic + "-" + joined.name);
            thread.setDaemon(true);
            thread.start();
        }

        @Override
        public void run() {
            Group source = group;
            Event[] taken = new Event[TAKEN_AT_ONCE];
            try {
                while (running) {
                    int count = source.take(this, taken);
                    if (count == 0) {
                        LockSupport.parkNanos(this, SLEEP_NANOS);
                        source.sleep(this, false);
                        continue;
                    }
                    int handled = handle(taken, count);
                    addPending(-handled);
                    if (handled < count) {
                        return;
                    }
                }
            } finally {
                source.sleep(this, false);
            }
        }

        // Handles the taken events in order, and returns how many it handled. Closed part way,
        // it gives the rest back to its group.
        private int handle(Event[] taken, int count) {
            for (int i = 0; i < count; i++) {
                synchronized (handing) {
                    if (!running) {
                        giveBack(taken, i, count);
                        return i;
                    }
                    deliver(taken[i]);
                }
                taken[i] = null;
            }
            return count;
        }

        // The events this subscriber took as it was closed go back to its group for another
        // subscriber; with none left, they go the way of the group's other queued events.
        private void giveBack(Event[] taken, int from, int to) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            boolean back = group.giveBack(taken, from, to);
            while (!back && !closed && !group.consumers.isEmpty()
                    && System.nanoTime() < deadline) {
                try {
                    TimeUnit.MILLISECONDS.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
                back = group.giveBack(taken, from, to);
            }
            if (!back) {
                addPending(-(to - from));
                LOG.warn("{} events of group '{}' on topic '{}' were dropped, the first '{}': "
                        + "their subscriber closed and no other one took them", to - from,
                        group.name, topic, taken[from].id());
            }
        }

        private void deliver(Event event) {
            MDC.put("eventId", event.id());
            DELIVERING.set(InMemoryEventBus.this);
            try {
                handler.handle(event);
            } catch (DeliveryDeferredException e) {
                LOG.debug("Handler in group '{}' on topic '{}' deferred event '{}': {}",
                        group.name, topic, event.id(), e.getMessage());
            } catch (Exception | Error e) {
                // Limitation: a failed handler is logged and the event acknowledged; the
                // in-memory bus does not redeliver it.
                LOG.error("Handler in group '{}' on topic '{}' failed on event '{}'",
                        group.name, topic, event.id(), e);
            } finally {
                DELIVERING.remove();
                MDC.remove("eventId");
            }
        }

        @Override
        public String topic() {
            return topic;
        }

        @Override
        public String group() {
            return group.name;
        }

        @Override
        public void close() {
            stop();
            if (Thread.currentThread() != thread) {
                synchronized (handing) {
                    // Waits for the event being handled, if any.
                }
            }
        }

        /** Stops taking events without waiting for the one being handled. */
        void stop() {
            running = false;
            LockSupport.unpark(thread);
            if (!closed) {
                group.topic.leave(group, this);
            }
        }
    }
}
