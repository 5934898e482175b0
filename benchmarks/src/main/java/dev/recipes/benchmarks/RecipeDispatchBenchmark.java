package dev.recipes.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.recipes.core.ActionStep;
import dev.recipes.core.Event;
import dev.recipes.core.EventRejectedException;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.Trigger;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.Service;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
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
 * How many events per second a {@link RecipeEngine} with many recipes takes from
 * {@link RecipeEngine#publish(Event)} to the action they request, on the in-memory bus.
 *
 * <p>The engine has {@code recipes} recipes, all on one event type, each with a trigger whose
 * selector matches only the events of its own shop (a field of the event's data), and one
 * step: a no-op action of a service of the benchmark's own, which only counts. Each invocation
 * publishes a batch of events, each for one shop, the shops taken in turn, and waits until the
 * action of every event has run; the score is events per second. A refused publish is tried
 * again after a pause, from 10 µs doubling up to 1 ms; the secondary result {@code refused}
 * counts the refusals.
 *
 * <p>The triggers tell the engine their key ({@link Trigger#indexKey()}), so an event is
 * offered to its shop's recipe alone whatever the number of recipes; the engine's threads do
 * not grow with the recipes either (its dispatchers per topic and a shared action pool).
 *
 * <p>The setup prints the heap the recipes take (used heap after a full GC, before the engine is
 * built, once built and once started) and the threads the started engine added.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@State(Scope.Benchmark)
public class RecipeDispatchBenchmark {

    /** How many events an invocation publishes, unless the {@code batch} parameter says. */
    public static final int BATCH = 100;

    private static final String EVENT_TYPE = "bench.order";
    private static final String SERVICE = "bench";
    private static final String ACTION = "noop";
    private static final long FIRST_BACKOFF_NANOS = TimeUnit.MICROSECONDS.toNanos(10);
    private static final long LONGEST_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final Duration REFUSED_AT_MOST = Duration.ofSeconds(30);
    private static final Duration RUN_WAIT = Duration.ofSeconds(120);

    /** How many recipes the engine has. */
    @Param({"10", "1000", "10000", "100000"})
    public int recipes;

    /** How many events an invocation publishes; must equal the operations per invocation. */
    @Param({"" + BATCH})
    public int batch;

    private RecipeEngine engine;
    private String[] shops;
    private long sequence;
    private volatile CountDownLatch ran = new CountDownLatch(0);

    /**
     * Builds and starts the engine, printing the heap its recipes take.
     *
     * @param params the run's parameters, to check the batch against the operation count
     * @throws IllegalStateException if the batch and the operations per invocation differ
     */
    @Setup(Level.Trial)
    public void start(BenchmarkParams params) {
        if (params.getOpsPerInvocation() != batch) {
            throw new IllegalStateException("recipe dispatch benchmark: batch " + batch
                    + " differs from the operations per invocation "
                    + params.getOpsPerInvocation() + ", so the score would be wrong; pass -opi "
                    + batch + " with -p batch=" + batch);
        }
        shops = new String[recipes];
        for (int i = 0; i < recipes; i++) {
            shops[i] = String.format(Locale.ROOT, "shop-%06d", i);
        }
        // An engine of one recipe first, so that loading the engine's classes does not count
        // as the recipes' heap.
        try (RecipeEngine first = engine(new String[] {"warm-up"})) {
            first.start();
        }
        long before = usedHeapAfterGc();
        long buildStart = System.nanoTime();
        RecipeEngine built = engine(shops);
        long buildMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - buildStart);
        long afterBuild = usedHeapAfterGc();
        System.out.printf(Locale.ROOT, "%nrecipe dispatch: %,d recipes built in %,d ms, "
                + "%,d bytes of heap (%,d per recipe)%n", recipes, buildMillis,
                afterBuild - before, (afterBuild - before) / recipes);

        int threadsBefore = Thread.activeCount();
        long startStart = System.nanoTime();
        built.start();
        engine = built;
        long startMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startStart);
        long afterStart = usedHeapAfterGc();
        System.out.printf(Locale.ROOT, "recipe dispatch: %,d recipes started in %,d ms, "
                + "%,d threads more, %,d bytes of heap in all (%,d per recipe)%n", recipes,
                startMillis, Thread.activeCount() - threadsBefore, afterStart - before,
                (afterStart - before) / recipes);
    }

    private RecipeEngine engine(String[] shopsServed) {
        RecipeEngine.Builder builder = RecipeEngine.builder()
                .discoverServices(false)
                .service(new NoopService(this));
        for (String shop : shopsServed) {
            builder.recipe(Recipe.named("r-" + shop)
                    .when(new ShopTrigger(EVENT_TYPE, shop))
                    .then(ActionStep.of(SERVICE, ACTION).pointer("order", "/order").build())
                    .build());
        }
        return builder.build();
    }

    /**
     * Publishes a batch of events, each matching one recipe, and waits until every one of
     * their actions has run.
     *
     * @param counters counts the rejected attempts to publish
     * @throws InterruptedException if interrupted while waiting
     * @throws IllegalStateException if the engine refused an event for 30 seconds, or the
     *     actions did not all run within 120 seconds
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void publishBatch(Counters counters) throws InterruptedException {
        CountDownLatch batchRan = new CountDownLatch(batch);
        ran = batchRan;
        for (int i = 0; i < batch; i++) {
            long number = sequence++;
            String shop = shops[(int) (number % shops.length)];
            Event event = Event.builder(EVENT_TYPE)
                    .id("o-" + number)
                    .source("/bench")
                    .data(JsonNodeFactory.instance.objectNode()
                            .put("shop", shop)
                            .put("order", number))
                    .build();
            publish(event, counters);
        }
        if (!batchRan.await(RUN_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("recipe dispatch benchmark: " + recipes
                    + " recipes: " + batchRan.getCount() + " of " + batch + " actions did not "
                    + "run within " + RUN_WAIT);
        }
    }

    private void publish(Event event, Counters counters) {
        long backoff = FIRST_BACKOFF_NANOS;
        long firstRefusal = 0;
        boolean refused = false;
        while (true) {
            try {
                engine.publish(event);
                return;
            } catch (EventRejectedException e) {
                counters.refused++;
                long now = System.nanoTime();
                if (!refused) {
                    refused = true;
                    firstRefusal = now;
                } else if (now - firstRefusal > REFUSED_AT_MOST.toNanos()) {
                    throw new IllegalStateException("recipe dispatch benchmark: the engine "
                            + "refused event '" + event.id() + "' for " + REFUSED_AT_MOST
                            + ": " + e.getMessage(), e);
                }
                LockSupport.parkNanos(backoff);
                backoff = Math.min(backoff * 2, LONGEST_BACKOFF_NANOS);
            }
        }
    }

    /** Closes the engine. */
    @TearDown(Level.Trial)
    public void stop() {
        if (engine != null) {
            engine.close();
            engine = null;
        }
    }

    private static long usedHeapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
        }
        return used;
    }

    /** The publisher's refused attempts, which JMH reports per second as {@code refused}. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Counters {

        /** Attempts to publish that the engine rejected, in this iteration. */
        public long refused;

        /** Starts the count of an iteration at zero. */
        @Setup(Level.Iteration)
        public void reset() {
            refused = 0;
        }
    }

    /** A service with one action that does nothing but count that it ran. */
    private static final class NoopService implements Service {

        private final RecipeDispatchBenchmark owner;

        NoopService(RecipeDispatchBenchmark owner) {
            this.owner = owner;
        }

        @Override
        public String id() {
            return SERVICE;
        }

        @Override
        public List<Action> actions() {
            return List.of(new Action() {
                @Override
                public String name() {
                    return ACTION;
                }

                @Override
                public JsonNode execute(ActionInvocation invocation) {
                    owner.ran.countDown();
                    return NullNode.getInstance();
                }
            });
        }
    }
}
