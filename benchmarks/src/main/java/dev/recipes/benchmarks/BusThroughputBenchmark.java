package dev.recipes.benchmarks;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.recipes.bus.redis.RedisBackend;
import dev.recipes.bus.redis.RedisEventBus;
import dev.recipes.core.Event;
import dev.recipes.core.EventBus;
import dev.recipes.core.EventRejectedException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
 * How many events per second go through a bus, from one publisher to every subscribed group:
 * the in-memory bus beside the Redis bus.
 *
 * <p>Each invocation publishes a batch of events on one topic, then waits until every group has
 * handled every event of the batch; the score is published events per second. With several
 * groups, each event is handled once per group, so the bus does that many times the work.
 *
 * <p>Both buses refuse an event they cannot take now with an {@link EventRejectedException}:
 * the in-memory bus when a group's queue (1,024 events) is full, the Redis bus when Redis cannot
 * be reached. The publisher then backs off and tries the same event again, from 10 µs doubling
 * up to 1 ms, the same for both buses; that waiting is part of the measured time, and the
 * secondary result {@code refused} counts the refusals per second. The {@code retryAfter} of
 * the rejection (1 s) is meant for remote senders such as a webhook provider and is not used.
 *
 * <p>The Redis bus runs with its default settings against 127.0.0.1:6379, under a key prefix
 * of the run's own, whose keys are deleted when the run ends. The batch size is a parameter so
 * that a short run can use a small one, but JMH divides by the fixed count of
 * {@link OperationsPerInvocation}: a run with {@code -p batch=N} must pass {@code -opi N} too,
 * which the setup checks.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(2)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@State(Scope.Benchmark)
public class BusThroughputBenchmark {

    /** How many events an invocation publishes, unless the {@code batch} parameter says. */
    public static final int BATCH = 10_000;

    private static final String TOPIC = "bench.messages";
    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MICROSECONDS.toNanos(10);
    private static final long LONGEST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final Duration REFUSED_AT_MOST = Duration.ofSeconds(10);
    private static final Duration DELIVERY_WAIT = Duration.ofSeconds(60);

    /** Which bus: {@code in-memory} ({@link EventBus#inMemory()}) or {@code redis}. */
    @Param({"in-memory", "redis"})
    public String bus;

    /** How many groups subscribe to the topic, with one subscriber each. */
    @Param({"1", "4"})
    public int groups;

    /** How many events an invocation publishes; must equal the operations per invocation. */
    @Param({"" + BATCH})
    public int batch;

    private final ObjectNode payload = JsonNodeFactory.instance.objectNode()
            .put("channel", "C0BENCH")
            .put("user", "U0BENCH")
            .put("text", "order #42 shipped");
    private LocalRedis redis;
    private RedisBackend backend;
    private EventBus events;
    private Event[] pending;
    private long sequence;
    private volatile CountDownLatch handled = new CountDownLatch(0);

    /**
     * Starts the bus and subscribes the groups.
     *
     * @param params the run's parameters, to check the batch against the operation count
     * @throws IllegalStateException if Redis does not answer, or the batch and the operations
     *     per invocation differ
     */
    @Setup(Level.Trial)
    public void start(BenchmarkParams params) {
        if (params.getOpsPerInvocation() != batch) {
            throw new IllegalStateException("bus benchmark: batch " + batch + " differs from "
                    + "the operations per invocation " + params.getOpsPerInvocation()
                    + ", so the score would be wrong; pass -opi " + batch + " with -p batch="
                    + batch);
        }

        events = switch (bus) {
            case "in-memory" -> EventBus.inMemory();
            case "redis" -> startRedis();
            default -> throw new IllegalArgumentException("bus benchmark: bus '" + bus
                    + "' is unknown; use 'in-memory' or 'redis'");
        };
        for (int group = 1; group <= groups; group++) {
            events.subscribe(TOPIC, "group-" + group, event -> handled.countDown());
        }
        pending = new Event[batch];
    }

    private EventBus startRedis() {
        redis = LocalRedis.open("bus");
        backend = redis.backend();

        // A short poll timeout only makes closing quick: reads return as soon as entries come.
        return RedisEventBus.builder(backend).pollTimeout(Duration.ofMillis(100)).build();
    }

    /** Makes the next batch of events, with ids never used before, and a latch for them. */
    @Setup(Level.Invocation)
    public void prepareBatch() {
        for (int i = 0; i < pending.length; i++) {
            pending[i] = Event.builder("bench.message")
                    .id("m-" + sequence++)
                    .source("/bench")
                    .data(payload)
                    .build();
        }
        handled = new CountDownLatch(pending.length * groups);
    }

    /**
     * Publishes the batch, and waits until every group has handled all of it.
     *
     * @param refusals counts the rejected attempts to publish
     * @throws InterruptedException if interrupted while waiting
     * @throws IllegalStateException if the bus refused one event for 10 seconds, or the
     *     groups did not handle the batch within 60 seconds
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void publishBatch(Refusals refusals) throws InterruptedException {
        for (Event event : pending) {
            publish(event, refusals);
        }
        if (!handled.await(DELIVERY_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            long expected = (long) pending.length * groups;
            throw new IllegalStateException("bus benchmark: bus '" + bus + "' with " + groups
                    + " groups handled " + (expected - handled.getCount()) + " of " + expected
                    + " deliveries within " + DELIVERY_WAIT);
        }
    }

    private void publish(Event event, Refusals refusals) {
        long backoff = FIRST_BACKOFF_NANOS;
        long firstRefusal = 0;
        boolean refused = false;
        while (true) {
            try {
                events.publish(TOPIC, event);
                return;
            } catch (EventRejectedException e) {
                refusals.refused++;
                long now = System.nanoTime();
                if (!refused) {
                    refused = true;
                    firstRefusal = now;
                } else if (now - firstRefusal > REFUSED_AT_MOST.toNanos()) {
                    throw new IllegalStateException("bus benchmark: bus '" + bus
                            + "' refused event '" + event.id() + "' for " + REFUSED_AT_MOST
                            + ": " + e.getMessage(), e);
                }
                LockSupport.parkNanos(backoff);
                backoff = Math.min(backoff * 2, LONGEST_BACKOFF_NANOS);
            }
        }
    }

    /** Closes the bus; for Redis, also the backend, then deletes the run's keys. */
    @TearDown(Level.Trial)
    public void stop() {
        try {
            if (events != null) {
                events.close(Duration.ofSeconds(5));
            }
        } finally {
            if (backend != null) {
                backend.close();
            }
            if (redis != null) {
                redis.close();
            }
        }
    }

    /**
     * The publisher's refused attempts, which JMH reports per second beside the score as
     * {@code refused}. Counted by the one publishing thread.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Refusals {

        /** Attempts to publish that the bus rejected, in this iteration. */
        public long refused;

        /** Starts the count of an iteration at zero. */
        @Setup(Level.Iteration)
        public void reset() {
            refused = 0;
        }
    }
}
