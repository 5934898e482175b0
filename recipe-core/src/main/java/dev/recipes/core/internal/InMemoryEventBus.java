package dev.recipes.core.internal;

import dev.recipes.core.DeliveryDeferredException;
import dev.recipes.core.Event;
import dev.recipes.core.EventBus;
import dev.recipes.core.EventHandler;
import dev.recipes.core.EventRejectedException;
import dev.recipes.core.Subscription;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
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
 */
public final class InMemoryEventBus implements EventBus {

    private static final Logger LOG = LoggerFactory.getLogger(InMemoryEventBus.class);
    private static final Duration RETRY_AFTER = Duration.ofSeconds(1);
    private static final int RECENT_EVENTS = 4096;

    private final int queueCapacity;
    private final Map<String, Topic> topics = new ConcurrentHashMap<>();
    private final Object idle = new Object();
    private long pending; // queued or being handled; guarded by idle
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
        Group target = topics.computeIfAbsent(topic, Topic::new).group(group);
        Consumer consumer = new Consumer(topic, target, handler);
        target.consumers.add(consumer);
        consumer.thread.start();
        return consumer;
    }

    @Override
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (idle) {
            while (pending > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(idle, left);
            }
            return true;
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
            topic.groups.values().forEach(group -> group.consumers.forEach(Consumer::stop));
        }
        if (!drained) {
            LOG.error("Bus closed with {} events not handled", pendingCount());
        }
        return drained;
    }

    private long pendingCount() {
        synchronized (idle) {
            return pending;
        }
    }

    private void changePending(long delta) {
        synchronized (idle) {
            pending += delta;
            if (pending == 0) {
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

        private final String name;
        private final Map<String, Group> groups = new ConcurrentHashMap<>();

        Topic(String name) {
            this.name = name;
        }

        Group group(String group) {
            return groups.computeIfAbsent(group, name -> new Group(this, name));
        }

        synchronized void leave(Group group, Consumer consumer) {
            group.consumers.remove(consumer);
            if (group.consumers.isEmpty() && groups.remove(group.name, group)) {
                int dropped = group.queue.size();
                group.queue.clear();
                changePending(-dropped);
                if (dropped > 0) {
                    LOG.warn("Last subscriber of group '{}' left topic '{}'; {} queued events "
                            + "dropped", group.name, name, dropped);
                }
            }
        }

        synchronized void offer(Event event) {
            long fingerprint = fingerprint(event);
            Group full = null;
            for (Group group : groups.values()) {
                if (group.recent.containsKey(fingerprint)) {
                    continue;
                }
                changePending(1);
                if (group.queue.offer(event)) {
                    group.recent.put(fingerprint, Boolean.TRUE);
                } else {
                    changePending(-1);
                    full = group;
                }
            }
            if (full != null) {
                throw new EventRejectedException("bus: queue of group '" + full.name
                        + "' on topic '" + name + "' is full (" + queueCapacity
                        + " events); event '" + event.id() + "' was not taken by it",
                        RETRY_AFTER);
            }
        }
    }

    private final class Group {

        private final Topic topic;
        private final String name;
        private final BlockingQueue<Event> queue = new ArrayBlockingQueue<>(queueCapacity);
        // Fingerprints of the events this group took lately, so that a publisher's redelivery
        // after a refusal by another group does not queue the event here a second time.
        // Guarded by the topic's lock.
        private final Map<Long, Boolean> recent = new LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
                return size() > RECENT_EVENTS;
            }
        };
        private final List<Consumer> consumers = new CopyOnWriteArrayList<>();

        Group(Topic topic, String name) {
            this.topic = topic;
            this.name = name;
        }
    }

    private final class Consumer implements Subscription, Runnable {

        private final String topic;
        private final Group group;
        private final EventHandler handler;
        private final Thread thread;
        private volatile boolean running = true;
        // Held while an event is checked and handled, so that once close() returns no handler
        // call starts.
        private final Object handing = new Object();

        Consumer(String topic, Group group, EventHandler handler) {
            this.topic = topic;
            this.group = group;
            this.handler = handler;
            this.thread = new Thread(this, "recipes-bus-" + topic + "-" + group.name);
            this.thread.setDaemon(true);
        }

        @Override
        public void run() {
            while (running) {
                Event event;
                try {
                    event = group.queue.poll(100, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    return;
                }
                if (event != null) {
                    synchronized (handing) {
                        if (!running) {
                            giveBack(event);
                            return;
                        }
                        deliver(event);
                    }
                }
            }
        }

        // An event this subscriber took as it was closed goes back to its group for another
        // subscriber; with none left, it goes the way of the group's other queued events.
        private void giveBack(Event event) {
            boolean taken = false;
            if (!closed && !group.consumers.isEmpty()) {
                try {
                    taken = group.queue.offer(event, 1, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (!taken) {
                changePending(-1);
                LOG.warn("Event '{}' of group '{}' on topic '{}' was dropped: its subscriber "
                        + "closed and no other one took it", event.id(), group.name, topic);
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
                changePending(-1);
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
            if (!closed) {
                group.topic.leave(group, this);
            }
        }
    }
}
