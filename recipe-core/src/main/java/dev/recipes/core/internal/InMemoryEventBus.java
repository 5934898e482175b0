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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The embedded bus: per topic, a ring of events that each group reads at its own cursor, and
 * one thread per subscriber.
 *
 * <p>Each group holds at most the queue capacity of events. Publishing to a topic writes the
 * event once, for every group that has room. If a group is full, the publish is rejected even
 * though the other groups took the event: the publisher tries again later, and the groups that
 * took it already do not take it again (the topic remembers, by source and id, which groups
 * took the events of its last 4,096 refusals). So one slow group pushes back on its
 * publishers without holding back the other groups, or making them work twice, until the topic
 * runs a whole capacity ahead of it; from then on the ring, twice the capacity long, has no
 * room for anyone until the slow group takes some.
 *
 * <p>Publishers to a topic take turns on the topic's lock; subscribers read the ring without
 * it, taking runs of events under their group's lock, so a publish costs the same small step
 * however many groups there are. The count of events queued or being handled, for
 * {@link #awaitIdle}, is one atomic number that a subscriber updates once per run of events it
 * took. A subscriber with nothing to take sleeps; if subscribers were woken lately, the first
 * event wakes them about a millisecond later, or at once when a run of events was published,
 * so that a subscriber that keeps up with its publishers takes events in runs instead of
 * costing a wake-up each. The ring keeps the last events after they were taken, until written
 * over.
 */
public final class InMemoryEventBus implements EventBus {

    private static final Logger LOG = LoggerFactory.getLogger(InMemoryEventBus.class);
    private static final Duration RETRY_AFTER = Duration.ofSeconds(1);
    private static final int RECENT_EVENTS = 4096;
    /**
     * The largest queue capacity: a topic's ring holds twice the capacity, in two arrays
     * allocated when its first group subscribes (about 256 MB at this capacity).
     */
    public static final int MAX_QUEUE_CAPACITY = 1 << 24;
    // When no sleeping subscriber of a topic was woken for this long, the next event wakes them
    // at once; see Topic.afterWrite.
    private static final long QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final int queueCapacity;
    // How many events published on a topic while subscribers sleep wake them without delay;
    // see Topic.afterWrite.
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
    private volatile boolean closing;
    private volatile boolean closed;
    // The bus whose handler the current thread is running: while the bus closes, only handlers
    // may still publish, so that the work of events already taken is finished.
    private static final ThreadLocal<InMemoryEventBus> DELIVERING = new ThreadLocal<>();
    // The tail of a topic's ring and a group's cursor, moved with release semantics; see
    // Topic.
    private static final VarHandle TAIL;
    private static final VarHandle CURSOR;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            TAIL = lookup.findVarHandle(TailEnd.class, "tail", long.class);
            CURSOR = lookup.findVarHandle(CursorEnd.class, "cursor", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * Creates a bus.
     *
     * @param queueCapacity the capacity of each group's queue, from 1 to
     *     {@link #MAX_QUEUE_CAPACITY}
     * @throws IllegalArgumentException if the capacity is out of that range
     */
    public InMemoryEventBus(int queueCapacity) {
        if (queueCapacity < 1 || queueCapacity > MAX_QUEUE_CAPACITY) {
            throw new IllegalArgumentException("in-memory bus: queue capacity " + queueCapacity
                    + " must be from 1 to " + MAX_QUEUE_CAPACITY);
        }
        this.queueCapacity = queueCapacity;
        this.wakeAt = Math.max(1, Math.min(512, queueCapacity / 2));
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
        Topic target = topics.get(topic);
        if (target == null) {
            refuseIfClosing(topic, event);
            LOG.debug("No subscriber on topic '{}'; event '{}' dropped", topic, event.id());
            return;
        }
        target.offer(event);
    }

    // Publishers look at the state holding their topic's lock, and close() takes every
    // topic's lock once it set closing, so no publish that saw the bus open is still on its
    // way when it starts waiting for the queues to drain.
    private void refuseIfClosing(String topic, Event event) {
        if (closed || (closing && DELIVERING.get() != this)) {
            throw new EventRejectedException("bus: " + (closed ? "closed" : "closing")
                    + "; event '" + event.id() + "' on topic '" + topic + "' was not taken",
                    RETRY_AFTER);
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
        Objects.requireNonNull(timeout, "timeout");
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
        Objects.requireNonNull(deadline, "deadline");
        closing = true;
        for (Topic topic : topics.values()) {
            synchronized (topic) {
                // Waits for a publish that saw the bus open; see refuseIfClosing.
            }
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
            synchronized (topic) {
                for (Group group : topic.groups) {
                    group.consumers.forEach(Consumer::stop);
                }
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
     * A 64-bit hash of the event's source and id, which identify it, to find what the topic
     * remembers of it; the memory compares the source and id themselves, so a collision costs
     * only a memory forgotten early. Built from the strings' own hash codes, which they keep.
     */
    private static long fingerprint(Event event) {
        long mixed = (event.id().hashCode() & 0xffffffffL) * 0x9e3779b97f4a7c15L;
        return mixed ^ event.source().hashCode();
    }

    @Override
    public String toString() {
        return "EventBus[in memory, " + topics.size() + " topics, capacity " + queueCapacity
                + "]";
    }

    // Fields that different threads write go on cache lines of their own, so that threads do
    // not wait for lines that other threads wrote only next to what they read: the JVM lays out
    // a superclass's fields before its subclass's, so a class of 16 longs between two parts
    // keeps 128 bytes between them.

    /** Padding before the tail of a topic's ring. */
    private abstract static class TailPadding {
        long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
    }

    /** The tail of a topic's ring, written only by the publisher holding the topic's lock. */
    private abstract static class TailEnd extends TailPadding {
        // Events ever written into the ring; read by subscribers.
        volatile long tail;
        // The ring's index of the tail, and the least cursor of the groups as last read.
        int tailSlot;
        long leastCursorSeen;
    }

    /** Padding after the tail of a topic's ring. */
    private abstract static class TopicFields extends TailEnd {
        long p20, p21, p22, p23, p24, p25, p26, p27, p28, p29, p30, p31, p32, p33, p34, p35;
    }

    /** Padding before a group's cursor. */
    private abstract static class CursorPadding {
        long p40, p41, p42, p43, p44, p45, p46, p47, p48, p49, p50, p51, p52, p53, p54, p55;
    }

    /** A group's cursor, written by a subscriber holding the group's lock. */
    private abstract static class CursorEnd extends CursorPadding {
        // The next event of the ring for the group: events before it were taken or skipped.
        volatile long cursor;
        // How many of the subscribers sleep; written under the group's lock.
        volatile int sleeping;
    }

    /** Padding after a group's cursor. */
    private abstract static class GroupFields extends CursorEnd {
        long p60, p61, p62, p63, p64, p65, p66, p67, p68, p69, p70, p71, p72, p73, p74, p75;
    }

    /**
     * A topic: a ring of events that its groups read, each at its own cursor, so that a publish
     * writes the event once however many groups take it.
     *
     * <p>A group holds the events from its cursor to the tail: when that is the queue's
     * capacity, the group is full and skips the events published until it takes some, which
     * the ring marks for it; the other groups take them. The ring holds twice the capacity, so
     * that a full group holds back no other group until the topic runs a whole capacity ahead
     * of it; then the publish is refused for every group until it takes some.
     */
    private final class Topic extends TopicFields implements Waker.Sleeper {

        private static final Group[] NO_GROUPS = new Group[0];

        private final String name;
        // The events, and for each one null or the groups that skip it. Written at the tail by
        // the publisher holding this topic's lock before it moves the tail; an event's slot is
        // written again only once every group's cursor passed it.
        private final Event[] ring = new Event[2 * queueCapacity];
        private final Group[][] skips = new Group[ring.length][];
        // Copy on write, under this topic's lock, so that hasSubscribers reads it without one.
        private volatile Group[] groups = NO_GROUPS;
        // Which groups took each of the last events published here that a full group refused,
        // by source and id: the array of groups itself once every group of it took the event,
        // else an array of those that did. Guarded by this topic's lock.
        private final RecentTakes<Group[]> recent = new RecentTakes<>(RECENT_EVENTS);
        // How many subscribers of this topic sleep, so that a publisher that finds none wakes
        // none without looking at the groups.
        private final AtomicInteger sleepers = new AtomicInteger();
        // Events published since sleeping subscribers were last woken, whether the waker is to
        // wake them, and when they were last woken: guarded by this topic's lock.
        private int unwoken;
        private boolean deferred;
        private long wokenAt;

        Topic(String name) {
            this.name = name;
        }

        // Looks at the state under this topic's lock, as close() stops the subscribers it finds
        // under it, so that a subscriber joins before close() looks, or not at all.
        synchronized Group join(Consumer consumer, String groupName) {
            if (closed) {
                throw new IllegalStateException("bus: closed; cannot subscribe to '" + name
                        + "'");
            }
            Group target = null;
            for (Group group : groups) {
                if (group.name.equals(groupName)) {
                    target = group;
                }
            }
            if (target == null) {
                target = new Group(this, groupName, tail);
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

        // Writes the event into the ring for every group that has room and did not take it
        // when it was refused lately, counting it as pending once for each of them before any
        // can take it; then wakes sleeping subscribers, and refuses the event if a group was
        // full.
        void offer(Event event) {
            Group full;
            synchronized (this) {
                refuseIfClosing(name, event);
                Group[] targets = groups;
                if (targets.length == 0) {
                    LOG.debug("No subscriber on topic '{}'; event '{}' dropped", name,
                            event.id());
                    return;
                }
                Group[] tookBefore = recent.isEmpty() ? null
                        : recent.get(fingerprint(event), event);
                if (tookBefore == targets) {
                    return;
                }
                long at = tail;
                if (at - leastCursorSeen >= queueCapacity || tookBefore != null) {
                    full = offerSlowly(event, targets, tookBefore, at);
                } else {
                    full = null;
                    write(event, null, at, targets.length);
                }
                if (full == null || tail != at) {
                    afterWrite();
                }
            }
            if (full != null) {
                throw new EventRejectedException("bus: queue of group '" + full.name
                        + "' on topic '" + name + "' is full (" + queueCapacity
                        + " events); event '" + event.id() + "' was not taken by it",
                        RETRY_AFTER);
            }
        }

        // The publish when a group may be full or took the event before: reads every group's
        // cursor, writes the event with the groups that skip it, or nowhere if every group
        // skips it or one holds back the ring; returns a group that was full, or null.
        private Group offerSlowly(Event event, Group[] targets, Group[] tookBefore, long at) {
            long least = Long.MAX_VALUE;
            Group blocking = null;
            Group full = null;
            List<Group> skipping = null;
            for (Group group : targets) {
                long cursor = group.cursor;
                least = Math.min(least, cursor);
                boolean took = tookBefore != null && contains(tookBefore, group);
                if (at - cursor >= ring.length) {
                    blocking = group;
                } else if (took || at - cursor >= queueCapacity) {
                    full = took ? full : group;
                    skipping = skipping == null ? new ArrayList<>() : skipping;
                    skipping.add(group);
                }
            }
            leastCursorSeen = least;
            if (blocking != null) {
                return blocking;
            }
            int skipped = skipping == null ? 0 : skipping.size();
            if (skipped < targets.length) {
                write(event, skipped == 0 ? null : skipping.toArray(NO_GROUPS), at,
                        targets.length - skipped);
            }
            if (full == null) {
                if (tookBefore != null) {
                    recent.update(fingerprint(event), event, targets);
                }
            } else {
                List<Group> refused = new ArrayList<>();
                for (Group group : skipping) {
                    if (tookBefore == null || !contains(tookBefore, group)) {
                        refused.add(group);
                    }
                }
                Group[] took = Arrays.stream(targets).filter(g -> !refused.contains(g))
                        .toArray(Group[]::new);
                if (took.length > 0) {
                    recent.refused(fingerprint(event), event, took);
                }
            }
            return full;
        }

        private void write(Event event, Group[] skipping, long at, int takers) {
            addPending(takers);
            ring[tailSlot] = event;
            if (skipping != null || skips[tailSlot] != null) {
                skips[tailSlot] = skipping;
            }
            tailSlot = tailSlot + 1 == ring.length ? 0 : tailSlot + 1;
            TAIL.setRelease(this, at + 1);
        }

        // A subscriber that went to sleep lately, and so may be keeping up with its publishers
        // one event at a time, is woken by the waker a little later for the first event, or at
        // once when a run of events was published, so that it takes events in runs and does
        // not cost a wake-up each. If none was woken lately, the first event wakes them at once.
        private void afterWrite() {
            // Orders the written event before the look at the sleepers; see Group.take.
            VarHandle.fullFence();
            if (sleepers.get() == 0) {
                return;
            }
            unwoken++;
            if (unwoken >= wakeAt
                    || unwoken == 1 && System.nanoTime() - wokenAt > QUIET_NANOS) {
                wakeSleepers();
            } else if (!deferred) {
                deferred = true;
                waker.defer(this);
            }
        }

        @Override
        public synchronized void wakeOne() {
            wakeSleepers();
        }

        // Wakes a sleeping subscriber of every group with events to take; holds this lock.
        private void wakeSleepers() {
            unwoken = 0;
            deferred = false;
            wokenAt = System.nanoTime();
            for (Group group : groups) {
                if (group.sleeping > 0) {
                    group.wakeOne();
                }
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

    private final class Group extends GroupFields {

        private final Topic topic;
        private final String name;
        // The ring's index of the cursor; guarded by this group's lock.
        private int cursorSlot;
        // Events that a subscriber closed with in hand gave back, taken before the ring's.
        // Guarded by this group's lock.
        private final ArrayDeque<Event> givenBack = new ArrayDeque<>();
        // Set once the last subscriber left; then the group takes nothing. Guarded by this.
        private boolean gone;
        private final List<Consumer> consumers = new CopyOnWriteArrayList<>();

        Group(Topic topic, String name, long from) {
            this.topic = topic;
            this.name = name;
            this.cursor = from;
            this.cursorSlot = (int) (from % topic.ring.length);
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

        /** Wakes a sleeping subscriber, if the group has one and events to take. */
        synchronized void wakeOne() {
            if (sleeping == 0 || cursor == topic.tail && givenBack.isEmpty()) {
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
         * subscriber's share, so that the others of its group get some; with none to take,
         * sets the subscriber to sleep. Returns how many it took.
         */
        synchronized int take(Consumer consumer, Event[] into) {
            if (gone) {
                // Its last subscriber left: what the ring holds now is not counted for it.
                return 0;
            }
            int taken = 0;
            while (taken < into.length && !givenBack.isEmpty()) {
                into[taken++] = givenBack.pollFirst();
            }
            if (taken > 0) {
                return taken;
            }
            Event[] ring = topic.ring;
            Group[][] skips = topic.skips;
            while (taken == 0) {
                long from = cursor;
                long available = topic.tail - from;
                if (available == 0) {
                    // A publisher writes, then looks whether a subscriber sleeps; this one
                    // counts itself asleep (an atomic update, so a full fence), then looks at
                    // the ring again. So either the publisher sees it asleep, or it sees the
                    // event.
                    sleep(consumer, true);
                    available = topic.tail - from;
                    if (available == 0) {
                        return 0;
                    }
                    sleep(consumer, false);
                }
                // A subscriber that is leaving may still take once; it is no longer in the
                // list.
                long share = available / Math.max(1, consumers.size());
                int passed = (int) Math.min(into.length, Math.max(1, share));
                int slot = cursorSlot;
                for (int i = 0; i < passed; i++) {
                    Group[] skipping = skips[slot];
                    if (skipping == null || !Topic.contains(skipping, this)) {
                        into[taken++] = ring[slot];
                    }
                    slot = slot + 1 == ring.length ? 0 : slot + 1;
                }
                cursorSlot = slot;
                CURSOR.setRelease(this, from + passed);
            }
            return taken;
        }

        void awake(Consumer consumer) {
            if (consumer.asleep) {
                sleep(consumer, false);
            }
        }

        synchronized void sleep(Consumer consumer, boolean asleep) {
            if (consumer.asleep != asleep) {
                consumer.asleep = asleep;
                sleeping += asleep ? 1 : -1;
                topic.sleepers.addAndGet(asleep ? 1 : -1);
            }
        }

        /**
         * Takes nothing more and drops what it holds; returns how many events it dropped. The
         * caller holds the topic's lock, so no publisher is writing.
         */
        int close() {
            int dropped;
            synchronized (this) {
                gone = true;
                dropped = givenBack.size();
                givenBack.clear();
                long end = topic.tail;
                int slot = cursorSlot;
                for (long at = cursor; at < end; at++) {
                    Group[] skipping = topic.skips[slot];
                    if (skipping == null || !Topic.contains(skipping, this)) {
                        dropped++;
                    }
                    slot = slot + 1 == topic.ring.length ? 0 : slot + 1;
                }
                cursorSlot = slot;
                CURSOR.setRelease(this, end);
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
        // Written under the group's lock; read without it to skip taking it.
        private volatile boolean asleep;
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
                        source.awake(this);
                        continue;
                    }
                    int handled = handle(taken, count);
                    addPending(-handled);
                    if (handled < count) {
                        return;
                    }
                }
            } finally {
                source.awake(this);
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
                // An interrupt the handler left set is not for the next event, nor for this
                // thread's sleep.
                if (Thread.interrupted()) {
                    LOG.debug("Handler in group '{}' on topic '{}' left its thread interrupted "
                            + "after event '{}'; cleared", group.name, topic, event.id());
                }
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
            // A handler of this bus does not wait: two handlers closing each other's
            // subscriptions would each hold its own event and wait for the other's for ever.
            if (Thread.currentThread() != thread && DELIVERING.get() != InMemoryEventBus.this) {
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
