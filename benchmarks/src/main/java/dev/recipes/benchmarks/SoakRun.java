package dev.recipes.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.recipes.core.ActionStep;
import dev.recipes.core.Event;
import dev.recipes.core.EventRejectedException;
import dev.recipes.core.IdempotencyStore;
import dev.recipes.core.Recipe;
import dev.recipes.core.RecipeEngine;
import dev.recipes.core.Trigger;
import dev.recipes.core.spi.Action;
import dev.recipes.core.spi.ActionInvocation;
import dev.recipes.core.spi.Service;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A soak run: an engine with many recipes takes a steady, paced stream of events for a long
 * time, while the heap after a full collection, the threads and the allocation per event are
 * sampled, to show whether anything grows.
 *
 * <p>The engine has {@code --recipes} recipes on one event type, each keyed on its own shop
 * ({@link Trigger#indexKey()}), whose one step is a no-op action that counts; a few recipes
 * without a key, offered every event, whose trigger takes one event in a thousand; and one
 * recipe following the shop action's results ({@link Trigger#onSuccess}), with a no-op action
 * of its own. So every event goes through the dispatchers, an action lane, the idempotency
 * store and a result, and half of them through a second recipe. The idempotency store is the
 * engine's default one (100,000 keys for 24 hours) unless {@code --idempotency-keys} sizes it.
 *
 * <p>A driver thread publishes events with {@link RecipeEngine#publish(Event)} at
 * {@code --rate} per second, open loop: each event has a time it is due, and an event refused
 * by the engine is counted and not sent again. Every {@code --sample-seconds} the run takes a
 * sample; at the end it prints the samples and a verdict on the heap, and with
 * {@code --histogram=true} the classes whose live bytes changed most since the warm-up.
 *
 * <pre>
 * java -Xms512m -Xmx512m -cp benchmarks.jar dev.recipes.benchmarks.SoakRun --minutes=10
 * </pre>
 */
public final class SoakRun {

    private static final String EVENT_TYPE = "soak.order";
    private static final String SERVICE = "soak";
    private static final String ORDER_ACTION = "order";
    private static final String NOTE_ACTION = "note";
    private static final String SAMPLE_ACTION = "sample";
    private static final int UNKEYED_ONE_IN = 1_000;
    private static final Duration IDLE_WAIT = Duration.ofSeconds(60);
    private static final Pattern STORE_SIZE =
            Pattern.compile("IdempotencyStore\\[in memory, (\\d+) of (\\d+) keys]");
    private static final long MIB = 1024 * 1024;

    private final Options options;
    private final PrintStream out;
    private final SoakProbe probe = new SoakProbe();
    private final LongAdder ordersRun = new LongAdder();
    private final LongAdder notesRun = new LongAdder();
    private final LongAdder samplesRun = new LongAdder();
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong sampledExpected = new AtomicLong();
    private final AtomicLong worstLagNanos = new AtomicLong();
    private volatile boolean driving;
    private IdempotencyStore idempotency;

    private SoakRun(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    /**
     * Runs a soak with options as {@code --name=value} and prints its samples and verdict;
     * exits with status 2, saying why, if an option is wrong.
     *
     * @param args options; see {@link Options#parse(String[])}
     * @throws InterruptedException if interrupted
     */
    public static void main(String[] args) throws InterruptedException {
        Options options = CommandLine.options("soak run", args, Options::parse);
        Report report = run(options, System.out);
        if (report.lost() != 0) {
            System.exit(1);
        }
    }

    /**
     * Runs a soak, printing as it goes.
     *
     * @param options the run's sizes
     * @param out where the samples and the verdict are printed
     * @return what was measured
     * @throws InterruptedException if interrupted
     */
    static Report run(Options options, PrintStream out) throws InterruptedException {
        return new SoakRun(options, out).run();
    }

    private Report run() throws InterruptedException {
        out.printf(Locale.ROOT, "soak run: %,d recipes keyed on a shop, %d unkeyed, 1 on "
                + "results; %,d events/s for %s; a sample every %d s; idempotency store of "
                + "%,d keys; follow-up concurrency %d%n", options.recipes, options.unkeyed,
                options.rate, Duration.ofMillis(Math.round(options.minutes * 60_000)),
                options.sampleSeconds, options.idempotencyKeys, options.followConcurrency);
        out.printf(Locale.ROOT, "soak run: %d processors, load average %.2f, max heap %,d MiB, "
                + "Java %s%n", Runtime.getRuntime().availableProcessors(),
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                        .getSystemLoadAverage(),
                Runtime.getRuntime().maxMemory() / MIB, System.getProperty("java.version"));
        String[] shops = new String[options.recipes];
        for (int i = 0; i < shops.length; i++) {
            shops[i] = String.format(Locale.ROOT, "shop-%06d", i);
        }
        // An engine of one recipe first, so that loading the engine's classes does not count
        // as the recipes' heap.
        try (RecipeEngine first = engine(new String[] {"warm-up"})) {
            first.start();
        }
        long before = probe.usedHeapAfterGc();
        int threadsBefore = probe.liveThreads();
        RecipeEngine engine = engine(shops);
        long afterBuild = probe.usedHeapAfterGc();
        engine.start();
        long afterStart = probe.usedHeapAfterGc();
        RecipeHeap recipeHeap = new RecipeHeap(options.recipes, afterBuild - before,
                afterStart - before, probe.liveThreads() - threadsBefore);
        out.print(recipeHeap.describe());

        List<Sample> samples = new ArrayList<>();
        List<String> growth = List.of();
        long expectedSampled;
        try {
            samples.add(sample(0, 0, 0));
            out.println(Sample.header());
            out.println(samples.get(0).row());
            Thread driver = new Thread(() -> drive(engine, shops), "soak-driver");
            long started = System.nanoTime();
            driving = true;
            driver.start();
            int count = Math.max(1, (int) Math.round(options.minutes * 60
                    / options.sampleSeconds));
            long previousNanos = started;
            long previousAccepted = 0;
            Map<String, long[]> warmHistogram = null;
            for (int k = 1; k <= count; k++) {
                long due = started + TimeUnit.SECONDS.toNanos((long) k * options.sampleSeconds);
                for (long now = System.nanoTime(); now < due; now = System.nanoTime()) {
                    TimeUnit.NANOSECONDS.sleep(due - now);
                }
                long now = System.nanoTime();
                long accepted = published.get() - refused.get();
                Sample s = sample(now - started, now - previousNanos,
                        accepted - previousAccepted);
                samples.add(s);
                out.println(s.row());
                previousNanos = now;
                previousAccepted = accepted;
                if (options.histogram && k == Math.min(options.warmupSamples, count - 1)) {
                    warmHistogram = SoakProbe.histogram();
                }
            }
            if (warmHistogram != null) {
                growth = SoakProbe.histogramGrowth(warmHistogram, SoakProbe.histogram(), 25);
            }
            driving = false;
            driver.join();
            if (!engine.awaitIdle(IDLE_WAIT)) {
                out.println("soak run: the engine was not idle " + IDLE_WAIT + " after the "
                        + "last event");
            }
            expectedSampled = sampledExpected.get();
        } finally {
            driving = false;
            engine.close();
        }
        Report report = new Report(recipeHeap, samples, published.get(), refused.get(),
                ordersRun.sum(), notesRun.sum(), samplesRun.sum(), expectedSampled,
                Verdict.of(samples, options.warmupSamples, options.idempotencyKeys), growth);
        out.print(report.describe());
        return report;
    }

    private RecipeEngine engine(String[] shopsServed) {
        idempotency = IdempotencyStore.inMemory(options.idempotencyKeys, Duration.ofHours(24),
                Clock.systemUTC());
        RecipeEngine.Builder builder = RecipeEngine.builder()
                .discoverServices(false)
                .idempotency(idempotency)
                .service(new SoakService());
        for (String shop : shopsServed) {
            builder.recipe(Recipe.named("r-" + shop)
                    .when(new ShopTrigger(EVENT_TYPE, shop))
                    .then(ActionStep.of(SERVICE, ORDER_ACTION).pointer("order", "/order").build())
                    .build());
        }
        for (int i = 0; i < options.unkeyed; i++) {
            builder.recipe(Recipe.named("unkeyed-" + i)
                    .when(new OneInThousandTrigger(i))
                    .then(ActionStep.of(SERVICE, SAMPLE_ACTION).pointer("order", "/order")
                            .build())
                    .build());
        }
        builder.recipe(Recipe.named("follow")
                .when(Trigger.onSuccess(SERVICE, ORDER_ACTION))
                .then(ActionStep.of(SERVICE, NOTE_ACTION).pointer("order", "/params/order")
                        .build())
                .build());
        return builder.build();
    }

    private void drive(RecipeEngine engine, String[] shops) {
        long start = System.nanoTime();
        double nanosPerEvent = 1e9 / options.rate;
        for (long n = 0; driving; n++) {
            long due = start + (long) (n * nanosPerEvent);
            long now = System.nanoTime();
            while (now < due) {
                LockSupport.parkNanos(due - now);
                now = System.nanoTime();
            }
            long lag = now - due;
            if (lag > worstLagNanos.get()) {
                worstLagNanos.set(lag);
            }
            Event event = Event.builder(EVENT_TYPE)
                    .id("soak-" + n)
                    .source("/soak")
                    .data(JsonNodeFactory.instance.objectNode()
                            .put("shop", shops[(int) (n % shops.length)])
                            .put("order", n))
                    .build();
            published.incrementAndGet();
            try {
                engine.publish(event);
                if (n % UNKEYED_ONE_IN < options.unkeyed) {
                    sampledExpected.incrementAndGet();
                }
            } catch (EventRejectedException e) {
                refused.incrementAndGet();
            }
        }
    }

    private Sample sample(long elapsedNanos, long intervalNanos, long acceptedInInterval) {
        long allocated = probe.allocatedSinceLastReading();
        long publishedNow = published.get();
        long refusedNow = refused.get();
        long run = ordersRun.sum();
        long lag = worstLagNanos.getAndSet(0);
        int threads = probe.liveThreads();
        long heap = probe.usedHeapAfterGc();
        long keys = -1;
        Matcher size = STORE_SIZE.matcher(idempotency.toString());
        if (size.matches()) {
            keys = Long.parseLong(size.group(1));
        }
        return new Sample(elapsedNanos / 1e9, publishedNow, refusedNow, run, notesRun.sum(),
                intervalNanos == 0 ? 0 : acceptedInInterval * 1e9 / intervalNanos,
                heap, threads, keys,
                acceptedInInterval == 0 ? -1 : allocated / acceptedInInterval,
                lag / 1e6);
    }

    /**
     * The run's sizes.
     *
     * @param recipes recipes keyed on a shop each
     * @param minutes how long events are sent
     * @param rate events per second
     * @param sampleSeconds seconds between samples
     * @param warmupSamples samples left out of the verdict, the first after the start
     * @param unkeyed recipes without an index key, at most 1,000
     * @param idempotencyKeys how many keys the idempotency store keeps at most
     * @param histogram whether to compare class histograms after the warm-up and at the end
     * @param followConcurrency what the follow-up action asks for as its
     *     {@link Action#concurrency()}: 1, the default, gives the recipe following the results
     *     the engine's usual 2 threads
     */
    record Options(int recipes, double minutes, int rate, int sampleSeconds, int warmupSamples,
            int unkeyed, int idempotencyKeys, boolean histogram, int followConcurrency) {

        /** 10,000 recipes, 10 minutes at 2,000 events/s, a sample every 30 s. */
        static final Options DEFAULTS = new Options(10_000, 10, 2_000, 30, 2, 3, 100_000, true,
                1);

        /** Checks the sizes. */
        Options {
            if (recipes < 1 || minutes <= 0 || rate < 1 || sampleSeconds < 1
                    || warmupSamples < 0 || unkeyed < 0 || unkeyed > UNKEYED_ONE_IN
                    || idempotencyKeys < 1 || followConcurrency < 1) {
                throw new IllegalArgumentException("soak run: options out of range: recipes "
                        + recipes + ", minutes " + minutes + ", rate " + rate
                        + ", sample seconds " + sampleSeconds + ", warm-up samples "
                        + warmupSamples + ", unkeyed " + unkeyed + ", idempotency keys "
                        + idempotencyKeys + ", follow concurrency " + followConcurrency);
            }
        }

        /**
         * Reads {@code --recipes=N}, {@code --minutes=X} (a decimal), {@code --rate=N} events
         * per second, {@code --sample-seconds=N}, {@code --warmup-samples=N},
         * {@code --unkeyed=N}, {@code --idempotency-keys=N}, {@code --histogram=true|false}
         * and {@code --follow-concurrency=N};
         * what is not given keeps its default.
         *
         * @param args the arguments
         * @return the options
         * @throws IllegalArgumentException if an argument is unknown, not a number, or out of
         *     range
         */
        static Options parse(String[] args) {
            Map<String, String> given = new LinkedHashMap<>();
            for (String arg : args) {
                String[] pair = arg.split("=", 2);
                if (pair.length != 2 || !pair[0].startsWith("--")) {
                    throw new IllegalArgumentException("soak run: option '" + arg
                            + "' is not --name=value");
                }
                given.put(pair[0].substring(2), pair[1]);
            }
            Options d = DEFAULTS;
            Options o = new Options(
                    Integer.parseInt(given.getOrDefault("recipes", "" + d.recipes)),
                    Double.parseDouble(given.getOrDefault("minutes", "" + d.minutes)),
                    Integer.parseInt(given.getOrDefault("rate", "" + d.rate)),
                    Integer.parseInt(given.getOrDefault("sample-seconds", "" + d.sampleSeconds)),
                    Integer.parseInt(given.getOrDefault("warmup-samples", "" + d.warmupSamples)),
                    Integer.parseInt(given.getOrDefault("unkeyed", "" + d.unkeyed)),
                    Integer.parseInt(given.getOrDefault("idempotency-keys",
                            "" + d.idempotencyKeys)),
                    Boolean.parseBoolean(given.getOrDefault("histogram", "" + d.histogram)),
                    Integer.parseInt(given.getOrDefault("follow-concurrency",
                            "" + d.followConcurrency)));
            given.keySet().removeAll(List.of("recipes", "minutes", "rate", "sample-seconds",
                    "warmup-samples", "unkeyed", "idempotency-keys", "histogram",
                    "follow-concurrency"));
            if (!given.isEmpty()) {
                throw new IllegalArgumentException("soak run: unknown options " + given.keySet()
                        + "; http is not supported");
            }
            return o;
        }
    }

    /**
     * The heap and threads the recipes take, measured after a full collection against the
     * engine-less heap once an engine of one recipe has loaded the classes.
     *
     * @param recipes how many recipes keyed on a shop
     * @param builtBytes heap once the engine is built
     * @param startedBytes heap once it is started
     * @param threadsAdded threads the started engine added
     */
    record RecipeHeap(int recipes, long builtBytes, long startedBytes, int threadsAdded) {

        /**
         * Returns the heap per 10,000 recipes, started.
         *
         * @return bytes
         */
        long startedPer10000() {
            return startedBytes * 10_000 / recipes;
        }

        String describe() {
            return String.format(Locale.ROOT, "soak run: %,d recipes: %,d bytes of heap built, "
                    + "%,d started (%,d per recipe, %,d per 10,000 recipes); %d threads added "
                    + "by start%n", recipes, builtBytes, startedBytes, startedBytes / recipes,
                    startedPer10000(), threadsAdded);
        }
    }

    /**
     * One sample, taken while events flow (the first one before any).
     *
     * @param seconds since the first event was due
     * @param published events offered to the engine so far
     * @param refused of those, the ones the engine refused
     * @param run shop actions run so far
     * @param followed follow-up actions (on the shop action's results) run so far
     * @param eventsPerSecond accepted events per second over the interval
     * @param heapBytes used heap after a full collection
     * @param threads live threads
     * @param idempotencyKeys keys in the idempotency store, or -1 if unknown
     * @param bytesPerEvent bytes allocated by all threads over the interval, per accepted
     *     event, or -1 if none was accepted
     * @param worstLagMillis how late the driver sent its latest event of the interval
     */
    record Sample(double seconds, long published, long refused, long run, long followed,
            double eventsPerSecond, long heapBytes, int threads, long idempotencyKeys,
            long bytesPerEvent, double worstLagMillis) {

        static String header() {
            return String.format(Locale.ROOT, "%8s %11s %8s %11s %11s %8s %13s %7s %9s %8s %8s",
                    "t (s)", "published", "refused", "run", "followed", "ev/s",
                    "heap after GC", "threads", "idem keys", "B/event", "lag ms");
        }

        String row() {
            return String.format(Locale.ROOT,
                    "%8.1f %,11d %,8d %,11d %,11d %,8.0f %,13d %7d %,9d %,8d %,8.1f", seconds,
                    published, refused, run, followed, eventsPerSecond, heapBytes, threads,
                    idempotencyKeys, bytesPerEvent, worstLagMillis);
        }
    }

    /**
     * The heap over the samples after the warm-up.
     *
     * @param firstSteady index of the first sample counted
     * @param startBytes heap after GC at that sample
     * @param endBytes heap after GC at the last sample
     * @param slopeBytesPerMinute least-squares slope of the heap over the counted samples
     * @param storeFullSeconds when the idempotency store was first seen full, or -1
     * @param fullSlopeBytesPerMinute the slope over the samples from the later of the
     *     warm-up's end and the store's filling, or {@code NaN} with fewer than 3 of them
     * @param grows whether the heap grows: the deciding slope (the second if known) would add
     *     more than 1 MiB or 2 % of the starting heap in 10 minutes, and the heap rose by more
     *     than half of that from the start to the end
     */
    record Verdict(int firstSteady, long startBytes, long endBytes, double slopeBytesPerMinute,
            double storeFullSeconds, double fullSlopeBytesPerMinute, boolean grows) {

        static Verdict of(List<Sample> samples, int warmupSamples, long capacity) {
            int first = Math.min(warmupSamples + 1, samples.size() - 2);
            first = Math.max(first, 0);
            List<Sample> steady = samples.subList(first, samples.size());
            double slope = slope(steady);
            double fullAt = -1;
            int fullIndex = -1;
            for (int i = 1; i < samples.size(); i++) {
                Sample s = samples.get(i);
                if (s.idempotencyKeys() >= capacity) {
                    fullAt = s.seconds();
                    fullIndex = i;
                    break;
                }
            }
            double fullSlope = Double.NaN;
            if (fullIndex >= 0 && samples.size() - Math.max(fullIndex, first) >= 3) {
                fullSlope = slope(samples.subList(Math.max(fullIndex, first), samples.size()));
            }
            long start = steady.get(0).heapBytes();
            long end = samples.get(samples.size() - 1).heapBytes();
            double threshold = Math.max(MIB, 0.02 * start);
            double deciding = Double.isNaN(fullSlope) ? slope : fullSlope;
            boolean grows = deciding * 10 > threshold && end - start > threshold / 2;
            return new Verdict(first, start, end, slope, fullAt, fullSlope, grows);
        }

        private static double slope(List<Sample> samples) {
            int n = samples.size();
            if (n < 2) {
                return 0;
            }
            double meanT = 0;
            double meanH = 0;
            for (Sample s : samples) {
                meanT += s.seconds() / 60;
                meanH += s.heapBytes();
            }
            meanT /= n;
            meanH /= n;
            double num = 0;
            double den = 0;
            for (Sample s : samples) {
                double dt = s.seconds() / 60 - meanT;
                num += dt * (s.heapBytes() - meanH);
                den += dt * dt;
            }
            return den == 0 ? 0 : num / den;
        }

        String describe(List<Sample> samples) {
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "verdict: heap after GC %,d bytes at %.0f s "
                    + "(%d warm-up samples left out), %,d at the end (%+,d); slope %+,.0f "
                    + "bytes/minute over %d samples%n", startBytes,
                    samples.get(firstSteady).seconds(), Math.max(firstSteady - 1, 0), endBytes,
                    endBytes - startBytes, slopeBytesPerMinute, samples.size() - firstSteady));
            if (storeFullSeconds >= 0) {
                b.append(String.format(Locale.ROOT, "verdict: the idempotency store was full "
                        + "from %.0f s on", storeFullSeconds));
                if (!Double.isNaN(fullSlopeBytesPerMinute)) {
                    b.append(String.format(Locale.ROOT, "; slope from then %+,.0f bytes/minute",
                            fullSlopeBytesPerMinute));
                }
                b.append(String.format(Locale.ROOT, "%n"));
            } else {
                b.append(String.format(Locale.ROOT, "verdict: the idempotency store never "
                        + "filled, so the heap holds one more set of keys per event until it "
                        + "does (see --idempotency-keys)%n"));
            }
            b.append(grows ? "verdict: the heap GROWS" : "verdict: no growth");
            b.append(String.format(Locale.ROOT, " (threshold: 1 MiB or 2 %% of the starting "
                    + "heap per 10 minutes)%n"));
            return b.toString();
        }
    }

    /**
     * What a soak run measured.
     *
     * @param recipeHeap the heap the recipes take
     * @param samples every sample, the first before any event
     * @param published events offered to the engine
     * @param refused of those, refused by it
     * @param run shop actions run
     * @param followed follow-up actions run, one per shop action
     * @param sampled actions of the unkeyed recipes run
     * @param sampledExpected accepted events the unkeyed recipes take
     * @param verdict the heap's verdict
     * @param histogramGrowth the classes whose live bytes changed most since the warm-up
     */
    record Report(RecipeHeap recipeHeap, List<Sample> samples, long published, long refused,
            long run, long followed, long sampled, long sampledExpected, Verdict verdict,
            List<String> histogramGrowth) {

        /**
         * Returns how many accepted events did not have all their actions run.
         *
         * @return 0 if none was lost
         */
        long lost() {
            return Math.abs(published - refused - run) + Math.abs(run - followed)
                    + Math.abs(sampledExpected - sampled);
        }

        /**
         * Returns the allocation per accepted event over the samples after the warm-up.
         *
         * @return bytes per event, or -1 if no event was accepted then
         */
        long steadyBytesPerEvent() {
            double bytes = 0;
            double events = 0;
            List<Sample> steady = samples.subList(verdict.firstSteady(), samples.size());
            for (int i = 1; i < steady.size(); i++) {
                Sample s = steady.get(i);
                long accepted = (s.published() - s.refused())
                        - (steady.get(i - 1).published() - steady.get(i - 1).refused());
                if (s.bytesPerEvent() >= 0) {
                    bytes += (double) s.bytesPerEvent() * accepted;
                    events += accepted;
                }
            }
            return events == 0 ? -1 : Math.round(bytes / events);
        }

        String describe() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "%nevents: published %,d, refused %,d, run "
                    + "%,d, followed %,d, unkeyed %,d of %,d: lost %,d%n", published, refused,
                    run, followed, sampled, sampledExpected, lost()));
            b.append(String.format(Locale.ROOT, "heap per 10,000 recipes, started: %,d bytes; "
                    + "allocation per event after the warm-up: %,d bytes (all threads, "
                    + "the driver's making of the event included)%n",
                    recipeHeap.startedPer10000(), steadyBytesPerEvent()));
            for (int i = 1; i < samples.size(); i++) {
                Sample now = samples.get(i);
                Sample then = samples.get(i - 1);
                if (now.run() == then.run()
                        && now.published() - now.refused() > then.published() - then.refused()) {
                    b.append(String.format(Locale.ROOT, "verdict: actions STALLED: none ran "
                            + "from %.0f s to %.0f s while events were accepted%n",
                            then.seconds(), now.seconds()));
                    break;
                }
            }
            b.append(verdict.describe(samples));
            if (!histogramGrowth.isEmpty()) {
                b.append(String.format(Locale.ROOT, "%nlive heap by class, end minus after the "
                        + "warm-up (bytes, objects, bytes at the end):%n"));
                for (String line : histogramGrowth) {
                    b.append(line).append(String.format(Locale.ROOT, "%n"));
                }
            }
            return b.toString();
        }
    }

    /** Takes one order in a thousand, without an index key: offered every event. */
    private static final class OneInThousandTrigger implements Trigger {

        private final int remainder;

        OneInThousandTrigger(int remainder) {
            this.remainder = remainder;
        }

        @Override
        public String eventType() {
            return EVENT_TYPE;
        }

        @Override
        public boolean matches(Event event) {
            return event.data().path("order").asLong() % UNKEYED_ONE_IN == remainder;
        }

        @Override
        public String toString() {
            return "OneInThousandTrigger[" + remainder + "]";
        }
    }

    /** The run's service: three no-op actions that count. */
    private final class SoakService implements Service {

        @Override
        public String id() {
            return SERVICE;
        }

        @Override
        public List<Action> actions() {
            return List.of(counting(ORDER_ACTION, ordersRun, 1),
                    counting(NOTE_ACTION, notesRun, options.followConcurrency),
                    counting(SAMPLE_ACTION, samplesRun, 1));
        }

        private Action counting(String name, LongAdder counter, int concurrency) {
            return new Action() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public int concurrency() {
                    return concurrency;
                }

                @Override
                public JsonNode execute(ActionInvocation invocation) {
                    counter.increment();
                    return NullNode.getInstance();
                }
            };
        }
    }
}
