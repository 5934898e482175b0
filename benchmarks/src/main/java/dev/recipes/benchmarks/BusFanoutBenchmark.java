package dev.recipes.benchmarks;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.eventbus.AsyncEventBus;
import com.google.common.eventbus.Subscribe;
import dev.recipes.core.Event;
import dev.recipes.core.EventBus;
import dev.recipes.core.EventRejectedException;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * How many events per second the in-memory bus delivers to 1 or 100 subscribers, beside
 * baselines doing the same work in the same run: a plain {@link ArrayBlockingQueue} handed to
 * one consumer thread, Guava's synchronous {@code EventBus} and Guava's {@link AsyncEventBus}.
 *
 * <p>Each invocation publishes a batch of events from one thread and waits until every
 * subscriber has handled every event of the batch. The score is published events per second,
 * each of them delivered to every subscriber; the secondary result {@code deliveries} is the
 * same times the number of subscribers. A subscriber's work is the same everywhere: it counts
 * the event in a counter of its own and, at the batch's last event, tells the publisher.
 *
 * <ul>
 *   <li>{@code in-memory}: {@link EventBus#inMemory()}, queues of 1,024 events, each subscriber
 *       in a group of its own (so each gets every event) with its own thread. A refused publish
 *       is tried again after a pause, from 10 µs doubling up to 1 ms, as in
 *       {@link BusThroughputBenchmark}; the secondary result {@code refused} counts the
 *       refusals.</li>
 *   <li>{@code handoff}: one {@code ArrayBlockingQueue} of 1,024 events, {@code put} by the
 *       publisher, taken by one consumer thread that calls every subscriber's handler in
 *       turn.</li>
 *   <li>{@code guava-sync}: Guava's {@code EventBus}; the publisher's thread calls every
 *       subscriber.</li>
 *   <li>{@code guava-async}: Guava's {@code AsyncEventBus} on a fixed pool of two threads, one
 *       task per subscriber and event; subscribers are not marked as thread-safe, so Guava runs
 *       one event at a time per subscriber, its default.</li>
 * </ul>
 *
 * <p>The batch size is a parameter so that a short run can use a small one, but JMH divides by
 * the fixed count of {@link OperationsPerInvocation}: a run with {@code -p batch=N} must pass
 * {@code -opi N} too, which the setup checks.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(2)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class BusFanoutBenchmark {

    /** How many events an invocation publishes, unless the {@code batch} parameter says. */
    public static final int BATCH = 10_000;

    private static final String TOPIC = "bench.fanout";
    private static final int QUEUE_CAPACITY = 1024;
    private static final int GUAVA_THREADS = 2;
    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MICROSECONDS.toNanos(10);
    private static final long LONGEST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final Duration REFUSED_AT_MOST = Duration.ofSeconds(10);
    private static final Duration DELIVERY_WAIT = Duration.ofSeconds(60);

    /**
     * Which bus: {@code in-memory}, {@code handoff}, {@code guava-sync} or
     * {@code guava-async}.
     */
    @Param({"in-memory", "handoff", "guava-sync", "guava-async"})
    public String bus;

    /** How many subscribers get every event. */
    @Param({"1", "100"})
    public int subscribers;

    /** How many events an invocation publishes; must equal the operations per invocation. */
    @Param({"" + BATCH})
    public int batch;

    private final ObjectNode payload = JsonNodeFactory.instance.objectNode()
            .put("channel", "C0BENCH")
            .put("user", "U0BENCH")
            .put("text", "order #42 shipped");
    private Subscriber[] handlers;
    private Publisher publisher;
    private Event[] pending;
    private long sequence;
    private volatile CountDownLatch finished = new CountDownLatch(0);

    /**
     * Starts the bus and subscribes the subscribers.
     *
     * @param params the run's parameters, to check the batch against the operation count
     * @throws IllegalStateException if the batch and the operations per invocation differ
     * @throws IllegalArgumentException if the bus is unknown
     */
    @Setup(Level.Trial)
    public void start(BenchmarkParams params) {
        if (params.getOpsPerInvocation() != batch) {
            throw new IllegalStateException("fan-out benchmark: batch " + batch + " differs "
                    + "from the operations per invocation " + params.getOpsPerInvocation()
                    + ", so the score would be wrong; pass -opi " + batch + " with -p batch="
                    + batch);
        }
        handlers = new Subscriber[subscribers];
        for (int i = 0; i < subscribers; i++) {
            handlers[i] = new Subscriber(this);
        }
        publisher = switch (bus) {
            case "in-memory" -> new InMemory(handlers);
            case "handoff" -> new Handoff(handlers);
            case "guava-sync" -> new Guava(new com.google.common.eventbus.EventBus("bench"),
                    null, handlers);
            case "guava-async" -> {
                ExecutorService pool = Executors.newFixedThreadPool(GUAVA_THREADS, task -> {
                    Thread thread = new Thread(task, "bench-guava-async");
                    thread.setDaemon(true);
                    return thread;
                });
                yield new Guava(new AsyncEventBus("bench", pool), pool, handlers);
            }
            default -> throw new IllegalArgumentException("fan-out benchmark: bus '" + bus
                    + "' is unknown; use in-memory, handoff, guava-sync or guava-async");
        };
        pending = new Event[batch];
    }

    /** Makes the next batch of events, with ids never used before, and the counts to reach. */
    @Setup(Level.Invocation)
    public void prepareBatch() {
        for (int i = 0; i < pending.length; i++) {
            pending[i] = Event.builder("bench.message")
                    .id("f-" + sequence++)
                    .source("/bench")
                    .data(payload)
                    .build();
        }
        finished = new CountDownLatch(subscribers);
        for (Subscriber handler : handlers) {
            handler.expect(pending.length);
        }
    }

    /**
     * Publishes the batch, and waits until every subscriber has handled all of it.
     *
     * @param counters counts the rejected attempts to publish and the deliveries
     * @throws InterruptedException if interrupted while publishing or waiting
     * @throws IllegalStateException if the bus refused one event for 10 seconds, or the
     *     subscribers did not handle the batch within 60 seconds
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void publishBatch(Counters counters) throws InterruptedException {
        for (Event event : pending) {
            publisher.publish(event, counters);
        }
        if (!finished.await(DELIVERY_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("fan-out benchmark: bus '" + bus + "' with "
                    + subscribers + " subscribers: " + finished.getCount() + " of them did not "
                    + "handle the batch within " + DELIVERY_WAIT);
        }
        counters.deliveries += (long) pending.length * subscribers;
    }

    /** Stops the bus and its threads. */
    @TearDown(Level.Trial)
    public void stop() {
        if (publisher != null) {
            publisher.close();
        }
    }

    /**
     * The publisher's refused attempts and the deliveries made, which JMH reports per second
     * beside the score as {@code refused} and {@code deliveries}.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters {

        /** Attempts to publish that the bus rejected, in this iteration. */
        public long refused;

        /** Events handled by a subscriber (one event, 100 subscribers: 100), this iteration. */
        public long deliveries;

        /** Starts the counts of an iteration at zero. */
        @Setup(Level.Iteration)
        public void reset() {
            refused = 0;
            deliveries = 0;
        }
    }

    /**
     * One subscriber's work, the same for every bus: counts the event and, at the last event of
     * the batch, counts down the publisher's latch.
     */
    public static final class Subscriber {

        private final BusFanoutBenchmark owner;
        private final AtomicLong seen = new AtomicLong();
        private volatile long until;

        Subscriber(BusFanoutBenchmark owner) {
            this.owner = owner;
        }

        void expect(int events) {
            until = seen.get() + events;
        }

        /**
         * Handles one event.
         *
         * @param event the event
         */
        @Subscribe
        public void handle(Event event) {
            if (seen.incrementAndGet() == until) {
                owner.finished.countDown();
            }
        }
    }

    private interface Publisher {

        void publish(Event event, Counters counters) throws InterruptedException;

        void close();
    }

    /** The bus under test, each subscriber in a group of its own. */
    private static final class InMemory implements Publisher {

        private final EventBus events = EventBus.inMemory(QUEUE_CAPACITY);

        InMemory(Subscriber[] handlers) {
            for (int i = 0; i < handlers.length; i++) {
                Subscriber handler = handlers[i];
                events.subscribe(TOPIC, "group-" + i, handler::handle);
            }
        }

        @Override
        public void publish(Event event, Counters counters) {
            long backoff = FIRST_BACKOFF_NANOS;
            long firstRefusal = 0;
            boolean refused = false;
            while (true) {
                try {
                    events.publish(TOPIC, event);
                    return;
                } catch (EventRejectedException e) {
                    counters.refused++;
                    long now = System.nanoTime();
                    if (!refused) {
                        refused = true;
                        firstRefusal = now;
                    } else if (now - firstRefusal > REFUSED_AT_MOST.toNanos()) {
                        throw new IllegalStateException("fan-out benchmark: the in-memory bus "
                                + "refused event '" + event.id() + "' for " + REFUSED_AT_MOST
                                + ": " + e.getMessage(), e);
                    }
                    LockSupport.parkNanos(backoff);
                    backoff = Math.min(backoff * 2, LONGEST_BACKOFF_NANOS);
                }
            }
        }

        @Override
        public void close() {
            events.close(Duration.ofSeconds(5));
        }
    }

    /** The baseline: one bounded queue and one consumer thread calling every handler. */
    private static final class Handoff implements Publisher {

        private final ArrayBlockingQueue<Event> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
        private final Thread consumer;

        Handoff(Subscriber[] handlers) {
            consumer = new Thread(() -> {
                try {
                    while (true) {
                        Event event = queue.take();
                        for (Subscriber handler : handlers) {
                            handler.handle(event);
                        }
                    }
                } catch (InterruptedException e) {
                    // Closed.
                }
            }, "bench-handoff");
            consumer.setDaemon(true);
            consumer.start();
        }

        @Override
        public void publish(Event event, Counters counters) throws InterruptedException {
            queue.put(event);
        }

        @Override
        public void close() {
            consumer.interrupt();
        }
    }

    /** Guava's bus, synchronous or on an executor, with one registered object per handler. */
    private static final class Guava implements Publisher {

        private final com.google.common.eventbus.EventBus events;
        private final ExecutorService pool;

        Guava(com.google.common.eventbus.EventBus events, ExecutorService pool,
                Subscriber[] handlers) {
            this.events = events;
            this.pool = pool;
            for (Subscriber handler : handlers) {
                events.register(handler);
            }
        }

        @Override
        public void publish(Event event, Counters counters) {
            events.post(event);
        }

        @Override
        public void close() {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }
}
