package dev.recipes.core.internal;

import dev.recipes.core.DeliveryDeferredException;
import dev.recipes.core.Event;
import dev.recipes.core.EventBus;
import dev.recipes.core.EventHandler;
import dev.recipes.core.EventRejectedException;
import dev.recipes.core.Subscription;
import java.time.Duration;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayDeque;
import java.util.ArrayList;
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
 * tries again later, and the groups that took it already do not take it again (the topic
 * remembers, by source and id, which groups took each of the last 4,096 events published on
 * it). So one slow group pushes back on its publishers without holding back the other groups,
 * or making them work twice.
 *
 * <p>Publishers to a topic take turns on the topic's lock, and each group's queue has one
 * writer, the publisher holding it, and is read by the group's subscribers under the group's
 * own lock: a publish touches no subscriber's lock while the subscribers are awake, and costs
 * the same small step for every group. The count of events queued or being handled, for
 * {@link #awaitIdle}, is one atomic number that a subscriber updates once per run of events it
 * took. A subscriber with nothing queued sleeps; if it went to sleep lately, the first event
 * wakes it about a millisecond later, or at once when a run of events is queued, so that a
 * subscriber that keeps up with its publishers takes events in runs instead of costing a
 * wake-up each.
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
    // The ends of a group's queue, moved with release semantics; see Group.
    private static final VarHandle TAIL;
    private static final VarHandle HEAD;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            TAIL = lookup.findVarHandle(Group.class, "tail", long.class);
            HEAD = lookup.findVarHandle(Group.class, "head", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

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
        long hash = (0xcbf29ce484222325L ^ source.length()) * 0x100000001b3L;
        hash = (hash ^ ':') * 0x100000001b3L;
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
        // Copy on write, under this topic's lock, so that hasSubscribers reads it without one.
        private volatile Group[] groups = NO_GROUPS;
        // Which groups took each of the last events published here, by fingerprint: the array
        // of groups itself when every group of it took the event, else an array of those that
        // did. Guarded by this topic's lock.
        private final RecentTakes<Group[]> recent = new RecentTakes<>(RECENT_EVENTS);
        // How many subscribers of this topic sleep, so that a publisher that finds none looks
        // at no group to wake it.
        private final AtomicInteger sleepers = new AtomicInteger();

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
        // while a group handles it, then queues it for every group that has room and did not
        // take it lately, and takes back the counts of the groups that did not take it now.
        void offer(Event event) {
            long fingerprint = fingerprint(event);
            Group[] targets;
            int notTaken = 0;
            Group full = null;
            synchronized (this) {
                targets = groups;
                if (targets.length == 0) {
                    LOG.debug("No subscriber on topic '{}'; event '{}' dropped", name,
                            event.id());
                    return;
                }
                Group[] tookBefore = recent.get(fingerprint);
                if (tookBefore == targets) {
                    return;
                }
                addPending(targets.length);
                List<Group> refused = null;
                for (Group group : targets) {
                    if (tookBefore != null && contains(tookBefore, group)) {
                        notTaken++;
                    } else if (!group.enqueue(event)) {
                        notTaken++;
                        full = group;
                        refused = refused == null ? new ArrayList<>() : refused;
                        refused.add(group);
                    }
                }
                remember(fingerprint, targets, refused);
            }
            // Orders the queued events before the look at the sleepers; see Group.take.
            VarHandle.fullFence();
            if (sleepers.get() > 0) {
                for (Group group : targets) {
                    group.wakeIfAsleep();
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

        private void remember(long fingerprint, Group[] targets, List<Group> refused) {
            if (refused == null) {
                recent.put(fingerprint, targets);
            } else if (refused.size() < targets.length) {
                recent.put(fingerprint, Arrays.stream(targets)
                        .filter(group -> !refused.contains(group))
                        .toArray(Group[]::new));
            }
        }

        private static boolean contains(Group[] groups, Group group) {
            for (Group candidate : groups) {
                if (candidate == group) {
                    return true;
                }
            }
            return false;
        }
    }

    private final class Group implements Waker.Sleeper {

        private final Topic topic;
        private final String name;
        // The queue: a ring of queueCapacity events between head and tail, which count the
        // events ever taken and ever queued. The publisher holding the topic's lock writes an
        // event at the tail and then moves it on; the group's subscribers, holding the group's
        // lock, take events at the head and then move it on. Each moves its own with release
        // semantics and reads the other's as a volatile.
        private final Event[] ring = new Event[queueCapacity];
        private volatile long tail;
        private volatile long head;
        // The ring's index of the tail, and the head as the publisher last read it: guarded by
        // the topic's lock.
        private int tailSlot;
        private long headSeen;
        // The ring's index of the head; guarded by this group's lock.
        private int headSlot;
        // Events that a subscriber closed with in hand gave back, taken before the queue's.
        // Guarded by this group's lock.
        private final ArrayDeque<Event> givenBack = new ArrayDeque<>();
        // Set once the last subscriber left; then the group takes nothing. Guarded by this.
        private boolean gone;
        // How many of the subscribers sleep (written under this group's lock), since when the
        // last one does (guarded by it), and whether the waker is to wake one; see
        // wakeIfAsleep.
        private volatile int sleeping;
        private long sleptAt;
        private volatile boolean deferred;
        private final List<Consumer> consumers = new CopyOnWriteArrayList<>();

        Group(Topic topic, String name) {
            this.topic = topic;
            this.name = name;
        }

        /** Queues the event if the queue has room; the caller holds the topic's lock. */
        boolean enqueue(Event event) {
            long at = tail;
            if (at - headSeen == ring.length) {
                headSeen = head;
                if (at - headSeen == ring.length) {
                    return false;
                }
            }
            ring[tailSlot] = event;
            tailSlot = tailSlot + 1 == ring.length ? 0 : tailSlot + 1;
            TAIL.setRelease(this, at + 1);
            return true;
        }

        /**
         * Puts back, first in the queue, the events its subscriber took as it was closed;
         * returns false, keeping none, if the group takes nothing more. They may take the
         * queue past its capacity for a while, as they were in it before.
         */
        synchronized boolean giveBack(Event[] events, int from, int to) {
            if (gone || closed) {
                return false;
            }
            for (int i = to - 1; i >= from; i--) {
                givenBack.addFirst(events[i]);
            }
            wakeOne();
            return true;
        }

        // A subscriber that went to sleep lately, and so may be keeping up with its publishers
        // one event at a time, is woken by the waker a little later for the first event, or at
        // once when a run of events waits, so that it takes events in runs and does not cost a
        // wake-up each. One that slept longer wakes at once for the first event.
        void wakeIfAsleep() {
            if (sleeping == 0 || deferred && tail - head < wakeAt) {
                return;
            }
            synchronized (this) {
                long queued = tail - head + givenBack.size();
                if (sleeping == 0 || queued == 0) {
                    return;
                }
                if (queued >= wakeAt || System.nanoTime() - sleptAt > QUIET_NANOS) {
                    wakeOne();
                } else if (!deferred) {
                    deferred = true;
                    waker.defer(this);
                }
            }
        }

        @Override
        public synchronized void wakeOne() {
            deferred = false;
            if (sleeping == 0 || tail == head && givenBack.isEmpty()) {
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
            int taken = 0;
            while (taken < into.length && !givenBack.isEmpty()) {
                into[taken++] = givenBack.pollFirst();
            }
            if (taken > 0) {
                return taken;
            }
            long from = head;
            long queued = tail - from;
            if (queued == 0) {
                // A publisher queues, then looks whether a subscriber sleeps; this one counts
                // itself asleep (an atomic update, so a full fence), then looks at the queue
                // again. So either the publisher sees it asleep, or it sees the event.
                sleep(consumer, true);
                queued = tail - from;
                if (queued == 0) {
                    return 0;
                }
                sleep(consumer, false);
            }
            // A subscriber that is leaving may still take once; it is no longer in the list.
            long share = queued / Math.max(1, consumers.size());
            taken = (int) Math.min(into.length, Math.max(1, share));
            for (int i = 0; i < taken; i++) {
                into[i] = ring[headSlot];
                ring[headSlot] = null;
                headSlot = headSlot + 1 == ring.length ? 0 : headSlot + 1;
            }
            HEAD.setRelease(this, from + taken);
            return taken;
        }

        synchronized void sleep(Consumer consumer, boolean asleep) {
            if (consumer.asleep != asleep) {
                consumer.asleep = asleep;
                sleeping += asleep ? 1 : -1;
                topic.sleepers.addAndGet(asleep ? 1 : -1);
                sleptAt = asleep ? System.nanoTime() : sleptAt;
            }
        }

        /**
         * Takes nothing more and drops what is queued; returns how many events it dropped. The
         * caller holds the topic's lock, so no publisher is queueing.
         */
        int close() {
            int dropped;
            synchronized (this) {
                gone = true;
                dropped = (int) (tail - head) + givenBack.size();
                Arrays.fill(ring, null);
                givenBack.clear();
                headSlot = tailSlot;
                HEAD.setRelease(this, tail);
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
        // Held while events taken are checked and handled, so that once close() returns no
        // handler call starts.
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
            // This thread runs only this bus's handler: what they publish while the bus closes
            // is taken.
            DELIVERING.set(InMemoryEventBus.this);
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
                DELIVERING.remove();
            }
        }

        // Handles the taken events in order, and returns how many it handled. Closed part way,
        // it gives the rest back to its group.
        private int handle(Event[] taken, int count) {
            synchronized (handing) {
                for (int i = 0; i < count; i++) {
                    if (!running) {
                        giveBack(taken, i, count);
                        Arrays.fill(taken, i, count, null);
                        return i;
                    }
                    deliver(taken[i]);
                    taken[i] = null;
                }
            }
            return count;
        }

        // The events this subscriber took as it was closed go back to its group for another
        // subscriber; with none left, they go the way of the group's other queued events.
        private void giveBack(Event[] taken, int from, int to) {
            if (!group.giveBack(taken, from, to)) {
                addPending(-(to - from));
                LOG.warn("{} events of group '{}' on topic '{}' were dropped, the first '{}': "
                        + "their subscriber closed and no other one took them", to - from,
                        group.name, topic, taken[from].id());
            }
        }

        private void deliver(Event event) {
            MDC.put("eventId", event.id());
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
